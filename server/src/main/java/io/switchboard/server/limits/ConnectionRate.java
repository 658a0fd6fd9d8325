package io.switchboard.server.limits;

import io.netty.channel.Channel;
import io.switchboard.server.Listener;

/**
 * One connection's rate limit ({@code limits.rate} per second, {@code limits.rate-burst} at
 * once): a token bucket whose refusals are counted and logged through {@link Limits}. The framed
 * and HTTP limit handlers and the WebSocket session each ask it before processing a request and
 * answer a refusal in their own protocol. Not thread-safe: one per connection, used on its event
 * loop.
 */
public final class ConnectionRate {
    private final Limits limits;
    private final Listener listener;
    private final String unit;
    private final TokenBucket bucket;
    private final int perSecond;

    /** {@code unit} names what is counted in the refusal log: "requests", "messages". */
    ConnectionRate(Limits limits, Listener listener, String unit) {
        this.limits = limits;
        this.listener = listener;
        this.unit = unit;
        this.perSecond = limits.config().rateLimit();
        this.bucket = new TokenBucket(perSecond, limits.config().rateBurst(), System.nanoTime());
    }

    /** The rate for a new connection, or {@code null} when the limit is off. */
    static ConnectionRate of(Limits limits, Listener listener, String unit) {
        return limits.config().rateLimit() > 0 ? new ConnectionRate(limits, listener, unit) : null;
    }

    /** Takes a token for one request; false, with the refusal counted and logged, when over the rate. */
    public boolean allow(Channel ch) {
        return allow((Object) ch);
    }

    /** Like {@link #allow(Channel)} for a session that is not one channel; {@code who} names it in the log. */
    public boolean allow(Object who) {
        if (bucket.tryTake(System.nanoTime())) {
            return true;
        }
        limits.refused(listener, RefusalCause.RATE_LIMIT, who, "more than " + perSecond + " " + unit + " per second");
        return false;
    }

    /** The limit, per second. */
    public int perSecond() {
        return perSecond;
    }
}
