package io.switchboard.testing;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waits until a condition holds, polling it, or fails naming what did not happen. The one polling
 * loop of the test suites: a test that waits for something to happen calls this, never a loop of
 * its own around {@code Thread.sleep}. A test that checks that something did <em>not</em> happen
 * does not wait for it either: it sends a marker after it and checks that the marker is the next
 * thing that arrives.
 */
public final class Await {
    /** How long {@link #until(String, Condition)} waits: generous, since CI machines are shared. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static final long POLL_MILLIS = 5;

    private Await() {
    }

    /** A condition to poll; it may throw, which fails the wait at once. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits up to {@link #TIMEOUT} until {@code condition} holds. */
    public static void until(String what, Condition condition) throws InterruptedException {
        until(() -> what, TIMEOUT, condition);
    }

    /** Waits up to {@code timeout} until {@code condition} holds. */
    public static void until(String what, Duration timeout, Condition condition) throws InterruptedException {
        until(() -> what, timeout, condition);
    }

    /**
     * Waits up to {@code timeout} until {@code condition} holds; {@code what} is asked only on
     * failure, so it can describe the state at that moment.
     */
    public static void until(Supplier<String> what, Duration timeout, Condition condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check(condition, what)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static boolean check(Condition condition, Supplier<String> what) throws InterruptedException {
        try {
            return condition.holds();
        } catch (InterruptedException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("failed while waiting for " + what.get() + ": " + e, e);
        }
    }
}
