package io.switchboard.server.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.metrics.Metrics;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Guards the upgrade at {@link WebSocketBridge#PATH}: with {@code http.websocket-origin-check}, an
 * upgrade whose {@code Origin} is neither the server's own nor allowed ({@link #originAllowed}) is
 * answered 403 and the connection closed; then, when the server has an auth token, the
 * request must carry one of its tokens ({@link AuthTokens}) as {@code ?token=} or
 * {@code Authorization: Bearer}, compared in constant time; otherwise it is answered 401 (through {@link HttpResponses}, like every other error) and
 * the connection closed. A query that cannot be decoded carries no token. An accepted request's
 * URI is cut to the bare path so that the token goes no further (nothing after this handler can
 * log it). Other requests, requests whose target cannot be decoded (the router answers those) and
 * all WebSocket frames pass through. Never throws: an exception here would reach Netty's protocol
 * handler, which closes the connection without an answer. Stateless apart from its configuration.
 */
final class WebSocketAuth extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(WebSocketAuth.class);
    private static final String BEARER = "bearer ";

    private final AuthTokens auth;
    private final Metrics metrics;
    private final HttpServing serving;

    WebSocketAuth(String token, Metrics metrics) {
        this(AuthTokens.of(token), metrics);
    }

    WebSocketAuth(AuthTokens auth, Metrics metrics) {
        this(auth, metrics, HttpServing.defaults());
    }

    /** @param serving whether and against which origins the upgrade's {@code Origin} is checked */
    WebSocketAuth(AuthTokens auth, Metrics metrics, HttpServing serving) {
        this.auth = auth;
        this.metrics = metrics;
        this.serving = serving;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request) {
            QueryStringDecoder uri;
            String path;
            try {
                uri = new QueryStringDecoder(request.uri());
                path = uri.path();
            } catch (RuntimeException e) {
                // Not a target anything here can name; the router refuses it.
                // Not the exception's message: Netty's quotes the whole target, token and all.
                log.debug("{} undecodable request target passed on ({})", ctx.channel(), e.getClass().getSimpleName());
                ctx.fireChannelRead(msg);
                return;
            }
            if (path.equals(WebSocketBridge.PATH)) {
                String origin = request.headers().get(HttpHeaderNames.ORIGIN);
                if (serving.websocketOriginCheck() && !originAllowed(origin, request.headers().get(HttpHeaderNames.HOST))) {
                    request.release();
                    log.info("{} WebSocket upgrade refused: origin {} not allowed", ctx.channel(), printable(origin));
                    HttpResponses.send(ctx, HttpResponses.error(HttpResponseStatus.FORBIDDEN), false, metrics);
                    return;
                }
                if (auth.required() && !authorized(ctx, request, uri)) {
                    request.release();
                    refuse(ctx);
                    return;
                }
                request.setUri(WebSocketBridge.PATH);
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Whether a page of {@code origin} may open the WebSocket: no Origin (not a browser), the
     * server's own origin (its host and port as the request's Host names them), or one of
     * {@code http.cors-origins}. Cross-site WebSocket hijacking is a page elsewhere opening it.
     */
    boolean originAllowed(String origin, String host) {
        if (origin == null || serving.originAllowed(origin)) {
            return true;
        }
        int scheme = origin.indexOf("://");
        if (host == null || scheme < 0) {
            return false;
        }
        String authority = origin.substring(scheme + 3);
        String defaultPort = origin.regionMatches(true, 0, "https", 0, 5) && scheme == 5 ? ":443" : ":80";
        return withoutPort(authority, defaultPort).equalsIgnoreCase(withoutPort(host.trim(), defaultPort));
    }

    /** A peer's header as a log line may show it: printable ASCII, at most 100 characters. */
    private static String printable(String value) {
        String s = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static String withoutPort(String authority, String defaultPort) {
        return authority.endsWith(defaultPort) ? authority.substring(0, authority.length() - defaultPort.length())
                : authority;
    }

    private boolean authorized(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
        List<String> query;
        try {
            query = uri.parameters().get("token");
        } catch (RuntimeException e) {
            log.debug("{} undecodable query on {} ({})", ctx.channel(), WebSocketBridge.PATH, e.getClass().getSimpleName());
            query = null;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        String fromQuery = query == null || query.isEmpty() ? "" : query.get(0);
        String fromHeader = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? header.substring(BEARER.length()).trim() : "";
        // Both compared, whichever is present, so that the time taken says nothing about either.
        boolean queryOk = auth.accepts(fromQuery);
        boolean headerOk = auth.accepts(fromHeader);
        return queryOk | headerOk;
    }

    private void refuse(ChannelHandlerContext ctx) {
        log.info("{} WebSocket upgrade refused: missing or wrong auth token", ctx.channel());
        FullHttpResponse response = HttpResponses.error(HttpResponseStatus.UNAUTHORIZED);
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"switchboard\"");
        HttpResponses.send(ctx, response, false, metrics);
    }
}
