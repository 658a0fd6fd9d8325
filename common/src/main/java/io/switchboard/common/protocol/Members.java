package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * Asks for the members of a room the sender is in; answered by {@link MembersReply}. Either the
 * whole room ({@code limit} 0, the body is the room name alone) or one page: at most {@code limit}
 * members whose session ids come after {@code after} (unsigned order; 0 starts at the beginning).
 *
 * @param requestId echoed in the reply
 * @param room the room name
 * @param after the session id the page starts after (0: from the first)
 * @param limit the most members in the page, 1 to {@link #MAX_LIMIT}; 0 asks for the whole room
 */
public record Members(int requestId, String room, long after, int limit) implements Frame {
    /** The largest page a client may ask for. */
    public static final int MAX_LIMIT = 10_000;

    public Members {
        Objects.requireNonNull(room, "room");
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("page limit " + limit + " out of 0.." + MAX_LIMIT);
        }
        if (limit == 0 && after != 0) {
            throw new IllegalArgumentException("a whole-room request has no cursor");
        }
    }

    /** The whole room (protocol v1's original form). */
    public Members(int requestId, String room) {
        this(requestId, room, 0, 0);
    }

    /** Whether this asks for one page (the body carries {@code after} and {@code limit}). */
    public boolean paged() {
        return limit > 0;
    }

    @Override
    public Opcode opcode() {
        return Opcode.MEMBERS;
    }
}
