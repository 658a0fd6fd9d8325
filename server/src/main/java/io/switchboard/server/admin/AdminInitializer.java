package io.switchboard.server.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.lifecycle.HttpDrain;
import io.switchboard.server.lifecycle.Refusal;
import io.switchboard.server.limits.Admission;
import io.switchboard.server.limits.Limits;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;
import io.switchboard.server.settings.LimitsConfig;
import io.switchboard.server.tls.ServerTls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener's pipeline: traffic counter, TLS when configured, Netty's HTTP codec (small
 * limits), the graceful drain, an idle timeout, an aggregator with a small body limit (413 as JSON
 * above it) and the {@link AdminHandler}. {@link HandlerNames} draws the order.
 *
 * <p>Admin connections have a limit of their own, {@link #MAX_CONNECTIONS}, apart from
 * {@code limits.max-connections}: a flood of clients that fills the public listeners does not lock
 * the operator out of the API that would remove them, and admin connections take no client's
 * place. A connection over it gets {@code 503} in JSON with {@code Connection: close} and
 * {@code Retry-After: 1} (on TLS: closed without an answer, as on the other listeners). At
 * shutdown they drain like the HTTP listener's: an idle one closes at once, a request in progress
 * is answered with {@code Connection: close}.
 */
public final class AdminInitializer extends ChannelInitializer<Channel> {
    /** The largest request body: a reason or a notice. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;
    /** An admin connection that sends nothing for this long is closed. */
    static final long IDLE_SECONDS = 60;
    /** Admin connections open at once, counted apart from the other listeners' ({@code limits.max-connections}). */
    public static final int MAX_CONNECTIONS = 32;

    private final AdminTokens tokens;
    private final AdminRequests requests;
    private final TrafficCounter traffic;
    private final ServerTls tls;
    private final Admission admission;

    /**
     * @param tls the server's TLS when the admin listener speaks it, else {@code null}
     * @param admission the admin listener's own connection limit ({@link #limits}) and the drain's tracking
     */
    public AdminInitializer(AdminApi api, AdminTokens tokens, Metrics metrics, ServerTls tls, Admission admission) {
        this.tokens = tokens;
        this.requests = new AdminRequests(api);
        this.traffic = new TrafficCounter(metrics.listener(Listener.ADMIN));
        this.tls = tls;
        this.admission = admission;
    }

    /**
     * The admin listener's connection limit: {@link #MAX_CONNECTIONS}, none per address (the
     * operators may share one), refusals counted and logged as the other listeners' are.
     */
    public static Limits limits(Metrics metrics, Duration refusalLogInterval) {
        return new Limits(new LimitsConfig(MAX_CONNECTIONS, 0, Duration.ZERO, Duration.ZERO, 0, 0, refusalLogInterval),
                metrics);
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        if (admission.admit(Listener.ADMIN, ch) != null) {
            pipeline.addLast(HandlerNames.REFUSAL, new Refusal(tls != null ? null : c -> Unpooled.wrappedBuffer(HTTP_503)));
            return;
        }
        pipeline.addLast(HandlerNames.TRAFFIC, traffic);
        if (tls != null) {
            tls.addTo(pipeline, Listener.ADMIN);
        }
        pipeline.addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                .addLast(HandlerNames.HTTP_DRAIN, new HttpDrain())
                .addLast(HandlerNames.HTTP_IDLE, new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS))
                .addLast(HandlerNames.HTTP_AGGREGATOR, new JsonAggregator())
                .addLast(HandlerNames.ADMIN, new AdminHandler(tokens, requests));
        admission.track(Listener.ADMIN, ch);
    }

    /** The answer to a connection over {@link #MAX_CONNECTIONS}, before any request is read. */
    private static final byte[] HTTP_503 = http503();

    private static byte[] http503() {
        byte[] body = AdminJson.bytes(AdminJson.object().put("status", 503)
                .put("error", "more than " + MAX_CONNECTIONS + " admin connections open, retry later"));
        byte[] head = ("HTTP/1.1 503 Service Unavailable\r\n"
                + "Content-Type: application/json; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Cache-Control: no-store\r\n"
                + "Retry-After: 1\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + body.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    /**
     * Aggregates bodies up to {@link #MAX_BODY_BYTES}; a larger one is answered 413 in JSON and the
     * connection closed gently (the rest of the body read and dropped meanwhile), so that the
     * client reads the 413 rather than a reset provoked by the body it is still sending.
     */
    private static final class JsonAggregator extends HttpObjectAggregator {
        JsonAggregator() {
            super(MAX_BODY_BYTES, true);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse response = AdminHandler.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "the body is over " + MAX_BODY_BYTES + " bytes");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.write(response);
            Connections.closeGently(ctx.channel());
        }
    }
}
