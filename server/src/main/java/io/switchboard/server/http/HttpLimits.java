package io.switchboard.server.http;

import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.limits.Limits;
import io.switchboard.server.limits.RefusalCause;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.server.Listener;
import io.switchboard.server.http.response.FixedResponse;
import io.switchboard.server.http.response.HttpDate;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP listener's per-connection limits.
 *
 * <p>Request header timeout (against slow-header attacks): the clock starts with the first byte
 * of a request and stops when the codec has decoded all its headers; when
 * {@code limits.http-header-timeout} passes first, the answer is {@code 408 Request Timeout} with
 * {@code Connection: close}. Between requests the keep-alive idle timeout applies instead. The
 * codec tells {@link #headerTimeout} of a request's first byte, of its decoded headers and of the
 * end of its response ({@link HttpCodec#headers}).
 *
 * <p>Rate limit: a token bucket of {@code limits.rate} requests per second ({@code limits.rate-burst}
 * at once) per connection, just before the router; a request over it gets {@code 429 Too Many
 * Requests} with {@code Retry-After: 1}, in order with the other responses, and the connection stays
 * open (unless the request asked to close).
 */
final class HttpLimits {
    private HttpLimits() {
    }

    /** The header timeout for one connection, or {@code null} when it is off. */
    static HeaderTimeout headerTimeout(Limits limits, Metrics metrics) {
        long millis = limits.config().httpHeaderTimeout().toMillis();
        return millis > 0 ? new HeaderTimeout(limits, metrics, millis) : null;
    }

    /** The rate limiter for one connection, or {@code null} when it is off. */
    static RateLimit rateLimit(Limits limits, Metrics metrics) {
        ConnectionRate rate = limits.connectionRate(Listener.HTTP, "requests");
        return rate != null ? new RateLimit(rate, metrics) : null;
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.DATE, HttpDate.now());
        HttpUtil.setContentLength(response, content.readableBytes());
        return response;
    }

    /**
     * Right after the codec, which tells it of a request's first bytes ({@link #bytesIn}), of its
     * decoded headers ({@link #requestIn}) and of every response written ({@link #written}), so
     * that no message passes through it: it stands in the pipeline for its timer's life and to
     * write the 408 through the codec.
     */
    static final class HeaderTimeout extends ChannelInboundHandlerAdapter {
        private final Limits limits;
        private final Metrics metrics;
        private final long millis;
        private ChannelHandlerContext ctx;
        /**
         * At most one per connection, kept across requests: a request's headers stop the clock
         * ({@link #startedAt}) rather than cancel it, and an expiry finding the clock stopped or
         * restarted later waits for what is left, so a keep-alive request costs a clock read, not
         * a timer scheduled and cancelled.
         */
        private ScheduledFuture<?> timer;
        /** When the clock started ({@link System#nanoTime}), or -1 while it does not run. */
        private long startedAt = -1;
        /** A request's headers are in and its response has not ended: the clock does not run. */
        private boolean inRequest;
        /** Upgraded (101 written): header timeouts no longer apply. */
        private boolean done;

        HeaderTimeout(Limits limits, Metrics metrics, long millis) {
            this.limits = limits;
            this.metrics = metrics;
            this.millis = millis;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        /** Bytes read from the connection reached the codec: the first of a request start the clock. */
        void bytesIn(ByteBuf bytes) {
            if (!inRequest && startedAt < 0 && !done && ctx != null && bytes.isReadable()) {
                startedAt = System.nanoTime();
                if (timer == null) {
                    timer = ctx.executor().schedule(this::expired, millis, TimeUnit.MILLISECONDS);
                }
            }
        }

        /** The codec decoded a request's headers: the clock stops. */
        void requestIn() {
            stop();
        }

        /** {@code msg} is being written: a response's end may restart the clock; a 101 ends it. */
        void written(Object msg) {
            if (msg instanceof FullHttpResponse response
                    && response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // The connection is a WebSocket now; header timeouts no longer apply.
                done = true;
                stop();
                cancel();
            } else if (msg instanceof FixedResponse || msg instanceof LastHttpContent) {
                inRequest = false;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            done = true;
            cancel();
        }

        private void cancel() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        /** The headers are in: the clock stops; the timer stays for the next request. */
        private void stop() {
            inRequest = true;
            startedAt = -1;
        }

        private void expired() {
            timer = null;
            if (inRequest || startedAt < 0 || done || !ctx.channel().isActive()) {
                return; // the next request's first byte starts the clock and the timer again
            }
            long left = startedAt + TimeUnit.MILLISECONDS.toNanos(millis) - System.nanoTime();
            if (left > 0) {
                // Started again after the timer was set: wait for the rest of this request's time.
                timer = ctx.executor().schedule(this::expired, left, TimeUnit.NANOSECONDS);
                return;
            }
            stop(); // no second 408
            limits.refused(Listener.HTTP, RefusalCause.HEADER_TIMEOUT, ctx.channel(),
                    "request headers not complete within " + millis + " ms");
            metrics.httpResponse(HttpResponseStatus.REQUEST_TIMEOUT.code());
            FullHttpResponse response = response(HttpResponseStatus.REQUEST_TIMEOUT,
                    "408 request headers not received within " + millis + " ms\n");
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // Written from after the codec, so that it is encoded; nothing else is in flight.
            ctx.writeAndFlush(response).addListener(written -> Connections.closeGently(ctx.channel()));
        }
    }

    /** Just before the router: one token per request, 429 when there is none. */
    static final class RateLimit extends ChannelInboundHandlerAdapter {
        private final ConnectionRate rate;
        private final Metrics metrics;

        RateLimit(ConnectionRate rate, Metrics metrics) {
            this.rate = rate;
            this.metrics = metrics;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HttpRequest) || rate.allow(ctx.channel())) {
                ctx.fireChannelRead(msg);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive((HttpRequest) msg);
            ReferenceCountUtil.release(msg);
            metrics.httpResponse(HttpResponseStatus.TOO_MANY_REQUESTS.code());
            FullHttpResponse response = response(HttpResponseStatus.TOO_MANY_REQUESTS,
                    "429 more than " + rate.perSecond() + " requests per second on this connection\n");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
            response.headers().set(HttpHeaderNames.CONNECTION, keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
            if (keepAlive) {
                ctx.writeAndFlush(response, ctx.voidPromise());
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
