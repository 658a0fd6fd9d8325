package io.switchboard.common.protocol;

/**
 * Error codes carried by {@code ERROR} frames. The numbers are part of the wire format. Codes
 * 100..199 mean the framing itself broke: the sender of such an ERROR closes the connection right
 * after it. Every other code answers one request and the connection stays open, unless the code
 * says otherwise ({@link #closesConnection()}).
 */
public enum ErrorCode {
    /** The length field exceeds the receiver's maximum frame length. */
    FRAME_TOO_LARGE(100, true),
    /** The length field is below the 6-byte minimum (opcode, flags, request id). */
    FRAME_TOO_SHORT(101, true),

    /** The opcode byte is not assigned. */
    UNKNOWN_OPCODE(200, false),
    /** The body is truncated, has bytes left over, or holds invalid UTF-8. */
    MALFORMED_BODY(201, false),
    /** A request other than HELLO arrived before the handshake. */
    HANDSHAKE_REQUIRED(202, false),
    /** HELLO asked for a protocol version this server does not speak. */
    UNSUPPORTED_VERSION(203, false),
    /** A second HELLO on a connection that already completed its handshake. */
    ALREADY_HANDSHAKEN(204, false),
    /** A flag bit that this opcode does not define is set. */
    RESERVED_FLAGS(205, false),
    /** The frame type is one that only the server sends. */
    UNEXPECTED_OPCODE(206, false),
    /** A field holds a value outside its allowed range (for example a name that is too long). */
    INVALID_ARGUMENT(207, false),

    /** LEAVE named a room that does not exist. */
    UNKNOWN_ROOM(300, false),
    /** LEAVE or MEMBERS named a room the session is not in. */
    NOT_JOINED(301, false),
    /** JOIN would put the session in more rooms than the server allows. */
    TOO_MANY_ROOMS(302, false),
    /** A room or event name is longer than the server allows. */
    NAME_TOO_LONG(303, false),
    /** An event payload is larger than the server allows. */
    PAYLOAD_TOO_LARGE(304, false),
    /** PUBLISH named a session that does not exist (any more). */
    UNKNOWN_SESSION(305, false),
    /** The peer asked for an acknowledgement did not give one in time. */
    ACK_TIMEOUT(306, false),
    /** The session did not read its events fast enough. The connection is closed. */
    SLOW_CONSUMER(307, true),
    /** An ACK from the client answered no EVENT that asked for one. */
    UNKNOWN_ACK(308, false),
    /**
     * Cluster mode: the event reached this node's recipients but could not be forwarded to the
     * other nodes, because the node's link to the cluster is down.
     */
    NOT_FORWARDED(309, false),

    /**
     * The auth token in HELLO is missing, wrong, or a signed token that does not verify (bad
     * signature, unknown key, expired, malformed). The connection is closed.
     */
    AUTH_FAILED(401, true),
    /**
     * The session's rights (from its signed token) or the server's access policy do not allow
     * this request: joining or publishing into that room, seeing its members, broadcasting,
     * sending to one session. The connection stays open.
     */
    FORBIDDEN(403, false),
    /**
     * The session's signed token expired and was not refreshed in time: sent at the token's
     * expiry, then the connection is closed.
     */
    TOKEN_EXPIRED(419, true),
    /** Reserved: the session sent more requests than its configured rate allows. */
    RATE_LIMITED(429, false),
    /** The session sent nothing for longer than the idle timeout. The connection is closed. */
    IDLE_TIMEOUT(408, true),

    /** The server hit a fault of its own; it closes the connection, and the client may reconnect and retry. */
    INTERNAL_ERROR(500, true),
    /**
     * The server is shutting down and takes no new requests: the code of the server's BYE, and
     * the ERROR for a HELLO that arrives after it.
     */
    SHUTTING_DOWN(503, true),
    /**
     * The server already has as many connections as it allows, in total or from the client's
     * address; sent right after accept, then the connection is closed. Retry later, with backoff.
     */
    TOO_MANY_CONNECTIONS(509, true);

    private final int code;
    private final boolean closesConnection;

    ErrorCode(int code, boolean closesConnection) {
        this.code = code;
        this.closesConnection = closesConnection;
    }

    /** The 16-bit code on the wire. */
    public int code() {
        return code;
    }

    /** Whether the server closes the connection after sending this error. */
    public boolean closesConnection() {
        return closesConnection;
    }

    /** The error for a wire code, or {@code null} for a code this version does not know. */
    public static ErrorCode of(int code) {
        for (ErrorCode error : values()) {
            if (error.code == code) {
                return error;
            }
        }
        return null;
    }
}
