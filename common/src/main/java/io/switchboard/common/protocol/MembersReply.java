package io.switchboard.common.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The members of a room.
 *
 * @param requestId the MEMBERS request's id
 * @param room the room name
 * @param members each member's session id and name
 */
public record MembersReply(int requestId, String room, List<MemberInfo> members) implements Frame {
    public MembersReply {
        Objects.requireNonNull(room, "room");
        members = List.copyOf(members);
    }

    /** One member: its session id and display name. */
    public record MemberInfo(long sessionId, String name) {
        public MemberInfo {
            Objects.requireNonNull(name, "name");
        }
    }

    @Override
    public Opcode opcode() {
        return Opcode.MEMBERS_REPLY;
    }
}
