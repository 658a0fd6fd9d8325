package io.switchboard.server.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that stands still until the test moves it: a server given one
 * ({@code ServerConfig.Builder.clock}) sees a signed token expire when the test says so, not when
 * a loaded machine happens to get there. Thread-safe.
 */
public final class TestClock extends Clock {
    private volatile Instant now;

    /** Stands at the system's time now. */
    public TestClock() {
        this.now = Instant.now();
    }

    /** Stands at {@code instant} from now on. */
    public void set(Instant instant) {
        now = instant;
    }

    /** Moves on by {@code d}. */
    public synchronized void advance(Duration d) {
        now = now.plus(d);
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock is UTC");
    }
}
