package io.switchboard.client.load.engine;

import io.switchboard.client.load.result.ErrorKind;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * What one event loop measured: latency {@link SingleWriterRecorder}s (written by the loop only,
 * read as interval histograms by the sampler once per second) and counters with a single writer
 * (the loop) published with release stores, so recording costs no lock and no contended atomic.
 *
 * <p>Every request has three times (intended, sent, completed). When the intended time is the
 * sent time (closed loop, and open loop when the request went out on time) latency and service
 * time are the same number: it is recorded once, in {@code same}, and added to both at each
 * snapshot. A send lag under one microsecond is counted, not recorded, and added to the lag
 * histogram as zeros. The histograms are exactly what recording every value separately would
 * give, for a third of the recording work in a closed loop.
 */
public final class LoopMeter {
    /** Highest trackable latency: one hour in microseconds; larger values are clamped to it. */
    public static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);
    /** Significant digits of every latency histogram. */
    public static final int DIGITS = 3;

    public static final int COMPLETED = 0;
    public static final int SENT = 1;
    public static final int SCHEDULED = 2;
    public static final int BLOCKED = 3;
    public static final int TIMED_OUT = 4;
    public static final int IN_FLIGHT_AT_END = 5;
    public static final int BYTES_SENT = 6;
    public static final int BYTES_RECEIVED = 7;
    public static final int CONNECT_ERRORS = 8;
    public static final int REQUEST_ERRORS = 9;
    public static final int OPEN_CONNECTIONS = 10;
    public static final int CONNECTS = 11;
    public static final int UNSENT_AT_END = 12;
    /** Sends whose lag was under a microsecond (in the lag histogram as zeros). */
    private static final int ZERO_LAG = 13;
    private static final int ERROR_BASE = 14;
    public static final int SIZE = ERROR_BASE + ErrorKind.values().length;

    private final SingleWriterRecorder same = newRecorder();
    private final SingleWriterRecorder latency = newRecorder();
    private final SingleWriterRecorder serviceTime = newRecorder();
    private final SingleWriterRecorder sendLag = newRecorder();
    private final AtomicLongArray counters = new AtomicLongArray(SIZE);
    private long zeroLagTaken;

    /** Adds to a counter; only the owning loop calls this. */
    void add(int counter, long delta) {
        counters.lazySet(counter, counters.get(counter) + delta);
    }

    void error(ErrorKind kind) {
        add(ERROR_BASE + kind.ordinal(), 1);
    }

    /** Reads a counter (any thread). */
    public long get(int counter) {
        return counters.get(counter);
    }

    /** Reads an error counter (any thread). */
    public long errors(ErrorKind kind) {
        return counters.get(ERROR_BASE + kind.ordinal());
    }

    /** A completed (or failed, or abandoned) request: latency from intended, service from sent. */
    void recordDone(long intended, long sent, long now) {
        if (intended == sent) {
            same.recordValue(micros(now - sent));
        } else {
            latency.recordValue(micros(now - intended));
            serviceTime.recordValue(micros(now - sent));
        }
    }

    /** A request that was never sent (still waiting for a slot at the end): latency only. */
    void recordUnsent(long intended, long now) {
        latency.recordValue(micros(now - intended));
    }

    void recordSendLag(long lagNanos) {
        long us = micros(lagNanos);
        if (us == 0) {
            add(ZERO_LAG, 1);
        } else {
            sendLag.recordValue(us);
        }
    }

    /** Nanoseconds to whole microseconds, clamped into the histograms' range. */
    static long micros(long nanos) {
        long us = nanos / 1000;
        return us < 0 ? 0 : Math.min(us, HIGHEST_MICROS);
    }

    /** Everything recorded since the previous snapshot (histograms) and the counters so far. */
    public record Snapshot(Histogram latency, Histogram serviceTime, Histogram sendLag, long[] counters, long[] errors) {}

    /**
     * Takes the interval histograms and reads the counters. Called on the owning loop (between
     * two of its tasks) it is exact: histograms and counters cover the same requests.
     */
    synchronized Snapshot snapshot() {
        Histogram both = same.getIntervalHistogram();
        Histogram lat = latency.getIntervalHistogram();
        Histogram svc = serviceTime.getIntervalHistogram();
        Histogram lag = sendLag.getIntervalHistogram();
        long[] c = new long[SIZE];
        for (int i = 0; i < SIZE; i++) {
            c[i] = counters.get(i);
        }
        lat.add(both);
        svc.add(both);
        long zeroLag = c[ZERO_LAG];
        if (zeroLag > zeroLagTaken) {
            lag.recordValueWithCount(0, zeroLag - zeroLagTaken);
            zeroLagTaken = zeroLag;
        }
        long[] e = new long[ErrorKind.values().length];
        for (ErrorKind k : ErrorKind.values()) {
            e[k.ordinal()] = c[ERROR_BASE + k.ordinal()];
        }
        return new Snapshot(lat, svc, lag, c, e);
    }

    /** A new empty histogram with the range and precision of the recorders. */
    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, DIGITS);
    }

    /** A recorder for one writer thread with the range and precision of every histogram here. */
    static SingleWriterRecorder newRecorder() {
        return new SingleWriterRecorder(HIGHEST_MICROS, DIGITS);
    }
}
