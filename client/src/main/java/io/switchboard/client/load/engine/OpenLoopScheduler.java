package io.switchboard.client.load.engine;

/**
 * One event loop's share of an open-loop schedule. The loop calls {@link #release} from a
 * periodic or self-rescheduling task: every request whose intended time has passed is handed to
 * the {@link Dispatcher} with that intended time (not the current time), so a late tick, a GC
 * pause or a slow server shows up as latency. A request that finds no free connection or
 * pipeline slot waits in a backlog, is counted as blocked, and goes out (still with its intended
 * time) as soon as a slot frees ({@link #pollBacklog}); nothing is dropped.
 *
 * <p>Not thread-safe: used on its event loop only. Pure logic, no clock of its own: the caller
 * passes the time, which is what lets a test drive it with a fake clock.
 */
public final class OpenLoopScheduler {
    /** Sends one request if a connection has a free slot. */
    @FunctionalInterface
    public interface Dispatcher {
        /** Returns false when no slot is free; the request then waits in the backlog. */
        boolean trySend(long intendedNanos);
    }

    private final ArrivalSchedule schedule;
    private final long start;
    private final long stopAt;
    private final long measuredFrom;
    private final long maxMeasured;
    private final LongRing backlog = new LongRing(64);
    private long nextDue;
    private long measured;
    private long scheduled;
    private long blocked;

    /**
     * @param schedule     intended offsets from {@code start}
     * @param start        absolute time (ns) of offset 0
     * @param stopAt       absolute time (ns); requests due at or after it are not scheduled
     * @param measuredFrom absolute end of the warm-up (ns)
     * @param maxMeasured  stop after this many requests due at or after {@code measuredFrom};
     *                     0 = no limit
     */
    public OpenLoopScheduler(ArrivalSchedule schedule, long start, long stopAt, long measuredFrom, long maxMeasured) {
        this.schedule = schedule;
        this.start = start;
        this.stopAt = stopAt;
        this.measuredFrom = measuredFrom;
        this.maxMeasured = maxMeasured;
        advance();
    }

    private void advance() {
        if (maxMeasured > 0 && measured >= maxMeasured) {
            nextDue = Long.MAX_VALUE;
            return;
        }
        long due = start + schedule.next();
        if (due - stopAt >= 0) {
            nextDue = Long.MAX_VALUE;
            return;
        }
        if (due - measuredFrom >= 0) {
            measured++;
        }
        nextDue = due;
    }

    /**
     * Hands every request due by {@code now} to {@code dispatcher}, at most {@code max} of them
     * (the rest stay due for the next call, so a long stall does not monopolise the loop).
     *
     * @return how many requests were released (sent or put in the backlog)
     */
    public int release(long now, Dispatcher dispatcher, int max) {
        int n = 0;
        while (n < max && nextDue != Long.MAX_VALUE && nextDue - now <= 0) {
            long intended = nextDue;
            advance();
            scheduled++;
            n++;
            if (!backlog.isEmpty() || !dispatcher.trySend(intended)) {
                backlog.add(intended);
                blocked++;
            }
        }
        return n;
    }

    /** Absolute time (ns) the next request is due, or {@link Long#MAX_VALUE} when none is left. */
    public long nextDue() {
        return nextDue;
    }

    /** Whether every request of the schedule has been released. */
    public boolean exhausted() {
        return nextDue == Long.MAX_VALUE;
    }

    public boolean hasBacklog() {
        return !backlog.isEmpty();
    }

    /** The intended time of the oldest waiting request, removing it. */
    public long pollBacklog() {
        return backlog.poll();
    }

    /** Requests waiting for a slot. */
    public int backlogSize() {
        return backlog.size();
    }

    /** Requests released so far. */
    public long scheduled() {
        return scheduled;
    }

    /** Requests that found no free slot at their intended time. */
    public long blocked() {
        return blocked;
    }
}
