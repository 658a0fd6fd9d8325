package io.switchboard.server.session;

import io.netty.buffer.ByteBufUtil;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Wire;
import java.util.Set;

/**
 * The limits every session obeys, whatever its protocol: one place decides what is refused and
 * with which code and message; the framed and WebSocket sessions only render the refusal in their
 * own terms. Each check returns {@code null} when the request is acceptable.
 */
public final class SessionRules {
    /** Why a request is refused. */
    public record Refusal(ErrorCode code, String message) {
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
}
