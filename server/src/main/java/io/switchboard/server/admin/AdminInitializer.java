package io.switchboard.server.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;
import io.switchboard.server.tls.ServerTls;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener's pipeline: traffic counter, TLS when configured, Netty's HTTP codec (small
 * limits), an idle timeout, an aggregator with a small body limit (413 as JSON above it) and the
 * {@link AdminHandler}. {@link HandlerNames} draws the order.
 */
public final class AdminInitializer extends ChannelInitializer<Channel> {
    /** The largest request body: a reason or a notice. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    /** An admin connection that sends nothing for this long is closed. */
    static final long IDLE_SECONDS = 60;

    private final AdminTokens tokens;
    private final AdminRequests requests;
    private final TrafficCounter traffic;
    private final ServerTls tls;

    /**
     * @param tls the server's TLS when the admin listener speaks it, else {@code null}
     */
    public AdminInitializer(AdminApi api, AdminTokens tokens, Metrics metrics, ServerTls tls) {
        this.tokens = tokens;
        this.requests = new AdminRequests(api);
        this.traffic = new TrafficCounter(metrics.listener(Listener.ADMIN));
        this.tls = tls;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast(HandlerNames.TRAFFIC, traffic);
        if (tls != null) {
            tls.addTo(pipeline, Listener.ADMIN);
        }
        pipeline.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                .addLast(HandlerNames.HTTP_IDLE, new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS))
                .addLast(HandlerNames.HTTP_AGGREGATOR, new JsonAggregator())
                .addLast(HandlerNames.ADMIN, new AdminHandler(tokens, requests));
    }

    /** Aggregates bodies up to {@link #MAX_BODY_BYTES}; a larger one is answered 413 in JSON and the connection closed. */
    private static final class JsonAggregator extends HttpObjectAggregator {
        JsonAggregator() {
            super(MAX_BODY_BYTES, true);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = AdminHandler.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "the body is over " + MAX_BODY_BYTES + " bytes");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
