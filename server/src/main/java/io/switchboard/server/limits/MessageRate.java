package io.switchboard.server.limits;

import io.netty.channel.Channel;
import io.switchboard.server.Listener;

/**
 * The per-connection rate limit ({@code limits.rate}, {@code limits.rate-burst}) for a protocol
 * that answers its own refusals, such as the WebSocket bridge: the session asks before it
 * processes a message and, when refused, answers in its own protocol. Each refusal is counted and
 * logged like every other. Not thread-safe: one per connection, used on its event loop.
 */
public final class MessageRate {
    private final Limits limits;
    private final Listener listener;
    private final TokenBucket bucket;
    private final int perSecond;

    MessageRate(Limits limits, Listener listener) {
        this.limits = limits;
        this.listener = listener;
        this.perSecond = limits.config().rateLimit();
        this.bucket = new TokenBucket(perSecond, limits.config().rateBurst(), System.nanoTime());
    }

    /** Takes a token for one message; false, with the refusal counted and logged, when over the rate. */
    public boolean allow(Channel ch) {
        if (bucket.tryTake(System.nanoTime())) {
            return true;
        }
        limits.refused(listener, RefusalCause.RATE_LIMIT, ch, "more than " + perSecond + " messages per second");
        return false;
    }

    /** The limit, messages per second. */
    public int perSecond() {
        return perSecond;
    }

    /** A handler that limits its own messages: {@link Limits} hands it its rate when the limit is on. */
    public interface Limited {
        void rateLimit(MessageRate rate);
    }
}
