package io.switchboard.client.load.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A jHiccup-style observer: a thread that asks to sleep for its resolution over and over and
 * records by how much each sleep overshot. Whatever stalls the whole process (GC, safepoints, the
 * OS taking the CPU away) shows up here, independent of the server under test. A stall longer
 * than the resolution always delays a wake-up, so it is always seen.
 */
final class Hiccups implements Runnable {
    /** Resolution when the thread has a core of its own: jHiccup's 1 ms. */
    static final long FINE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * Resolution when it shares a core with the event loops: each wake-up preempts a loop, and
     * on a 1-core VM a 1 ms observer took about 4% of the core (its thread's CPU time in /proc)
     * and cost about a sixth of the raw-echo rate (medians of five interleaved runs against
     * bench/bin/echo_server: 66,000 req/s at 1 ms, 78,000 at 10 ms).
     */
    static final long SHARED_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final long resolutionNanos;
    private final SingleWriterRecorder recorder = LoopMeter.newRecorder();
    private final Histogram total = LoopMeter.newHistogram();
    private volatile boolean running = true;
    private final Thread thread;

    Hiccups(long resolutionNanos) {
        if (resolutionNanos <= 0) {
            throw new IllegalArgumentException("resolution must be positive: " + resolutionNanos);
        }
        this.resolutionNanos = resolutionNanos;
        thread = new Thread(this, "load-hiccups");
        thread.setDaemon(true);
    }

    /** The resolution for a JVM with {@code cores} available running {@code loops} event loops. */
    static long resolutionFor(int cores, int loops) {
        return cores > loops ? FINE_NANOS : SHARED_NANOS;
    }

    long resolutionNanos() {
        return resolutionNanos;
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(resolutionNanos);
            long excess = System.nanoTime() - before - resolutionNanos;
            recorder.recordValue(LoopMeter.micros(Math.max(0, excess)));
        }
    }

    /** Stops the thread and returns every pause it saw, microseconds. */
    Histogram stop() throws InterruptedException {
        running = false;
        thread.join(1000);
        total.add(recorder.getIntervalHistogram());
        return total;
    }
}
