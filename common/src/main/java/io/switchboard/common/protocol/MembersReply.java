package io.switchboard.common.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The members of a room: all of them, or one page of them in the order of their session ids
 * (unsigned) when the request asked for a page.
 *
 * @param requestId the MEMBERS request's id
 * @param room the room name
 * @param members each member's session id and name
 * @param paged whether this answers a page request (the body then ends with {@code next})
 * @param next for a page: the cursor of the next page (the last session id of this one), or 0 when
 *     this page is the last; 0 for a whole room
 */
public record MembersReply(int requestId, String room, List<MemberInfo> members, boolean paged, long next)
        implements Frame {
    public MembersReply {
        Objects.requireNonNull(room, "room");
        members = List.copyOf(members);
        if (!paged && next != 0) {
            throw new IllegalArgumentException("a whole-room answer has no next page");
        }
    }

    /** The whole room. */
    public MembersReply(int requestId, String room, List<MemberInfo> members) {
        this(requestId, room, members, false, 0);
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
