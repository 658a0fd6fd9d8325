package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * JOIN a room (created on first join).
 *
 * @param requestId echoed in the ACK or ERROR
 * @param flags {@link Flags#ACK} and {@link Flags#PRESENCE}
 * @param room the room name, UTF-8; {@code /} separates namespace prefixes by convention
 */
public record Join(int requestId, int flags, String room) implements Frame {
    public Join {
        Objects.requireNonNull(room, "room");
    }

    @Override
    public Opcode opcode() {
        return Opcode.JOIN;
    }
}
