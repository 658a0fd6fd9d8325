package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * Asks for the members of a room the sender is in; answered by {@link MembersReply}.
 *
 * @param requestId echoed in the reply
 * @param room the room name
 */
public record Members(int requestId, String room) implements Frame {
    public Members {
        Objects.requireNonNull(room, "room");
    }

    @Override
    public Opcode opcode() {
        return Opcode.MEMBERS;
    }
}
