package io.switchboard.client.load.result;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import org.HdrHistogram.Histogram;

/**
 * One reporting interval (normally one second) of a stage.
 *
 * <p>The interval's latency histogram is kept compressed (HdrHistogram's own encoding): a
 * histogram with the recorders' range (up to an hour, three significant digits) holds about
 * 180 KB of counters, so a run kept one per second would grow by that much every second (an hour
 * in 256 MB of heap ran out after 20 minutes); compressed, a second of latencies takes a few
 * hundred bytes to a few KB. {@link #latency()} decodes it again.
 */
public final class Interval {
    private final long startMillis;
    private final long endMillis;
    private final boolean warmup;
    private final long completed;
    private final long errors;
    private final long bytesSent;
    private final long bytesReceived;
    private final int connections;
    private final double targetRate;
    /** The latency histogram, compressed; {@code null} when there was none. */
    private final byte[] latency;
    private final long latencyStartStamp;
    private final long latencyEndStamp;

    /**
     * @param startMillis   start of the interval, milliseconds since the stage's measurement start
     *                      (negative while warming up; warm-up intervals are not in the stage totals)
     * @param endMillis     end of the interval, same clock
     * @param warmup        whether this interval was part of the uncounted warm-up
     * @param completed     requests completed successfully in the interval
     * @param errors        requests or connections that failed in the interval, all kinds
     * @param bytesSent     payload and protocol bytes written
     * @param bytesReceived bytes read
     * @param connections   connections open at the end of the interval
     * @param targetRate    the scheduler's target rate during this interval (requests/s), or 0 in
     *                      closed loop
     * @param latency       intended-to-completed latency of the requests completed in the interval,
     *                      in microseconds, with its start and end timestamps set (epoch millis) so
     *                      the HdrHistogram log writer can place it; copied (compressed), not kept
     */
    public Interval(long startMillis, long endMillis, boolean warmup, long completed, long errors, long bytesSent,
            long bytesReceived, int connections, double targetRate, Histogram latency) {
        this.startMillis = startMillis;
        this.endMillis = endMillis;
        this.warmup = warmup;
        this.completed = completed;
        this.errors = errors;
        this.bytesSent = bytesSent;
        this.bytesReceived = bytesReceived;
        this.connections = connections;
        this.targetRate = targetRate;
        this.latency = latency == null ? null : compress(latency);
        this.latencyStartStamp = latency == null ? 0 : latency.getStartTimeStamp();
        this.latencyEndStamp = latency == null ? 0 : latency.getEndTimeStamp();
    }

    private static byte[] compress(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer, Deflater.BEST_SPEED);
        return Arrays.copyOf(buffer.array(), length);
    }

    public long startMillis() {
        return startMillis;
    }

    public long endMillis() {
        return endMillis;
    }

    public boolean warmup() {
        return warmup;
    }

    public long completed() {
        return completed;
    }

    public long errors() {
        return errors;
    }

    public long bytesSent() {
        return bytesSent;
    }

    public long bytesReceived() {
        return bytesReceived;
    }

    public int connections() {
        return connections;
    }

    public double targetRate() {
        return targetRate;
    }

    /**
     * The interval's latency histogram, decoded anew on every call (the caller owns it), with its
     * start and end timestamps; {@code null} when the interval had none.
     */
    public Histogram latency() {
        if (latency == null) {
            return null;
        }
        try {
            Histogram h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(latency), 0);
            h.setStartTimeStamp(latencyStartStamp);
            h.setEndTimeStamp(latencyEndStamp);
            return h;
        } catch (DataFormatException e) {
            throw new IllegalStateException("an interval's own histogram did not decode", e);
        }
    }

    /** Bytes this interval keeps for its latency histogram (compressed). */
    public int latencyBytes() {
        return latency == null ? 0 : latency.length;
    }

    /** Completed requests per second over this interval. */
    public double rate() {
        long ms = endMillis - startMillis;
        return ms <= 0 ? 0 : completed * 1000.0 / ms;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Interval i && startMillis == i.startMillis && endMillis == i.endMillis
                && warmup == i.warmup && completed == i.completed && errors == i.errors && bytesSent == i.bytesSent
                && bytesReceived == i.bytesReceived && connections == i.connections
                && Double.compare(targetRate, i.targetRate) == 0 && Arrays.equals(latency, i.latency)
                && latencyStartStamp == i.latencyStartStamp && latencyEndStamp == i.latencyEndStamp;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(startMillis) * 31 + Long.hashCode(completed);
    }

    @Override
    public String toString() {
        return "Interval[startMillis=" + startMillis + ", endMillis=" + endMillis + ", warmup=" + warmup
                + ", completed=" + completed + ", errors=" + errors + ", bytesSent=" + bytesSent + ", bytesReceived="
                + bytesReceived + ", connections=" + connections + ", targetRate=" + targetRate + ", latencyBytes="
                + latencyBytes() + "]";
    }
}
