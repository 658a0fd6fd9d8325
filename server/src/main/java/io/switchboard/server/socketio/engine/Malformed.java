package io.switchboard.server.socketio.engine;

/** The kinds of malformed or refused input the Engine.IO layer counts ({@link EngineServer#malformed}). */
public enum Malformed {
    /** A packet whose first character is not '0'..'6' or 'b' (session closed, "parse error"). */
    BAD_PACKET_TYPE,
    /** An empty packet (empty POST body, empty segment between separators, empty text frame). */
    EMPTY_PACKET,
    /** A {@code b} packet whose data is not valid base64. */
    BAD_BASE64,
    /** A POST body or WebSocket message above maxPayload. */
    PAYLOAD_TOO_LARGE,
    /** A POST with {@code Content-Type: application/octet-stream} (v3 binary payloads, not v4). */
    BINARY_POST,
    /** A second GET while one is pending for the same session. */
    OVERLAPPING_POLL,
    /** A ping from the client on the active transport (v4 pings go server to client). */
    CLIENT_PING,
    /** A probe WebSocket that sent something other than 2probe or 5. */
    BAD_PROBE,
    /** A request with a transport other than the session's, or a second upgrade. */
    TRANSPORT_MISMATCH,
    /** A request naming an unknown (or closed) sid. */
    UNKNOWN_SID,
    /** An unknown or missing transport parameter. */
    UNKNOWN_TRANSPORT,
    /** A handshake without EIO=4. */
    UNSUPPORTED_VERSION,
    /** A handshake with a method other than GET, or another method than GET/POST/OPTIONS with a sid. */
    BAD_METHOD,
    /** A WebSocket transport request that is not a valid upgrade, or an upgrade with a disallowed Origin. */
    BAD_UPGRADE,
}
