package io.switchboard.server.session;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who a session is and what it may do, from a verified signed token: the identity, the expiry,
 * the rights per room pattern, and whether it may broadcast to everyone and send to single
 * sessions. Immutable. A session without a grant follows the server's {@link AccessPolicy}.
 *
 * @param subject the user id (the token's {@code sub})
 * @param name the display name (the token's {@code name}; empty when it has none)
 * @param notBefore when the token becomes valid, or {@code null}
 * @param expiry when the token expires (its {@code exp}): the session ends then unless refreshed
 * @param rooms the rights per room pattern, in the token's order; a room's rights are the union
 *     of those of every pattern it matches
 * @param broadcast whether the holder may publish to every session
 * @param direct whether the holder may publish to a single session
 */
public record Grant(String subject, String name, Instant notBefore, Instant expiry, List<RoomRights> rooms,
        boolean broadcast, boolean direct) {

    /** What a room pattern allows. */
    public enum Right {
        /** Joining the room. */
        JOIN,
        /** Publishing into the room. */
        PUBLISH,
        /** Seeing its members: presence notices on join, and MEMBERS. */
        PRESENCE
    }

    /**
     * The rights of the rooms a pattern matches. A pattern is a room name in which {@code *}
     * stands for any run of characters, dots included ({@code chat.*} matches {@code chat.a} and
     * {@code chat.a.b}, not {@code chat}); {@code *} alone matches every room.
     */
    public record RoomRights(String pattern, Set<Right> rights) {
        public RoomRights {
            Objects.requireNonNull(pattern, "pattern");
            rights = rights.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(rights));
        }

        /** Whether {@code room} matches the pattern: at worst in time proportional to the product of their lengths. */
        public boolean matches(String room) {
            int p = 0;
            int r = 0;
            int star = -1;
            int resume = 0;
            while (r < room.length()) {
                if (p < pattern.length() && pattern.charAt(p) == '*') {
                    star = p++;
                    resume = r;
                } else if (p < pattern.length() && pattern.charAt(p) == room.charAt(r)) {
                    p++;
                    r++;
                } else if (star >= 0) {
                    p = star + 1; // the last star takes one more character
                    r = ++resume;
                } else {
                    return false;
                }
            }
            while (p < pattern.length() && pattern.charAt(p) == '*') {
                p++;
            }
            return p == pattern.length();
        }
    }

    public Grant {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expiry, "expiry");
        rooms = List.copyOf(rooms);
    }

    /** Whether some pattern matching {@code room} gives {@code right}. */
    public boolean may(Right right, String room) {
        for (RoomRights r : rooms) {
            if (r.rights().contains(right) && r.matches(room)) {
                return true;
            }
        }
        return false;
    }
}
