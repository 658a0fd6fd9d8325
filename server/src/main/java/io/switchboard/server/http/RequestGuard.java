package io.switchboard.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.metrics.Metrics;
import io.netty.util.AttributeKey;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Stands right after the request aggregator, so that what comes after it (the WebSocket bridge,
 * the router) only ever sees well-formed requests with a safe path. A request the codec could not
 * decode is answered 414 (request line too long), 431 (headers too large) or 400, and the
 * connection closed, since the codec discards whatever follows. A request target that is not a
 * {@link RequestPath} (bad escapes, dot segments, encoded slashes, NULs...) is answered 400;
 * the request was read whole, so the connection may stay open. Stateless and shared.
 */
@Sharable
final class RequestGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(RequestGuard.class);
    /** The path of the request this guard passed last on a connection, for {@link #path}. */
    private static final AttributeKey<RequestPath> PARSED = AttributeKey.valueOf(RequestGuard.class, "parsed");
    private final Metrics metrics;

    RequestGuard(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            FullHttpRequest request = (FullHttpRequest) msg;
            DecoderResult result = request.decoderResult();
            if (!result.isSuccess()) {
                HttpResponseStatus status = decoderFailureStatus(result.cause());
                log.debug("{} undecodable request, answered {}: {}", ctx.channel(), status.code(),
                        result.cause().toString());
                request.release();
                HttpResponses.sendErrorAndClose(ctx, status, metrics);
                return;
            }
            RequestPath path = RequestPath.parse(request.uri());
            if (path != null) {
                ctx.channel().attr(PARSED).set(path);
            } else {
                log.debug("{} unsafe request target, answered 400", ctx.channel());
                boolean keepAlive = HttpResponses.keepAlive(request);
                request.release();
                HttpResponses.send(ctx, HttpResponses.error(HttpResponseStatus.BAD_REQUEST), keepAlive, metrics);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The path of {@code uri}, a request's target this guard let through on {@code channel}: the
     * one it parsed, when the target is still that string, so the router does not parse it again;
     * else parsed now ({@code null} when refused).
     */
    static RequestPath path(Channel channel, String uri) {
        RequestPath parsed = channel.attr(PARSED).getAndSet(null);
        return parsed != null && parsed.parsedFrom(uri) ? parsed : RequestPath.parse(uri);
    }

    /** The status for a request the codec could not decode. */
    static HttpResponseStatus decoderFailureStatus(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        return HttpResponseStatus.BAD_REQUEST;
    }
}
