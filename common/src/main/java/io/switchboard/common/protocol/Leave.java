package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * LEAVE a room (removed when its last member leaves).
 *
 * @param requestId echoed in the ACK or ERROR
 * @param flags {@link Flags#ACK}
 * @param room the room name
 */
public record Leave(int requestId, int flags, String room) implements Frame {
    public Leave {
        Objects.requireNonNull(room, "room");
    }

    @Override
    public Opcode opcode() {
        return Opcode.LEAVE;
    }
}
