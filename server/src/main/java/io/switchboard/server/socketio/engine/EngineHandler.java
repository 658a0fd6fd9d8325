package io.switchboard.server.socketio.engine;

import io.switchboard.server.socketio.settings.EngineConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.ssl.SslHandler;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.socketio.engine.EngineServer.Error;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The HTTP pipeline's entry to Engine.IO ({@link HandlerNames#SOCKETIO}): takes the aggregated
 * requests whose path starts with the configured path and passes everything else on. It checks
 * each request the way the reference server does (transport, sid, method, EIO, Origin), answers
 * CORS preflights, opens sessions (polling handshake or direct WebSocket), hands polling requests
 * to their session's event loop, and performs WebSocket upgrades, after which {@link
 * WebSocketTransport} carries the connection's frames. Stateless and shared.
 */
@Sharable
public final class EngineHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(EngineHandler.class);
    static final String WS_DEFLATE_DECODER = "socketioWsInflate";
    static final String WS_DEFLATE_ENCODER = "socketioWsDeflate";
    static final String WS_AGGREGATOR = "socketioWsAggregator";

    private final EngineServer server;
    private final EngineConfig config;
    private final String bare;

    EngineHandler(EngineServer server) {
        this.server = server;
        this.config = server.config();
        this.bare = config.path().substring(0, config.path().length() - 1);
    }

    /** Whether this request path is Engine.IO's. */
    boolean matches(String path) {
        return path.startsWith(config.path()) || path.equals(bare);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest)) {
            ctx.fireChannelRead(msg);
            return;
        }
        FullHttpRequest request = (FullHttpRequest) msg;
        // Without a percent escape the decoded path is the target up to '?' or '#', so a target
        // that does not start with the bare path cannot match: not decoded at all.
        if (!request.uri().startsWith(bare) && request.uri().indexOf('%') < 0) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        if (!matches(uri.path())) {
            ctx.fireChannelRead(msg);
            return;
        }
        boolean handedOn = false;
        try {
            handedOn = handle(ctx, request, uri);
        } catch (RuntimeException e) {
            log.warn("{} Engine.IO request {} failed", ctx.channel(), request.uri(), e);
            ctx.close();
        } finally {
            if (!handedOn) {
                request.release();
            }
        }
    }

    /** @return whether ownership of {@code request} was handed on */
    private boolean handle(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
        HttpHeaders headers = request.headers();
        String origin = headers.get(HttpHeaderNames.ORIGIN);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpMethod method = request.method();
        if (HttpMethod.OPTIONS.equals(method)) {
            preflight(ctx, request, origin, keepAlive);
            return false;
        }
        Map<String, List<String>> query = uri.parameters();
        String transport = first(query, "transport");
        boolean websocket = "websocket".equals(transport);
        if (!websocket && !"polling".equals(transport)) {
            server.count(Malformed.UNKNOWN_TRANSPORT);
            server.sendError(ctx, Error.UNKNOWN_TRANSPORT, origin, keepAlive);
            return false;
        }
        boolean upgrade = isUpgrade(request);
        String sid = first(query, "sid");
        if (sid != null) {
            EngineSession session = server.find(sid);
            if (session == null && !websocket && HttpMethod.GET.equals(method) && server.lastPoll(sid)) {
                // The client closed this session by a POST that overtook this GET: end it cleanly.
                server.sendPayload(ctx, EngineCodec.encodePayload(java.util.List.of(EnginePacket.NOOP), ctx.alloc()),
                        origin, keepAlive, false);
                return false;
            }
            if (session == null) {
                server.count(Malformed.UNKNOWN_SID);
                server.sendError(ctx, Error.UNKNOWN_SID, origin, keepAlive);
                return false;
            }
            if (websocket && upgrade) {
                if (!webSocketOriginOk(ctx, origin, keepAlive) || !HttpMethod.GET.equals(method)) {
                    return false;
                }
                upgrade(ctx, request, session, uri);
                return false;
            }
            if (websocket) { // a WebSocket transport request that is not an upgrade
                server.count(Malformed.TRANSPORT_MISMATCH);
                server.sendError(ctx, Error.BAD_REQUEST, origin, keepAlive);
                return false;
            }
            boolean acceptsGzip = acceptsGzip(headers);
            if (HttpMethod.GET.equals(method)) {
                session.enqueueTask(() -> session.pollGet(new EngineSession.Poll(ctx, origin, keepAlive, acceptsGzip)));
                return false;
            }
            if (HttpMethod.POST.equals(method)) {
                boolean binary = HttpHeaderValues.APPLICATION_OCTET_STREAM.contentEqualsIgnoreCase(
                        headers.get(HttpHeaderNames.CONTENT_TYPE, ""));
                EngineSession.Poll poll = new EngineSession.Poll(ctx, origin, keepAlive, false);
                if (!session.enqueueTask(() -> session.pollPost(poll, request, binary))) {
                    return false; // not run: released by the caller
                }
                return true;
            }
            server.count(Malformed.BAD_METHOD);
            server.sendError(ctx, Error.BAD_REQUEST, origin, keepAlive);
            return false;
        }
        // A handshake.
        if (!HttpMethod.GET.equals(method)) {
            server.count(Malformed.BAD_METHOD);
            server.sendError(ctx, Error.BAD_HANDSHAKE_METHOD, origin, keepAlive);
            return false;
        }
        if (websocket && !upgrade) {
            server.count(Malformed.BAD_UPGRADE);
            server.sendError(ctx, Error.BAD_REQUEST, origin, keepAlive);
            return false;
        }
        if (!"4".equals(first(query, "EIO"))) {
            server.count(Malformed.UNSUPPORTED_VERSION);
            server.sendError(ctx, Error.UNSUPPORTED_PROTOCOL_VERSION, origin, keepAlive);
            return false;
        }
        if (websocket) {
            if (webSocketOriginOk(ctx, origin, keepAlive)) {
                upgrade(ctx, request, null, uri);
            }
            return false;
        }
        EngineSession session = new EngineSession(server, server.newSid(), ctx.channel().eventLoop(),
                handshake(ctx.channel(), request, uri), EngineSession.POLLING);
        session.openPolling(new EngineSession.Poll(ctx, origin, keepAlive, acceptsGzip(headers)));
        return false;
    }

    private boolean webSocketOriginOk(ChannelHandlerContext ctx, String origin, boolean keepAlive) {
        if (config.checkWebSocketOrigin() && origin != null && !config.originAllowed(origin)) {
            log.debug("{} WebSocket upgrade from origin {} refused", ctx.channel(), origin);
            server.count(Malformed.BAD_UPGRADE);
            server.sendError(ctx, Error.FORBIDDEN, null, keepAlive);
            return false;
        }
        return true;
    }

    private void preflight(ChannelHandlerContext ctx, FullHttpRequest request, String origin, boolean keepAlive) {
        io.netty.handler.codec.http.FullHttpResponse r = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                request.protocolVersion(), HttpResponseStatus.NO_CONTENT);
        if (origin != null && config.originAllowed(origin)) {
            server.cors(r.headers(), origin);
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET,POST");
            String asked = request.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
            if (asked != null) {
                r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, asked);
                r.headers().add(HttpHeaderNames.VARY, HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
            }
            r.headers().set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, 86400);
        }
        HttpResponses.send(ctx, r, keepAlive, server.metrics());
    }

    /** Upgrades this connection to WebSocket: a new session ({@code session == null}) or a probe for {@code session}. */
    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, EngineSession session,
            QueryStringDecoder uri) {
        Channel ch = ctx.channel();
        boolean tls = ch.pipeline().get(SslHandler.class) != null;
        String url = (tls ? "wss://" : "ws://") + request.headers().get(HttpHeaderNames.HOST, "localhost")
                + request.uri();
        WebSocketDecoderConfig decoder = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(config.maxPayload())
                .allowExtensions(config.perMessageDeflate())
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, null, decoder)
                .newHandshaker(request);
        if (handshaker == null) {
            server.count(Malformed.BAD_UPGRADE);
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            return;
        }
        HttpHeaders extra = new DefaultHttpHeaders();
        WebSocketServerExtension deflate = config.perMessageDeflate()
                ? Deflate.negotiate(request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS), extra)
                : null;
        EngineSession target = session != null ? session
                : new EngineSession(server, server.newSid(), ch.eventLoop(), handshake(ch, request, uri),
                        EngineSession.WEBSOCKET);
        WebSocketTransport transport = new WebSocketTransport(target, session != null);
        ChannelPipeline p = ctx.pipeline();
        String after = ctx.name();
        if (deflate != null) {
            p.addAfter(after, WS_DEFLATE_DECODER, deflate.newExtensionDecoder());
            p.addAfter(WS_DEFLATE_DECODER, WS_DEFLATE_ENCODER, deflate.newExtensionEncoder());
            after = WS_DEFLATE_ENCODER;
        }
        p.addAfter(after, WS_AGGREGATOR, new WebSocketFrameAggregator(config.maxPayload()));
        p.addAfter(WS_AGGREGATOR, HandlerNames.SOCKETIO_WS, transport);
        handshaker.handshake(ch, request, extra, ch.newPromise()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.debug("{} Engine.IO WebSocket handshake failed", ch, f.cause());
                ch.close();
                return;
            }
            leaveHttp(p);
            if (session == null) {
                target.openWebSocket(ch);
            } else {
                session.execute(() -> session.attachProbe(ch));
            }
        });
    }

    /**
     * The HTTP listener's handlers an upgraded Engine.IO connection has no use for. Each of them
     * passes WebSocket frames on untouched (or never sees them), yet every frame read and every
     * packet written would go through them; the header timeout and the drain stand aside once the
     * 101 is written, the idle timer gives way to the Engine.IO heartbeat, and the rate limit,
     * guard, router and WebSocket bridge handle requests, of which there are no more; so does this
     * handler ({@link HandlerNames#SOCKETIO}), which passes frames on. What stays: the traffic
     * counter, TLS, the WebSocket codec, backpressure, and the Engine.IO WebSocket handlers.
     */
    private static final String[] HTTP_ONLY = {
        HandlerNames.HTTP_HEADER_TIMEOUT, HandlerNames.HTTP_DRAIN,
        HandlerNames.HTTP_ACCESS_LOG, HandlerNames.HTTP_IDLE, HandlerNames.HTTP_AGGREGATOR,
        HandlerNames.HTTP_FLOW_CONTROL, HandlerNames.HTTP_GUARD, HandlerNames.WS_AUTH, HandlerNames.HTTP_RATE_LIMIT,
        HandlerNames.CHUNKED_WRITER, HandlerNames.FLUSH_CONSOLIDATION, HandlerNames.HTTP_ROUTER,
        HandlerNames.SOCKETIO,
    };

    /** Takes {@link #HTTP_ONLY} out of an upgraded connection's pipeline (those present). */
    static void leaveHttp(ChannelPipeline p) {
        for (String name : HTTP_ONLY) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    private static Handshake handshake(Channel ch, FullHttpRequest request, QueryStringDecoder uri) {
        return new Handshake(request.uri(), uri.parameters(),
                new ReadOnlyHttpHeaders(true, flatten(request.headers())), ch.remoteAddress(),
                System.currentTimeMillis());
    }

    private static CharSequence[] flatten(HttpHeaders headers) {
        CharSequence[] pairs = new CharSequence[headers.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> e : headers) {
            pairs[i++] = e.getKey();
            pairs[i++] = e.getValue();
        }
        return pairs;
    }

    private static boolean isUpgrade(FullHttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && request.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static boolean acceptsGzip(HttpHeaders headers) {
        String accept = headers.get(HttpHeaderNames.ACCEPT_ENCODING);
        return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("gzip");
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.fireExceptionCaught(cause);
    }
}
