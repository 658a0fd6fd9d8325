package io.switchboard.server;

/**
 * Names of the handlers in every pipeline the server builds. Each listener's initializer
 * ({@code FramedServerInitializer}, {@code HttpServerInitializer}, {@code EchoServerInitializer})
 * builds its whole pipeline in one {@code initChannel}, in this order ({@code [..]}: only when
 * configured); {@code PipelineOrderTest} builds each and checks it.
 *
 * <pre>
 * every TCP listener, a connection over the limits:   refusal   (the protocol's answer, then a gentle close)
 *
 * framed   traffic → [tls → tlsHandshake] → flushConsolidation → [idle] → sessionTraffic → frameDecoder
 *          → frameEncoder → [framedLimits] → backpressure → framedSession
 *
 * echo     traffic → backpressure → echo
 *
 * http     traffic → [tls → tlsHandshake] → [httpHeaderTimeout] → httpCodec → httpDrain
 *          → [httpHeaderTimeoutEnd] → [httpAccessLog] → httpIdle → httpAggregator → backpressure
 *          → httpFlowControl → httpGuard → [socketio] → wsAuth → [httpRateLimit] → flushConsolidation
 *          → httpRouter
 *
 * admin    traffic → [tls → tlsHandshake] → httpCodec → httpDrain → httpIdle → httpAggregator → admin
 *
 * changed later:  the first request for /ws puts wsProtocol → wsAggregator → wsDecoder → wsSession
 *                 behind wsAuth; the first file sent in chunks puts chunkedWriter before
 *                 flushConsolidation; a WebSocket upgrade puts wsIdle first, takes httpIdle out and puts sessionTraffic
 *                 before wsDecoder; an Engine.IO
 *                 WebSocket gets socketioWs and loses the HTTP-only handlers (traffic → [tls → tlsHandshake]
 *                 → WebSocket codec → backpressure → socketio → [its deflate] → its aggregator → socketioWs); a closing connection gets discard last
 * </pre>
 */
public final class HandlerNames {
    /**
     * Answers a connection over the connection limits with the protocol's refusal and closes it;
     * when present it is the whole pipeline (every TCP listener).
     */
    public static final String REFUSAL = "refusal";
    /** Counts connections and wire bytes (every TCP listener; first in the pipeline). */
    public static final String TRAFFIC = "traffic";
    /**
     * TLS (framed and http, when configured): right after the traffic counter, which therefore
     * counts the encrypted bytes on the wire; every protocol handler sees plaintext.
     */
    public static final String TLS = "tls";
    /** Counts TLS handshakes and closes quietly on TLS failures (after {@link #TLS}). */
    public static final String TLS_HANDSHAKE = "tlsHandshake";
    /**
     * Merges flushes into one per burst: events from other sessions (framed), the router's
     * responses to one read's pipelined requests (http: right before the router, so that the
     * chunked writer's own flushes, and the WebSocket's, are not held).
     */
    public static final String FLUSH_CONSOLIDATION = "flushConsolidation";
    /** Closes or warns sessions that stay silent (framed). */
    public static final String IDLE = "idle";
    /**
     * Counts one session's messages and bytes for the admin API (framed: below the codec; a
     * WebSocket session: between the aggregator and the JSON decoder, added at the upgrade).
     */
    public static final String SESSION_TRAFFIC = "sessionTraffic";
    /** Bytes to frames (framed). */
    public static final String FRAME_DECODER = "frameDecoder";
    /** Frames to bytes (framed). */
    public static final String FRAME_ENCODER = "frameEncoder";
    /**
     * Framed limits: HELLO must arrive within the handshake timeout, and requests above the
     * per-connection rate are answered ERROR 429 (framed).
     */
    public static final String FRAMED_LIMITS = "framedLimits";
    /** Stops reading from a peer that does not drain its replies (all TCP listeners). */
    public static final String BACKPRESSURE = "backpressure";
    /** The framed protocol's session logic. */
    public static final String FRAMED_SESSION = "framedSession";
    /** The raw echo. */
    public static final String ECHO = "echo";

    /**
     * HTTP/1.1 codec: Netty's {@code HttpServerCodec} on the admin listener; on the HTTP listener the
     * request decoder, with the request-line and header limits, its response encoder just before it
     * ({@link #HTTP_ENCODER}).
     */
    public static final String HTTP_CODEC = "httpCodec";
    /** The HTTP listener's response encoder, just before {@link #HTTP_CODEC} (http). */
    public static final String HTTP_ENCODER = "httpEncoder";
    /** One access log line per request, right after the codec; only when {@code http.access-log} is on (http). */
    public static final String HTTP_ACCESS_LOG = "httpAccessLog";
    /** Answers 408 when a request's headers do not all arrive within the header timeout (http). */
    public static final String HTTP_HEADER_TIMEOUT = "httpHeaderTimeout";
    /**
     * Graceful shutdown: closes idle connections, marks the next response {@code Connection: close}
     * and closes after it (http and admin; upgraded connections are left to the WebSocket session).
     */
    public static final String HTTP_DRAIN = "httpDrain";
    /** Closes keep-alive connections idle too long (http). */
    public static final String HTTP_IDLE = "httpIdle";
    /** Joins a request's parts into one message, refusing bodies over the limit with 413 (http). */
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    /**
     * Hands on one request per read while reading is paused, so that pipelined requests already
     * decoded wait while the peer is not draining responses (http).
     */
    public static final String HTTP_FLOW_CONTROL = "httpFlowControl";
    /**
     * Answers requests the codec could not decode (414, 431, 400) and request targets that are
     * not a safe path (400) before the WebSocket bridge or the router see them (http).
     */
    public static final String HTTP_GUARD = "httpGuard";
    /** Writes chunked file bodies when zero-copy is not possible (http). */
    public static final String CHUNKED_WRITER = "chunkedWriter";
    /** Requests above the per-connection rate get 429 (http, before the WebSocket bridge). */
    public static final String HTTP_RATE_LIMIT = "httpRateLimit";
    /** Health, readiness, metrics, built-in pages and static files (http). */
    public static final String HTTP_ROUTER = "httpRouter";

    /**
     * Engine.IO (the transport under Socket.IO): takes the requests under the configured path
     * ({@code /socket.io/}) and passes every other request on (http, before the WebSocket bridge).
     */
    public static final String SOCKETIO = "socketio";
    /** The frames of a connection upgraded to an Engine.IO WebSocket (added after the upgrade). */
    public static final String SOCKETIO_WS = "socketioWs";

    /** Answers 401 to a WebSocket upgrade without the auth token (http, /ws). */
    public static final String WS_AUTH = "wsAuth";
    /** The WebSocket handshake, control frames and frame size limit (http, /ws). */
    public static final String WS_PROTOCOL = "wsProtocol";
    /** Joins fragmented WebSocket messages, closing with 1009 above the limit (http, /ws). */
    public static final String WS_AGGREGATOR = "wsAggregator";
    /** Parses the bridge's JSON text messages into requests (http, /ws). */
    public static final String WS_DECODER = "wsDecoder";
    /** Closes WebSocket sessions that stay silent; replaces the HTTP idle timer after the upgrade. */
    public static final String WS_IDLE = "wsIdle";
    /** The WebSocket session: JSON messages to and from the rooms hub (http, /ws). */
    public static final String WS_SESSION = "wsSession";

    /** The admin API's routes and actions (admin). */
    public static final String ADMIN = "admin";

    /** Drops input at the end of a pipeline that is closing (any listener, added at shutdown). */
    public static final String DISCARD = "discard";

    private HandlerNames() {
    }
}
