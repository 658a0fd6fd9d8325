package io.switchboard.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.netty.buffer.Unpooled;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.lifecycle.HttpDrain;
import io.switchboard.server.lifecycle.Refusal;
import io.switchboard.server.limits.Admission;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;
import io.switchboard.server.rooms.ClusterStatus;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.settings.HttpConfig;
import io.switchboard.server.socketio.engine.EngineListener;
import io.switchboard.server.socketio.engine.EngineServer;
import io.switchboard.server.tls.ServerTls;
import io.switchboard.server.ws.WebSocketBridge;
import java.util.function.BooleanSupplier;

/**
 * Wires the HTTP/1.1 pipeline: traffic counter, codec (with the request-line and header limits),
 * idle timer, request aggregator (with the body limit; added with the first request that has a
 * body), backpressure and flow control (a peer
 * that pipelines without reading gets no more requests handled until it drains), request guard
 * (undecodable requests and unsafe paths), the WebSocket upgrade's guard, flush consolidation (the
 * router's responses to one read's pipelined requests leave in one flush), and the router. What only
 * some connections need comes later: the WebSocket's handlers with the first request for
 * {@code /ws} ({@link WebSocketBridge}), the chunked file writer with the first file sent in chunks
 * ({@link #addChunkedWriter}), so that a plain request passes through as few handlers as it can.
 */
public final class HttpServerInitializer extends ChannelInitializer<Channel> implements AutoCloseable {
    private final HttpConfig config;
    private final RoomHub hub;
    private final Metrics metrics;
    private final TrafficCounter traffic;
    private final RequestGuard guard;
    private final HttpRouter router;
    private final ServerTls tls;
    private final Authenticator auth;
    private final EngineServer engine;
    private final Admission admission;

    /**
     * @param transport the server's transport, shown on the built-in page and in {@code /metrics}
     * @param ready whether the server is ready, for {@code /readyz}
     */
    public HttpServerInitializer(HttpConfig config, RoomHub hub, Metrics metrics, TransportConfig transport,
            BooleanSupplier ready) {
        this(config, hub, metrics, transport, ready, null, Authenticator.of(AuthTokens.none()));
    }

    /**
     * @param tls the server's TLS, when this listener speaks it (HTTPS and WSS), else {@code null}
     * @param auth what a WebSocket upgrade's token is checked against, and the permissions
     */
    public HttpServerInitializer(HttpConfig config, RoomHub hub, Metrics metrics, TransportConfig transport,
            BooleanSupplier ready, ServerTls tls, Authenticator auth) {
        this(config, hub, metrics, transport, ready, tls, auth, null);
    }

    /**
     * @param socketIo what Engine.IO sessions are handed to (the server's Socket.IO layer); when
     *     {@code null}, Socket.IO is not served
     */
    public HttpServerInitializer(HttpConfig config, RoomHub hub, Metrics metrics, TransportConfig transport,
            BooleanSupplier ready, ServerTls tls, Authenticator auth, EngineListener socketIo) {
        this(config, hub, metrics, transport, ready, tls, auth, socketIo, null, Admission.NONE);
    }

    /**
     * @param cluster the link to the other nodes in cluster mode (for {@code /readyz}), else {@code null}
     * @param admission the connection limits (a refused connection gets 503) and the drain's tracking
     */
    public HttpServerInitializer(HttpConfig config, RoomHub hub, Metrics metrics, TransportConfig transport,
            BooleanSupplier ready, ServerTls tls, Authenticator auth, EngineListener socketIo, ClusterStatus cluster,
            Admission admission) {
        this.admission = admission;
        this.tls = tls;
        this.auth = auth;
        this.config = config;
        this.hub = hub;
        this.metrics = metrics;
        this.traffic = new TrafficCounter(metrics.listener(Listener.HTTP));
        this.guard = new RequestGuard(metrics);
        this.router = new HttpRouter(config.staticRoot(), config.zeroCopy(), config.serving(),
                config.metricsEnabled(), metrics, hub, transport, ready, cluster);
        this.engine = socketIo != null && config.socketIoEnabled()
                ? new EngineServer(config.socketIo(), socketIo, metrics) : null;
    }

    /** The Engine.IO server of this listener, or {@code null} when Socket.IO is not served. */
    public EngineServer engine() {
        return engine;
    }

    /** Closes what the listener holds open for every connection (the static files' descriptors). */
    @Override
    public void close() {
        router.close();
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        if (admission.admit(Listener.HTTP, ch) != null) {
            pipeline.addLast(HandlerNames.REFUSAL, new Refusal(tls != null ? null : c -> {
                metrics.httpResponse(503);
                return Unpooled.wrappedBuffer(HTTP_503);
            }));
            return;
        }
        pipeline.addLast(HandlerNames.TRAFFIC, traffic);
        if (tls != null) {
            tls.addTo(pipeline, Listener.HTTP);
        }
        HttpLimits.HeaderTimeout headers = admission.limits() == null ? null
                : HttpLimits.headerTimeout(admission.limits(), metrics);
        HttpCodec codec = new HttpCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxInitialLine())
                .setMaxHeaderSize(config.maxHeaderBytes()));
        pipeline.addLast(HandlerNames.HTTP_ENCODER, codec.encoder())
                .addLast(HandlerNames.HTTP_CODEC, codec.decoder())
                .addLast(HandlerNames.HTTP_DRAIN, new HttpDrain());
        if (headers != null) {
            // After the codec, so that its 408 is encoded; the codec tells it of requests and responses.
            pipeline.addLast(HandlerNames.HTTP_HEADER_TIMEOUT, headers);
            codec.headers(headers);
        }
        if (config.accessLog()) {
            pipeline.addLast(HandlerNames.HTTP_ACCESS_LOG, new AccessLogHandler());
        }
        IdleTimeout idle = new IdleTimeout(config.idleTimeout().toMillis());
        codec.idle(idle);
        // The aggregator (bodies, 100-continue, the body limit) comes with the first request the
        // codec does not decode whole; a request without a body never needs it.
        codec.beforeFirstParts(() -> addAggregator(pipeline));
        pipeline
                // A slow download in progress is not idleness. The codec tells it of reads and writes.
                .addLast(HandlerNames.HTTP_IDLE, idle)
                // Backpressure turns reading off while responses pile up; flow control then holds
                // the requests one read had already decoded, handing on one per read.
                .addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.HTTP_FLOW_CONTROL, new FlowControlHandler())
                .addLast(HandlerNames.HTTP_GUARD, guard);
        if (engine != null) {
            pipeline.addLast(HandlerNames.SOCKETIO, engine.handler());
        }
        // WebSocket messages after the upgrade never reach the HTTP rate limit: the session
        // limits them itself and answers in its own protocol.
        WebSocketBridge.addTo(pipeline, config.ws(), config.serving(), hub, metrics, auth, admission.rate(Listener.HTTP, "messages"));
        HttpLimits.RateLimit rate = admission.limits() == null ? null : HttpLimits.rateLimit(admission.limits(), metrics);
        if (rate != null) {
            pipeline.addLast(HandlerNames.HTTP_RATE_LIMIT, rate);
        }
        pipeline.addLast(HandlerNames.FLUSH_CONSOLIDATION, new FlushConsolidation(codec));
        pipeline.addLast(HandlerNames.HTTP_ROUTER, router);
        admission.track(Listener.HTTP, ch);
    }

    /** Puts the request aggregator in its place: after the idle timeout, before the backpressure. */
    private void addAggregator(ChannelPipeline pipeline) {
        if (pipeline.get(HandlerNames.HTTP_AGGREGATOR) == null && pipeline.get(HandlerNames.BACKPRESSURE) != null) {
            pipeline.addBefore(HandlerNames.BACKPRESSURE, HandlerNames.HTTP_AGGREGATOR,
                    new RequestAggregator(config.maxBodyBytes(), metrics));
        }
    }

    /**
     * Puts the chunked writer in {@code ctx}'s pipeline unless it is there: before the flush
     * consolidation (so that its own flushes of later chunks are not held), or else right before
     * {@code ctx}. Only a file sent in chunks (TLS, or {@code http.zero-copy: false}) needs it, so
     * a connection gets it with its first such file, and no other response passes through it.
     */
    static void addChunkedWriter(ChannelHandlerContext ctx) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(HandlerNames.CHUNKED_WRITER) == null) {
            String before = pipeline.get(HandlerNames.FLUSH_CONSOLIDATION) != null
                    ? HandlerNames.FLUSH_CONSOLIDATION : ctx.name();
            pipeline.addBefore(before, HandlerNames.CHUNKED_WRITER, new ChunkedWriteHandler());
        }
    }

    /** The answer to a connection over the limits, before any request is read. */
    private static final String HTTP_503_BODY = "503 too many connections, retry later\n";
    private static final byte[] HTTP_503 = ("HTTP/1.1 503 Service Unavailable\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: " + HTTP_503_BODY.length() + "\r\n"
            + "Retry-After: 1\r\n"
            + "Connection: close\r\n\r\n"
            + HTTP_503_BODY).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
}
