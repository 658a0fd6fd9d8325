package io.switchboard.server.limits;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

/**
 * Logs a message of one key at most once per interval, however often it happens, and says how
 * many were left out since the last line: under attack the log gets one line per cause per
 * interval instead of one per refusal. Thread-safe and lock-free; the first caller after the
 * interval has passed wins the right to log.
 */
public final class RateLimitedLog {
    private final Logger logger;
    private final Level level;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final ConcurrentMap<Object, Slot> slots = new ConcurrentHashMap<>();

    private static final class Slot {
        /** When the next line may be written; Long.MIN_VALUE before the first. */
        final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong suppressed = new AtomicLong();
    }

    public RateLimitedLog(Logger logger, Level level, java.time.Duration interval) {
        this(logger, level, interval, System::nanoTime);
    }

    RateLimitedLog(Logger logger, Level level, java.time.Duration interval, LongSupplier clock) {
        this.logger = logger;
        this.level = level;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /**
     * Logs {@code message} (a log4j2 pattern with {@code {}} placeholders, followed by one more
     * for the count left out) unless a line of {@code key} was written within the interval.
     *
     * @return whether a line was written
     */
    public boolean log(Object key, String message, Object... params) {
        if (!logger.isEnabled(level)) {
            return false;
        }
        Slot slot = slots.computeIfAbsent(key, k -> new Slot());
        long now = clock.getAsLong();
        long next = slot.nextAllowed.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !slot.nextAllowed.compareAndSet(next, now + intervalNanos)) {
            slot.suppressed.incrementAndGet();
            return false;
        }
        long left = slot.suppressed.getAndSet(0);
        Object[] all = java.util.Arrays.copyOf(params, params.length + 1);
        all[params.length] = left;
        logger.log(level, message + " ({} more like it not logged since the last such line)", all);
        return true;
    }
}
