package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * A JOINED or LEFT notice, sent to members that joined a room with {@link Flags#PRESENCE}.
 *
 * @param opcode {@link Opcode#JOINED} or {@link Opcode#LEFT}
 * @param room the room
 * @param sessionId who joined or left
 * @param name that session's display name
 */
public record Presence(Opcode opcode, String room, long sessionId, String name) implements Frame {
    public Presence {
        if (opcode != Opcode.JOINED && opcode != Opcode.LEFT) {
            throw new IllegalArgumentException("opcode: " + opcode + " (expected: JOINED or LEFT)");
        }
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public int requestId() {
        return 0;
    }
}
