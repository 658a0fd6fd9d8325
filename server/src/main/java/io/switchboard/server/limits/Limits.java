package io.switchboard.server.limits;

import io.netty.channel.Channel;
import io.switchboard.server.Listener;
import io.switchboard.server.lifecycle.SessionEnded;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.settings.LimitsConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
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

    private final LimitsConfig config;
    private final Metrics metrics;
    private final RateLimitedLog refusalLog;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();

    public Limits(LimitsConfig config, Metrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.refusalLog = new RateLimitedLog(log, Level.INFO, config.refusalLogInterval());
    }

    /** The configuration the limits come from. */
    public LimitsConfig config() {
        return config;
    }

    /**
     * Counts a just-accepted connection in, or says why it is refused (counted and logged): the
     * listener's initializer then installs its protocol's refusal as the whole pipeline.
     *
     * @return {@code null} when admitted; its place is given back when its session ends or it closes
     */
    public RefusalCause admit(Listener listener, Channel ch) {
        RefusalCause cause = take(ch.remoteAddress());
        if (cause == null) {
            SocketAddress remote = ch.remoteAddress();
            SessionEnded.onEnd(ch, () -> release(remote));
            return null;
        }
        refused(listener, cause, ch, cause == RefusalCause.MAX_CONNECTIONS
                ? config.maxConnections() + " connections open"
                : config.maxConnectionsPerIp() + " connections open from " + address(ch.remoteAddress()));
        return cause;
    }

    /** A connection's (or a session's) rate of {@code unit}s, or {@code null} when {@code limits.rate} is off. */
    public ConnectionRate connectionRate(Listener listener, String unit) {
        return ConnectionRate.of(this, listener, unit);
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
}
