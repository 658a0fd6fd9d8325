package io.switchboard.server.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.session.Grant;
import io.switchboard.server.session.Refused;
import java.util.List;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Guards the upgrade at {@link WebSocketBridge#PATH}: with {@code http.websocket-origin-check}, an
 * upgrade whose {@code Origin} is neither the server's own nor allowed ({@link #originAllowed}) is
 * answered 403 and the connection closed; then, when the server checks tokens (static tokens,
 * signed tokens, or the {@code token-required} policy), the request's token, as
 * {@code Authorization: Bearer} or else {@code ?token=}, must pass {@link Authenticator#admit}
 * (static tokens compared in constant time); otherwise it is answered 401 (through
 * {@link HttpResponses}, like every other error) and the connection closed. A signed token's
 * refusal says why in {@code WWW-Authenticate}'s {@code error_description} (RFC 6750). The grant
 * of a signed token waits in the channel's {@link #GRANT} for the session. A query that cannot be
 * decoded carries no token. An accepted request's URI is cut to the bare path so that the token
 * goes no further (nothing after this handler can log it). Other requests, requests whose target
 * cannot be decoded (the router answers those) and all WebSocket frames pass through. Never
 * throws: an exception here would reach Netty's protocol handler, which closes the connection
 * without an answer. One per connection: it remembers whether it added the WebSocket's handlers.
 */
final class WebSocketAuth extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(WebSocketAuth.class);
    private static final String BEARER = "bearer ";

    /** The grant of the upgrade's signed token, taken by {@link WebSocketSession} when it starts. */
    static final AttributeKey<Grant> GRANT = AttributeKey.valueOf(WebSocketAuth.class, "grant");

    private final Authenticator auth;
    private final Metrics metrics;
    private final HttpServing serving;
    private final Consumer<ChannelHandlerContext> upgradeHandlers;
    /** Whether {@link #upgradeHandlers} has run on this connection. */
    private boolean upgradeHandlersAdded;

    WebSocketAuth(String token, Metrics metrics) {
        this(Authenticator.of(AuthTokens.of(token)), metrics);
    }

    WebSocketAuth(Authenticator auth, Metrics metrics) {
        this(auth, metrics, HttpServing.defaults());
    }

    /** @param serving whether and against which origins the upgrade's {@code Origin} is checked */
    WebSocketAuth(Authenticator auth, Metrics metrics, HttpServing serving) {
        this(auth, metrics, serving, null);
    }

    /**
     * @param upgradeHandlers adds the handlers only a WebSocket needs behind this one (given this
     *     handler's context), once per connection, before the first request for the WebSocket
     *     path that passes here; {@code null}: they are in the pipeline already
     */
    WebSocketAuth(Authenticator auth, Metrics metrics, HttpServing serving,
            Consumer<ChannelHandlerContext> upgradeHandlers) {
        this.auth = auth;
        this.metrics = metrics;
        this.serving = serving;
        this.upgradeHandlers = upgradeHandlers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Without a percent escape the decoded path is the target up to '?' or '#': a target that
        // does not start with the WebSocket's path is not it, and is passed on without decoding.
        if (msg instanceof FullHttpRequest request
                && (request.uri().startsWith(WebSocketBridge.PATH) || request.uri().indexOf('%') >= 0)) {
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
                if (auth.checksTokens()) {
                    try {
                        ctx.channel().attr(GRANT).set(auth.admit(presented(ctx, request, uri)));
                    } catch (Refused e) {
                        request.release();
                        refuse(ctx, e);
                        return;
                    }
                }
                request.setUri(WebSocketBridge.PATH);
                if (upgradeHandlers != null && !upgradeHandlersAdded) {
                    upgradeHandlersAdded = true;
                    upgradeHandlers.accept(ctx);
                }
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

    private static String presented(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder uri) {
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
        return fromHeader.isEmpty() ? fromQuery : fromHeader;
    }

    private void refuse(ChannelHandlerContext ctx, Refused refused) {
        // Counted and logged (rate-limited) by the authenticator.
        log.debug("{} WebSocket upgrade refused ({}): {}", ctx.channel(), refused.cause(), refused.getMessage());
        FullHttpResponse response = HttpResponses.error(HttpResponseStatus.UNAUTHORIZED);
        String challenge = "Bearer realm=\"switchboard\"";
        if (refused.cause() != null && !refused.cause().equals("token_missing") && !refused.cause().equals("token_wrong")) {
            // RFC 6750 3.1: why a signed token was refused (the message names no token).
            challenge += ", error=\"invalid_token\", error_description=\"" + refused.getMessage().replace('"', '\'') + "\"";
        }
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
        HttpResponses.send(ctx, response, false, metrics);
    }
}
