package io.switchboard.server.rooms;

import java.util.Set;

/**
 * Which sessions a broadcast or a sockets operation is for, as a rule every node applies to its
 * own members: the union of the targets (every session that receives events for everyone when
 * {@code everyone}; the members of {@code rooms}; the sessions {@code sessions}), minus the
 * members of {@code exceptRooms}, minus {@code exceptSessions}. Each session counts once, however
 * many targets it matches. Rooms are the hub's names (a Socket.IO namespace's prefix included).
 *
 * <p>A node that receives a selection from another node computes its local recipients with the
 * same rule ({@link RoomHub#localRecipients}), so that the recipients of all nodes together are
 * what one node holding every session would have picked.
 */
public record Selection(boolean everyone, Set<String> rooms, Set<Long> sessions, Set<String> exceptRooms,
        Set<Long> exceptSessions) {

    public Selection {
        rooms = Set.copyOf(rooms);
        sessions = Set.copyOf(sessions);
        exceptRooms = Set.copyOf(exceptRooms);
        exceptSessions = Set.copyOf(exceptSessions);
    }

    /** Whether {@code member} is in none of the exceptions (on this node's hub). */
    boolean admits(RoomHub hub, Member member) {
        if (exceptSessions.contains(member.id())) {
            return false;
        }
        for (String room : exceptRooms) {
            if (hub.isMember(member, room)) {
                return false;
            }
        }
        return true;
    }
}
