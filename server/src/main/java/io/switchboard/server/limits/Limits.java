package io.switchboard.server.limits;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.lifecycle.SessionEnded;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.metrics.Metrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The connection limits of one server, in total and per client IP address, over all its TCP
 * listeners, and the bookkeeping of every refusal: a count in {@code /metrics}
 * ({@code switchboard_refused_total{listener,cause}}) and a log line at most once per interval per
 * listener and cause. Thread-safe.
 *
 * <p>An admitted connection holds its place until it closes. A refused one gets its protocol's
 * answer right after accept and is closed gently (the answer, then FIN): the framed listener sends
 * ERROR 509 TOO_MANY_CONNECTIONS, HTTP a {@code 503} with {@code Connection: close} and
 * {@code Retry-After}, the raw echo nothing. On a TLS listener the refusal is a plain close
 * without an answer: the connection is refused before any handshake, and a plaintext frame or
 * status line on a socket whose client expects a TLS record is garbage to it. Connections already
 * open are never affected.
 */
public final class Limits {
    private static final Logger log = LogManager.getLogger(Limits.class);
    private static final String HTTP_503_BODY = "503 too many connections, retry later\n";
    private static final byte[] HTTP_503 = ("HTTP/1.1 503 Service Unavailable\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: " + HTTP_503_BODY.length() + "\r\n"
            + "Retry-After: 1\r\n"
            + "Connection: close\r\n"
            + "\r\n"
            + HTTP_503_BODY).getBytes(StandardCharsets.US_ASCII);

    private final ServerConfig config;
    private final Metrics metrics;
    private final RateLimitedLog refusalLog;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();

    public Limits(ServerConfig config, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.refusalLog = new RateLimitedLog(log, Level.INFO, config.refusalLogInterval());
    }

    /** The configuration the limits come from. */
    public ServerConfig config() {
        return config;
    }

    /**
     * Admits a just-accepted connection, or installs its protocol's refusal as its whole pipeline
     * (call from the channel initializer; nothing else may be added then).
     *
     * @return whether the connection was admitted
     */
    public boolean admit(Listener listener, Channel ch) {
        RefusalCause cause = take(ch.remoteAddress());
        if (cause == null) {
            SocketAddress remote = ch.remoteAddress();
            SessionEnded.onEnd(ch, () -> release(remote));
            return true;
        }
        refused(listener, cause, ch, cause == RefusalCause.MAX_CONNECTIONS
                ? config.maxConnections() + " connections open"
                : config.maxConnectionsPerIp() + " connections open from " + address(ch.remoteAddress()));
        ch.pipeline().addLast(HandlerNames.REFUSAL, new Refusal(listener, metrics, !config.tls(listener)));
        return false;
    }

    /**
     * Puts the per-connection limits into an admitted connection's finished protocol pipeline:
     * framed: {@link FramedLimits} after the frame encoder; HTTP: the header timeout around the
     * codec and the rate limit before the router, and the WebSocket session's message rate.
     * Nothing when the limits are off.
     */
    public void addProtocolHandlers(Listener listener, ChannelPipeline pipeline) {
        if (listener == Listener.FRAMED && pipeline.get(HandlerNames.FRAME_ENCODER) != null
                && (config.handshakeTimeout().toMillis() > 0 || config.rateLimit() > 0)) {
            pipeline.addAfter(HandlerNames.FRAME_ENCODER, HandlerNames.FRAMED_LIMITS, new FramedLimits(this, metrics));
        }
        if (listener == Listener.HTTP && pipeline.get(HandlerNames.HTTP_CODEC) != null) {
            HttpLimits.HeaderTimeout headers = HttpLimits.headerTimeout(this, metrics);
            if (headers != null) {
                pipeline.addBefore(HandlerNames.HTTP_CODEC, HandlerNames.HTTP_HEADER_TIMEOUT, headers);
                pipeline.addAfter(HandlerNames.HTTP_CODEC, HandlerNames.HTTP_HEADER_TIMEOUT_END, headers.end());
            }
            HttpLimits.RateLimit rate = HttpLimits.rateLimit(this, metrics);
            if (rate != null && pipeline.get(HandlerNames.HTTP_ROUTER) != null) {
                pipeline.addBefore(HandlerNames.HTTP_ROUTER, HandlerNames.HTTP_RATE_LIMIT, rate);
            }
            ConnectionRate messages = ConnectionRate.of(this, Listener.HTTP, "messages");
            if (messages != null && pipeline.get(HandlerNames.WS_SESSION) instanceof ConnectionRate.Limited session) {
                // WebSocket messages after the upgrade never reach the HTTP rate limit: the
                // session limits them itself and answers in its own protocol.
                session.rateLimit(messages);
            }
        }
    }

    /** Connections admitted and still open. */
    public int open() {
        return total.get();
    }

    /** Counts a refusal and logs it, at most once per interval for this listener and cause. */
    public void refused(Listener listener, RefusalCause cause, Object ch, String detail) {
        metrics.refused(listener, cause.label());
        refusalLog.log(listener.id() + "/" + cause.label(), "{} {} listener refused ({}): {}", ch, listener.id(),
                cause.label(), detail);
    }

    /**
     * A message rate for one session of a protocol whose sessions outlive a connection (an
     * Engine.IO session over polling), or {@code null} when the limit is off.
     */
    public ConnectionRate sessionRate(Listener listener, String unit) {
        return ConnectionRate.of(this, listener, unit);
    }

    private RefusalCause take(SocketAddress remote) {
        int max = config.maxConnections();
        if (total.incrementAndGet() > max && max > 0) {
            total.decrementAndGet();
            return RefusalCause.MAX_CONNECTIONS;
        }
        int maxPerIp = config.maxConnectionsPerIp();
        InetAddress ip = address(remote);
        if (maxPerIp > 0 && ip != null) {
            boolean[] admitted = {false};
            perIp.compute(ip, (k, n) -> {
                int count = n == null ? 0 : n;
                if (count >= maxPerIp) {
                    return n;
                }
                admitted[0] = true;
                return count + 1;
            });
            if (!admitted[0]) {
                total.decrementAndGet();
                return RefusalCause.MAX_CONNECTIONS_PER_IP;
            }
        }
        return null;
    }

    private void release(SocketAddress remote) {
        total.decrementAndGet();
        InetAddress ip = address(remote);
        if (config.maxConnectionsPerIp() > 0 && ip != null) {
            perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    private static InetAddress address(SocketAddress remote) {
        return remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress() : null;
    }

    /**
     * The whole pipeline of a refused connection: its protocol's answer (none on a TLS listener),
     * then a gentle close.
     */
    private static final class Refusal extends ChannelInboundHandlerAdapter {
        private final Listener listener;
        private final Metrics metrics;
        private final boolean answer;

        Refusal(Listener listener, Metrics metrics, boolean answer) {
            this.listener = listener;
            this.metrics = metrics;
            this.answer = answer;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (answer) {
                switch (listener) {
                    case FRAMED:
                        metrics.error(ErrorCode.TOO_MANY_CONNECTIONS.code());
                        ch.write(FrameEncoder.encode(ctx.alloc(), new ErrorFrame(0, ErrorCode.TOO_MANY_CONNECTIONS,
                                "too many connections, retry later")));
                        break;
                    case HTTP:
                        metrics.httpResponse(503);
                        ch.write(Unpooled.wrappedBuffer(HTTP_503));
                        break;
                    default:
                        break;
                }
            }
            Connections.closeGently(ch);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
