package io.switchboard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.switchboard.common.Version;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Disconnects;
import io.switchboard.server.http.response.FixedResponse;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.server.rooms.ClusterStatus;
import io.switchboard.server.rooms.RoomHub;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Answers the HTTP listener's requests, one complete request at a time (the codec decodes the
 * next pipelined request only after this one is handled, and responses are written in order).
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 {@code {"status":"up"}}.</li>
 *   <li>{@code GET /readyz}: 200 {@code {"status":"ready"}}, or 503 while the server is not ready.</li>
 *   <li>{@code GET /metrics}: the counters in the Prometheus text format (unless {@code metrics.enabled}
 *       is false).</li>
 *   <li>{@code GET /chat}: the chat page from the classpath, if it is there; else as any path.</li>
 *   <li>Other paths: the static root's files ({@link StaticFiles}); without a static root, {@code /}
 *       is a small built-in page and everything else 404.</li>
 * </ul>
 * Every resource answers GET and HEAD only; other methods get 405 (with {@code http.cors-origins},
 * a CORS preflight from an allowed origin gets 204: {@link Cors}). Dynamic responses are gzipped
 * above {@code http.gzip-threshold} for clients that accept it ({@link DynamicCompression}). Undecodable requests and
 * unsafe paths never get here ({@link RequestGuard} answers them). A request whose handling
 * throws is answered 500 through {@link HttpResponses}, logged at WARN with its channel, and its
 * connection closed; so is an exception from an earlier handler. Stateless: one instance serves
 * every connection of the listener.
 */
@Sharable
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** The classpath resource served at {@code /chat}. */
    public static final String CHAT_RESOURCE = "/io/switchboard/server/http/chat.html";
    private static final Logger log = LogManager.getLogger(HttpRouter.class);
    private static final String ALLOW = "GET, HEAD";
    /**
     * The body of {@code /healthz}, encoded once into one read-only direct buffer that every
     * response writes a duplicate of (no copy, no allocation of bytes, nothing to release).
     */
    private static final ByteBuf HEALTHZ = Unpooled.unreleasableBuffer(Unpooled.directBuffer(16)
            .writeBytes("{\"status\":\"up\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)).asReadOnly());
    /** {@code /healthz} pre-encoded, for when nothing in it varies with the request. */
    private static final FixedResponse HEALTHZ_FIXED = FixedResponse.of(HttpResponseStatus.OK, HttpResponses.JSON,
            "{\"status\":\"up\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    /** Set on a connection once a failure on it has been logged at WARN and answered. */
    private static final AttributeKey<Boolean> FAILED = AttributeKey.valueOf(HttpRouter.class, "failed");

    private final boolean metricsEnabled;
    private final Metrics metrics;
    private final RoomHub hub;
    private final TransportConfig transport;
    private final BooleanSupplier ready;
    /** The link to the other nodes in cluster mode, else {@code null}. */
    private final ClusterStatus cluster;
    private final StaticFiles files;
    private final Cors cors;
    private final DynamicCompression compression;
    /**
     * Whether {@code /healthz} is the same for every request, so {@link #HEALTHZ_FIXED} answers it:
     * no CORS headers to add, and a body too short to be compressed.
     */
    private final boolean fixedHealthz;
    private final byte[] chatPage;
    private final String homePage;

    /**
     * @param staticRoot the directory to serve, or {@code null} for the built-in page only
     * @param zeroCopy whether files may be sent as zero-copy file regions
     * @param metricsEnabled whether {@code /metrics} is served (else it is a path like any other)
     * @param ready whether the server is ready, for {@code /readyz}
     * @param cluster the link to the other nodes, shown by {@code /readyz}; {@code null} on a single node
     */
    public HttpRouter(Path staticRoot, boolean zeroCopy, boolean metricsEnabled, Metrics metrics, RoomHub hub,
            TransportConfig transport, BooleanSupplier ready, ClusterStatus cluster) {
        this(staticRoot, zeroCopy, HttpServing.defaults(), metricsEnabled, metrics, hub, transport, ready, cluster);
    }

    /** @param serving the file cache, compression and CORS settings */
    public HttpRouter(Path staticRoot, boolean zeroCopy, HttpServing serving, boolean metricsEnabled, Metrics metrics,
            RoomHub hub, TransportConfig transport, BooleanSupplier ready, ClusterStatus cluster) {
        this.cors = new Cors(serving);
        this.compression = new DynamicCompression(serving.gzipThreshold());
        this.fixedHealthz = !cors.enabled() && compression.leaves(HEALTHZ_FIXED.contentLength());
        this.metricsEnabled = metricsEnabled;
        this.metrics = metrics;
        this.hub = hub;
        this.transport = transport;
        this.ready = ready;
        this.cluster = cluster;
        try {
            this.files = staticRoot == null ? null : new StaticFiles(staticRoot, zeroCopy, serving, cors, metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("static root: " + staticRoot + " (" + e.getMessage() + ")", e);
        }
        this.chatPage = loadResource(CHAT_RESOURCE);
        this.homePage = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Switchboard</title></head>\n"
                + "<body><h1>Switchboard is running</h1>\n<p>Version " + escapeHtml(Version.get()) + ", transport "
                + transport.transport().id() + ", epoll mode "
                + (transport.epollMode() == null ? "n/a" : transport.epollMode().id()) + ".</p>\n"
                + "<p><a href=\"/chat\">Chat</a> &middot; <a href=\"/metrics\">Metrics</a> &middot; "
                + "<a href=\"/healthz\">Health</a></p></body></html>\n";
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            route(ctx, request);
        } catch (RuntimeException e) {
            // Every branch fails before its response's head is written (StaticFiles opens the
            // file first), so a 500 can still take its place.
            fail(ctx, e);
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request) {
        // RequestGuard, earlier in the pipeline, let only decoded requests with a safe path through.
        boolean keepAlive = HttpResponses.keepAlive(request);
        HttpMethod method = request.method();
        if (cors.isAllowedPreflight(request)) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT,
                    Unpooled.EMPTY_BUFFER);
            cors.preflight(request.headers(), response.headers());
            HttpResponses.send(ctx, response, keepAlive, metrics);
            return;
        }
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            FullHttpResponse response = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED);
            response.headers().set(HttpHeaderNames.ALLOW, ALLOW);
            respond(ctx, request, response, keepAlive);
            return;
        }
        RequestPath path = RequestGuard.path(ctx.channel(), request.uri());
        if (path == null) { // only when the router is used without the guard
            respond(ctx, request, HttpResponses.error(HttpResponseStatus.BAD_REQUEST), keepAlive);
            return;
        }
        if (path.is("healthz") && fixedHealthz) {
            HttpResponses.send(ctx, HEALTHZ_FIXED.keepAlive(keepAlive), metrics);
        } else if (path.is("healthz")) {
            respond(ctx, request, HttpResponses.bytes(HttpResponseStatus.OK, HEALTHZ.duplicate(), HttpResponses.JSON),
                    keepAlive);
        } else if (path.is("readyz")) {
            boolean up = ready.getAsBoolean();
            // Cluster mode: a node whose Redis link is down still serves its local rooms, so it stays
            // ready (taking every node out of the balancer for a shared Redis outage would stop all
            // service); the body says it is degraded (docs/cluster.md).
            String cluster = this.cluster == null ? "" : this.cluster.isUp() ? ",\"cluster\":\"up\"" : ",\"cluster\":\"down\"";
            respond(ctx, request, HttpResponses.text(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    up ? "{\"status\":\"ready\"" + cluster + "}\n" : "{\"status\":\"not ready\"" + cluster + "}\n",
                    HttpResponses.JSON), keepAlive);
        } else if (path.is("metrics") && metricsEnabled) {
            respond(ctx, request, HttpResponses.text(HttpResponseStatus.OK,
                    PrometheusText.render(metrics, hub, transport), PrometheusText.CONTENT_TYPE), keepAlive);
        } else if (path.is("chat") && chatPage != null) {
            respond(ctx, request, HttpResponses.bytes(HttpResponseStatus.OK, Unpooled.wrappedBuffer(chatPage),
                    "text/html; charset=utf-8"), keepAlive);
        } else if (files != null) {
            FileCache.Entry entry = files.lookup(path);
            String directory = StaticFiles.directoryLocation(path, entry);
            if (directory != null) {
                FullHttpResponse response = HttpResponses.error(HttpResponseStatus.MOVED_PERMANENTLY);
                response.headers().set(HttpHeaderNames.LOCATION, directory + headerSafe(RequestPath.query(request.uri())));
                respond(ctx, request, response, keepAlive);
            } else if (entry.identity == null) {
                respond(ctx, request, HttpResponses.error(HttpResponseStatus.NOT_FOUND), keepAlive);
            } else {
                try {
                    files.serve(ctx, request, entry, keepAlive);
                } catch (IOException e) {
                    // Gone or unreadable since it was resolved; nothing was written yet.
                    log.debug("{} cannot serve {}: {}", ctx.channel(), entry.identity.real, e.toString());
                    respond(ctx, request, HttpResponses.error(HttpResponseStatus.NOT_FOUND), keepAlive);
                }
            }
        } else if (path.isRoot()) {
            respond(ctx, request, HttpResponses.text(HttpResponseStatus.OK, homePage, "text/html; charset=utf-8"),
                    keepAlive);
        } else {
            respond(ctx, request, HttpResponses.error(HttpResponseStatus.NOT_FOUND), keepAlive);
        }
    }

    /**
     * Sends a complete dynamic response: CORS headers, gzip when it pays ({@link
     * DynamicCompression}), then one write and one flush.
     */
    private void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
            boolean keepAlive) {
        cors.apply(request.headers(), response.headers());
        HttpResponses.send(ctx, compression.apply(request.headers(), response, ctx.alloc()), keepAlive, metrics);
    }

    /** Closes the descriptors the static files' cache holds. */
    public void close() {
        if (files != null) {
            files.close();
        }
    }

    /** The static files, or {@code null} without a root (for tests). */
    StaticFiles files() {
        return files;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            log.debug("{} idle, closing", ctx.channel());
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * What failed on the way to (or in) the router: a peer going away is closed quietly; anything
     * else is answered 500 and closed. The exceptionCaught of Netty's WebSocket protocol handler,
     * earlier in the pipeline, passes exceptions on to here and then closes the channel itself.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Disconnects.isRoutine(cause)) {
            log.debug("{} closed: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        fail(ctx, cause);
    }

    /**
     * Logs the failure (WARN with the channel, once per connection; later ones, which the first
     * usually causes, at DEBUG), answers 500 while the connection is open, and closes it.
     */
    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        Attribute<Boolean> failed = ctx.channel().attr(FAILED);
        if (failed.setIfAbsent(Boolean.TRUE) != null) {
            log.debug("{} failed again: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        log.warn("{} failed, answered 500 and closing", ctx.channel(), cause);
        if (ctx.channel().isActive()) {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, metrics);
        } else {
            ctx.close();
        }
    }

    private static byte[] loadResource(String name) {
        try (InputStream in = HttpRouter.class.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            log.warn("cannot read resource {}: {}", name, e.toString());
            return null;
        }
    }

    private static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /**
     * {@code query} as it may stand in a header: every character outside visible ASCII (controls,
     * spaces, non-ASCII) percent-encoded as UTF-8 (found by RequestPathFuzzTest: a NUL in the query of
     * a redirected directory made Netty refuse the Location header and the client got a 500).
     */
    static String headerSafe(String query) {
        StringBuilder out = null;
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c > 0x20 && c < 0x7f) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(query.length() + 16).append(query, 0, i);
            }
            int end = Character.isHighSurrogate(c) && i + 1 < query.length() ? i + 2 : i + 1;
            for (byte b : query.substring(i, end).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                out.append('%').append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            i = end - 1;
        }
        return out == null ? query : out.toString();
    }
}
