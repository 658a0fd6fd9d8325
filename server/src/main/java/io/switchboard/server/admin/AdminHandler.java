package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.switchboard.server.Disconnects;
import io.switchboard.server.session.SessionInfo;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One admin connection: each request is checked for an admin token ({@code Authorization: Bearer
 * TOKEN}; 401 otherwise), routed ({@link AdminRequests}) and answered with JSON. One request at a
 * time: reading stops while a request's answer is pending (it may wait for other nodes), so that
 * pipelined requests are answered in order and a client cannot pile up work. Errors are JSON
 * bodies {@code {"status": 404, "error": "..."}}. One instance per connection.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LogManager.getLogger(AdminHandler.class);
    private static final String BEARER = "Bearer ";

    /** Requests one read decoded behind one still answering; more than this closes the connection. */
    static final int MAX_WAITING = 64;

    private final AdminTokens tokens;
    private final AdminRequests requests;
    /** A request's answer is pending (waiting for sessions' loops or other nodes); on the loop. */
    private boolean busy;
    /** Requests that arrived while {@link #busy}, retained; on the loop. */
    private final java.util.ArrayDeque<FullHttpRequest> waiting = new java.util.ArrayDeque<>();

    AdminHandler(AdminTokens tokens, AdminRequests requests) {
        this.tokens = tokens;
        this.requests = requests;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (busy) {
            // Decoded from the same read as the one in flight: answered after it, in order.
            if (waiting.size() >= MAX_WAITING) {
                respond(ctx, error(HttpResponseStatus.TOO_MANY_REQUESTS, "more than " + MAX_WAITING
                        + " pipelined requests"), false);
                return;
            }
            waiting.add(request.retain());
            return;
        }
        handle(ctx, request);
    }

    /** Answers the requests that waited, in order, until one is pending again. */
    private void drain(ChannelHandlerContext ctx) {
        FullHttpRequest next;
        while (!busy && (next = waiting.poll()) != null) {
            try {
                handle(ctx, next);
            } finally {
                next.release();
            }
        }
        if (!busy) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            respond(ctx, error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: "
                    + request.decoderResult().cause().getMessage()), false);
            return;
        }
        String address = SessionInfo.format(ctx.channel().remoteAddress());
        String who = tokens.identify(bearer(request));
        if (who == null) {
            log.debug("admin: {} {} from {} refused: no admin token", request.method(), request.uri(), address);
            FullHttpResponse refused = error(HttpResponseStatus.UNAUTHORIZED,
                    "an admin token is required: Authorization: Bearer TOKEN (admin.token-file; a client token is not one)");
            refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"switchboard-admin\"");
            respond(ctx, refused, keepAlive);
            return;
        }
        String by = who + " from " + address;
        CompletableFuture<ObjectNode> answer;
        try {
            answer = requests.handle(request.method(), request.uri(), request.content(), by);
        } catch (AdminException e) {
            respond(ctx, error(e), keepAlive);
            return;
        }
        busy = true;
        ctx.channel().config().setAutoRead(false); // one request at a time, answered in order
        answer.whenComplete((body, failure) -> ctx.executor().execute(() -> {
            FullHttpResponse response;
            if (failure == null) {
                response = json(HttpResponseStatus.OK, body);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof AdminException e) {
                    response = error(e);
                } else {
                    log.warn("admin: {} {} failed", request.method(), request.uri(), cause);
                    response = error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + cause);
                }
            }
            respond(ctx, response, keepAlive);
            busy = false;
            drain(ctx);
        }));
    }

    private static String bearer(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.length() <= BEARER.length()
                || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        return header.substring(BEARER.length()).strip();
    }

    private static FullHttpResponse error(AdminException e) {
        FullHttpResponse response = error(e.status(), e.getMessage());
        if (e instanceof AdminRequests.MethodNotAllowed m) {
            response.headers().set(HttpHeaderNames.ALLOW, m.allowed().name());
        }
        return response;
    }

    static FullHttpResponse error(HttpResponseStatus status, String message) {
        return json(status, AdminJson.object().put("status", status.code()).put("error", message));
    }

    static FullHttpResponse json(HttpResponseStatus status, ObjectNode body) {
        byte[] bytes = AdminJson.bytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Disconnects.isRoutine(cause)) {
            log.debug("admin: {} closed: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("admin: {} failed", ctx.channel(), cause);
        }
        ctx.close();
    }
}
