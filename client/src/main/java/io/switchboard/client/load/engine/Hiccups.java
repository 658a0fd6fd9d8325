package io.switchboard.client.load.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A jHiccup-style observer: a thread that asks to sleep 1 ms over and over and records by how
 * much each sleep overshot. Whatever stalls the whole process (GC, safepoints, the OS taking the
 * CPU away) shows up here, independent of the server under test.
 */
final class Hiccups implements Runnable {
    private static final long RESOLUTION_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private final SingleWriterRecorder recorder = LoopMeter.newRecorder();
    private final Histogram total = LoopMeter.newHistogram();
    private volatile boolean running = true;
    private final Thread thread;

    Hiccups() {
        thread = new Thread(this, "load-hiccups");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(RESOLUTION_NANOS);
            long excess = System.nanoTime() - before - RESOLUTION_NANOS;
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
