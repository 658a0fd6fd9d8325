package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * A JOINED or LEFT notice, sent to members that joined a room with {@link Flags#PRESENCE}.
 *
 * @param opcode {@link Opcode#JOINED} or {@link Opcode#LEFT}
 * @param room the room
 * @param sessionId who joined or left
 * @param name that session's display name
 * @param requestId 0 from a server; what a (misbehaving) client put in its header, so that the
 *     server's ERROR names the frame it refuses
 */
public record Presence(Opcode opcode, String room, long sessionId, String name, int requestId) implements Frame {
    /** A notice as servers send it, with request id 0. */
    public Presence(Opcode opcode, String room, long sessionId, String name) {
        this(opcode, room, sessionId, name, 0);
    }

    public Presence {
        if (opcode != Opcode.JOINED && opcode != Opcode.LEFT) {
            throw new IllegalArgumentException("opcode: " + opcode + " (expected: JOINED or LEFT)");
        }
        Objects.requireNonNull(room, "room");
        Objects.requireNonNull(name, "name");
    }
}
