package io.switchboard.server.socketio.engine;

import io.switchboard.server.socketio.settings.EngineConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.metrics.MetricSource;
import io.switchboard.server.metrics.Metrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The Engine.IO server of one HTTP listener: its settings, the listener of the layer above, the
 * open sessions by sid (any connection on any event loop finds its session here), and the
 * counters of malformed input. One instance per listener, shared by every connection's
 * {@link EngineHandler}.
 */
public final class EngineServer {
    /** The error codes and messages of the reference server's HTTP 400/403 answers. */
    public enum Error {
        UNKNOWN_TRANSPORT(0, "Transport unknown"),
        UNKNOWN_SID(1, "Session ID unknown"),
        BAD_HANDSHAKE_METHOD(2, "Bad handshake method"),
        BAD_REQUEST(3, "Bad request"),
        FORBIDDEN(4, "Forbidden"),
        UNSUPPORTED_PROTOCOL_VERSION(5, "Unsupported protocol version");

        public final int code;
        public final String message;

        Error(int code, String message) {
            this.code = code;
            this.message = message;
        }

        /** The HTTP status the reference server answers with: 403 for Forbidden, else 400. */
        public HttpResponseStatus status() {
            return this == FORBIDDEN ? HttpResponseStatus.FORBIDDEN : HttpResponseStatus.BAD_REQUEST;
        }

        String json() {
            return "{\"code\":" + code + ",\"message\":\"" + message + "\"}";
        }
    }

    private static final FastThreadLocal<Deflater> DEFLATERS = new FastThreadLocal<>() {
        @Override
        protected Deflater initialValue() {
            return new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        }

        @Override
        protected void onRemoval(Deflater deflater) {
            deflater.end();
        }
    };

    private final EngineConfig config;
    private final EngineListener listener;
    private final Metrics metrics;
    private final Map<String, EngineSession> sessions = new ConcurrentHashMap<>();
    private final Map<String, Boolean> lastPolls = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Map<Malformed, LongAdder> malformed = new EnumMap<>(Malformed.class);
    private final EngineHandler handler;

    public EngineServer(EngineConfig config, EngineListener listener, Metrics metrics) {
        this.config = config;
        this.listener = listener;
        this.metrics = metrics;
        for (Malformed m : Malformed.values()) {
            malformed.put(m, new LongAdder());
        }
        this.handler = new EngineHandler(this);
        if (metrics != null) {
            metrics.register(this::writeMetrics);
        }
    }

    /** Sessions by transport, and malformed input by kind, for {@code /metrics}. */
    private void writeMetrics(MetricSource.Sink sink) {
        int polling = 0;
        int websocket = 0;
        for (EngineSession s : sessions.values()) {
            if ("websocket".equals(s.transport())) {
                websocket++;
            } else {
                polling++;
            }
        }
        sink.header("switchboard_socketio_sessions", "gauge", "Engine.IO sessions open now, by transport.");
        sink.sample("switchboard_socketio_sessions", "transport=\"polling\"", polling);
        sink.sample("switchboard_socketio_sessions", "transport=\"websocket\"", websocket);
        sink.header("switchboard_socketio_malformed_total", "counter",
                "Malformed Engine.IO input, by kind (docs/socketio.md lists what each gets).");
        for (Malformed m : Malformed.values()) {
            sink.sample("switchboard_socketio_malformed_total",
                    "kind=\"" + m.name().toLowerCase(java.util.Locale.ROOT) + "\"", malformed(m));
        }
    }

    public EngineConfig config() {
        return config;
    }

    EngineListener listener() {
        return listener;
    }

    Metrics metrics() {
        return metrics;
    }

    /** The (shared) pipeline handler that serves requests under {@link EngineConfig#path()}. */
    public EngineHandler handler() {
        return handler;
    }

    /** How many inputs of this kind were refused. */
    public long malformed(Malformed kind) {
        return malformed.get(kind).sum();
    }

    void count(Malformed kind) {
        malformed.get(kind).increment();
    }

    /** Open sessions. */
    public int sessionCount() {
        return sessions.size();
    }

    /** An open session by sid, or {@code null}. */
    public EngineSocket session(String sid) {
        return sessions.get(sid);
    }

    /** The open sessions (a live view). */
    public Collection<? extends EngineSocket> sessions() {
        return sessions.values();
    }

    /** Closes every session with reason "server shutting down". */
    public void closeAll() {
        for (EngineSession s : sessions.values()) {
            s.shutdown();
        }
    }

    /**
     * After a client closed its polling session by a close packet while no GET was pending, one GET
     * arriving within {@code grace} (sent alongside the close, but overtaken by it) is answered
     * with a noop instead of "Session ID unknown", as if it had been pending.
     */
    void expectLastPoll(String sid, java.util.concurrent.ScheduledExecutorService loop, java.time.Duration grace) {
        lastPolls.put(sid, Boolean.TRUE);
        loop.schedule(() -> lastPolls.remove(sid), grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Whether a GET for this closed sid is the one {@link #expectLastPoll} waits for (true once). */
    boolean lastPoll(String sid) {
        return lastPolls.remove(sid) != null;
    }

    EngineSession find(String sid) {
        return sid == null ? null : sessions.get(sid);
    }

    void register(EngineSession session) {
        sessions.put(session.id(), session);
    }

    void unregister(EngineSession session) {
        sessions.remove(session.id(), session);
    }

    /** 20 bytes from SecureRandom, base64url without padding (27 characters). */
    String newSid() {
        byte[] bytes = new byte[20];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    // ---- responses ----

    /** Adds the CORS headers for a request with this Origin (none when it is not allowed). */
    void cors(HttpHeaders headers, String origin) {
        if (origin == null) {
            if (config.anyOrigin() && !config.corsCredentials()) {
                headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
            }
            return;
        }
        if (!config.originAllowed(origin)) {
            return;
        }
        if (config.anyOrigin() && !config.corsCredentials()) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        } else {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.add(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
        }
        if (config.corsCredentials()) {
            headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
    }

    void sendError(ChannelHandlerContext ctx, Error error, String origin, boolean keepAlive) {
        ByteBuf body = ByteBufUtilAscii.ascii(ctx.alloc(), error.json());
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, error.status(), body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        cors(r.headers(), origin);
        HttpResponses.send(ctx, r, keepAlive, metrics);
    }

    void sendStatus(ChannelHandlerContext ctx, HttpResponseStatus status, String origin, boolean keepAlive) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        cors(r.headers(), origin);
        HttpResponses.send(ctx, r, keepAlive, metrics);
    }

    /** {@code ok}, the answer to a polling POST. */
    void sendOk(ChannelHandlerContext ctx, String origin, boolean keepAlive) {
        ByteBuf body = ByteBufUtilAscii.ascii(ctx.alloc(), "ok");
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html")
                .set(HttpHeaderNames.CONTENT_LENGTH, 2);
        cors(r.headers(), origin);
        HttpResponses.send(ctx, r, keepAlive, metrics);
    }

    /** A polling payload; gzipped above the threshold when the request accepted gzip. Takes {@code payload}. */
    void sendPayload(ChannelHandlerContext ctx, ByteBuf payload, String origin, boolean keepAlive, boolean gzipOk) {
        boolean gzip = gzipOk && config.pollingGzipThreshold() >= 0
                && payload.readableBytes() > config.pollingGzipThreshold();
        ByteBuf body = payload;
        if (gzip) {
            try {
                body = gzip(payload, ctx.alloc());
            } finally {
                payload.release();
            }
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (gzip) {
            r.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
        }
        cors(r.headers(), origin);
        HttpResponses.send(ctx, r, keepAlive, metrics);
    }

    /** Gzip (RFC 1952) of {@code in}'s readable bytes into a new buffer; {@code in} is not released. */
    static ByteBuf gzip(ByteBuf in, ByteBufAllocator alloc) {
        Deflater deflater = DEFLATERS.get();
        deflater.reset();
        int size = in.readableBytes();
        ByteBuf out = alloc.buffer(size / 2 + 64);
        try {
            out.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
            ByteBuffer input = in.nioBuffer();
            CRC32 crc = new CRC32();
            crc.update(input.duplicate());
            deflater.setInput(input);
            deflater.finish();
            while (!deflater.finished()) {
                out.ensureWritable(Math.max(256, size / 4));
                ByteBuffer target = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int n = deflater.deflate(target);
                out.writerIndex(out.writerIndex() + n);
            }
            out.writeIntLE((int) crc.getValue());
            out.writeIntLE(size);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** ASCII strings into pooled buffers. */
    static final class ByteBufUtilAscii {
        private ByteBufUtilAscii() {
        }

        static ByteBuf ascii(ByteBufAllocator alloc, String s) {
            ByteBuf b = alloc.buffer(s.length());
            b.writeCharSequence(s, StandardCharsets.US_ASCII);
            return b;
        }
    }
}
