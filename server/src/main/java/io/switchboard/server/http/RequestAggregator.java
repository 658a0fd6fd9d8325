package io.switchboard.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.metrics.Metrics;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Joins a request and its body into one message. A body over the limit is answered 413 through
 * {@link HttpResponses} (so it is counted like every other response) and the connection closed:
 * the rest of the body is not worth reading.
 */
final class RequestAggregator extends HttpObjectAggregator {
    private static final Logger log = LogManager.getLogger(RequestAggregator.class);
    private final Metrics metrics;

    RequestAggregator(int maxBodyBytes, Metrics metrics) {
        super(maxBodyBytes);
        this.metrics = metrics;
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
