package io.switchboard.server.session;

import io.netty.buffer.ByteBufUtil;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Wire;
import java.time.Instant;
import java.util.Set;

/**
 * The limits every session obeys, whatever its protocol: one place decides what is refused and
 * with which code and message; the framed and WebSocket sessions only render the refusal in their
 * own terms. Each check returns {@code null} when the request is acceptable.
 */
public final class SessionRules {
    /** Why a request is refused; {@code cause} labels a permission refusal ({@code null} for others). */
    public record Refusal(ErrorCode code, String message, String cause) {
        public Refusal(ErrorCode code, String message) {
            this(code, message, null);
        }
    }

    private final SessionConfig config;

    public SessionRules(SessionConfig config) {
        this.config = config;
    }

    /** A display name from the handshake. */
    public Refusal name(String name) {
        int bytes = ByteBufUtil.utf8Bytes(name);
        return bytes <= Wire.MAX_NAME_BYTES ? null : new Refusal(ErrorCode.INVALID_ARGUMENT,
                "name of " + bytes + " bytes is too long (expected: at most " + Wire.MAX_NAME_BYTES + ")");
    }

    /** A room name. */
    public Refusal room(String room) {
        if (room.isEmpty()) {
            return new Refusal(ErrorCode.INVALID_ARGUMENT, "room name is empty");
        }
        int bytes = ByteBufUtil.utf8Bytes(room);
        return bytes <= config.maxRoomNameBytes() ? null : new Refusal(ErrorCode.NAME_TOO_LONG, "room name of "
                + bytes + " bytes is too long (expected: at most " + config.maxRoomNameBytes() + ")");
    }

    /** Joining {@code room} for a session already in {@code joined}. */
    public Refusal join(Set<String> joined, String room) {
        Refusal refusal = room(room);
        if (refusal != null || joined.contains(room) || joined.size() < config.maxRoomsPerSession()) {
            return refusal;
        }
        return new Refusal(ErrorCode.TOO_MANY_ROOMS, "already in " + joined.size() + " rooms (expected: at most "
                + config.maxRoomsPerSession() + ")");
    }

    /** An event's name and payload size. */
    public Refusal event(String event, int payloadBytes) {
        int eventBytes = ByteBufUtil.utf8Bytes(event);
        if (eventBytes > config.maxEventNameBytes()) {
            return new Refusal(ErrorCode.NAME_TOO_LONG, "event name of " + eventBytes
                    + " bytes is too long (expected: at most " + config.maxEventNameBytes() + ")");
        }
        return payloadBytes <= config.maxPayloadBytes() ? null : new Refusal(ErrorCode.PAYLOAD_TOO_LARGE,
                "payload of " + payloadBytes + " bytes exceeds the maximum of " + config.maxPayloadBytes());
    }

    /** The refusal for {@link io.switchboard.server.rooms.RoomHub#leave}'s error code. */
    public static Refusal leave(ErrorCode refused, String room) {
        return new Refusal(refused, refused == ErrorCode.UNKNOWN_ROOM
                ? "no room named '" + room + "'" : "not a member of '" + room + "'");
    }

    /** MEMBERS of a room the session is not in. */
    public static Refusal notJoined(String room) {
        return new Refusal(ErrorCode.NOT_JOINED, "not a member of '" + room + "'");
    }

    // ---- permissions: the server's policy and the session's grant (null: no signed token) ----

    /** Starting a session with {@code grant} (or none) at {@code now}. */
    public static Refusal admit(AccessPolicy policy, Grant grant, Instant now) {
        if (grant == null) {
            return policy == AccessPolicy.TOKEN_REQUIRED ? new Refusal(ErrorCode.AUTH_FAILED,
                    "this server needs a signed token (auth.default-policy is token-required)", "token_missing") : null;
        }
        if (!now.isBefore(grant.expiry())) {
            return new Refusal(ErrorCode.AUTH_FAILED, "the signed token expired at " + grant.expiry(), "token_expired");
        }
        return null;
    }

    /** Joining {@code room}, asking for its presence notices or not. */
    public static Refusal mayJoin(Grant grant, String room, boolean presence) {
        if (grant == null) {
            return null;
        }
        if (!grant.may(Grant.Right.JOIN, room)) {
            return forbidden("the token gives no right to join '" + room + "'", "join");
        }
        return presence && !grant.may(Grant.Right.PRESENCE, room)
                ? forbidden("the token gives no right to see the presence of '" + room + "'", "presence") : null;
    }

    /** Seeing the members of {@code room}. */
    public static Refusal maySeeMembers(Grant grant, String room) {
        return grant == null || grant.may(Grant.Right.PRESENCE, room) ? null
                : forbidden("the token gives no right to see the presence of '" + room + "'", "presence");
    }

    /** Publishing into {@code room}, of which the session is a member or not. */
    public static Refusal mayPublish(AccessPolicy policy, Grant grant, String room, boolean member) {
        if (policy == AccessPolicy.MEMBERS_ONLY && !member) {
            return forbidden("not a member of '" + room + "': this server lets only members publish into a room",
                    "not_member");
        }
        return grant == null || grant.may(Grant.Right.PUBLISH, room) ? null
                : forbidden("the token gives no right to publish into '" + room + "'", "publish");
    }

    /** Publishing to every session. */
    public static Refusal mayBroadcast(Grant grant) {
        return grant == null || grant.broadcast() ? null
                : forbidden("the token gives no right to broadcast to everyone", "broadcast");
    }

    /** Publishing to one session. */
    public static Refusal maySendDirect(Grant grant) {
        return grant == null || grant.direct() ? null
                : forbidden("the token gives no right to send to single sessions", "direct");
    }

    /** Choosing the display name {@code name}: not when the grant gives one (its own name again is fine). */
    public static Refusal mayRename(Grant grant, String name) {
        return grant == null || grant.name().isEmpty() || grant.name().equals(name) ? null
                : forbidden("the display name comes from the signed token", "name");
    }

    /** Replacing {@code current} (or none) by {@code next}: the same subject only. */
    public static Refusal mayRefresh(Grant current, Grant next, Instant now) {
        if (current != null && !current.subject().equals(next.subject())) {
            return new Refusal(ErrorCode.FORBIDDEN, "a refreshed token must be for the same subject",
                    "refresh_subject");
        }
        return admit(AccessPolicy.OPEN, next, now);
    }

    private static Refusal forbidden(String message, String cause) {
        return new Refusal(ErrorCode.FORBIDDEN, message, cause);
    }
}
