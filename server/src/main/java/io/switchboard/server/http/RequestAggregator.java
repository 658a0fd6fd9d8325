package io.switchboard.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.metrics.Metrics;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Joins a request and its body into one message (a request without a body at once, without
 * aggregating). A body over the limit is answered 413 through
 * {@link HttpResponses} (so it is counted like every other response) and the connection closed:
 * the rest of the body is not worth reading.
 */
final class RequestAggregator extends HttpObjectAggregator {
    private static final Logger log = LogManager.getLogger(RequestAggregator.class);
    private final Metrics metrics;

    /** The head of a request without a body, waiting for the codec's empty last content. */
    private HttpRequest bodiless;

    RequestAggregator(int maxBodyBytes, Metrics metrics) {
        super(maxBodyBytes);
        this.metrics = metrics;
    }

    /**
     * A request without a body (no Content-Length or 0, no Transfer-Encoding, no Expect), as every
     * GET and HEAD is, becomes a complete request with the empty buffer at once: no composite
     * buffer is made to aggregate nothing. Anything else is aggregated as Netty does it.
     */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        HttpRequest head = bodiless;
        if (head == null && msg instanceof FullHttpRequest) {
            // Whole already (the listener's codec decodes a request without a body as one
            // message): what the aggregator would do with it, without its output list.
            ctx.fireChannelRead(msg);
            return;
        }
        if (head != null) {
            bodiless = null;
            FullHttpRequest request = join(head, msg);
            if (request != null) {
                ctx.fireChannelRead(request);
                return;
            }
            super.channelRead(ctx, head);
        } else if (msg instanceof HttpRequest request && !(msg instanceof FullHttpRequest) && bodiless(request)) {
            bodiless = request;
            return;
        }
        super.channelRead(ctx, msg);
    }

    /**
     * {@code head} (a request {@link #bodiless} said has no body) and {@code next}, the message
     * after it, as one complete request, when {@code next} is an empty last content (released
     * here); else {@code null}, and nothing is released.
     */
    static FullHttpRequest join(HttpRequest head, Object next) {
        if (!(next instanceof LastHttpContent last) || last.content().isReadable() || !last.trailingHeaders().isEmpty()) {
            return null;
        }
        last.release();
        FullHttpRequest request = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE);
        request.setDecoderResult(head.decoderResult());
        return request;
    }

    /**
     * Whether a request has no body: decoded, no Content-Length or 0, no Transfer-Encoding, no
     * Expect (as every GET and HEAD).
     */
    static boolean bodiless(HttpRequest request) {
        HttpHeaders headers = request.headers();
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        return request.decoderResult().isSuccess() && (length == null || length.equals("0"))
                && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && !headers.contains(HttpHeaderNames.EXPECT);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (oversized instanceof HttpRequest) {
            log.debug("{} request body over {} bytes, answered 413", ctx.channel(), maxContentLength());
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, metrics);
        } else {
            ctx.close();
        }
    }
}
