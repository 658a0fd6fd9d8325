package io.switchboard.client.load.result;

import org.HdrHistogram.Histogram;

/**
 * One reporting interval (normally one second) of a stage.
 *
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
 *                      in microseconds; its start and end timestamps are set (epoch millis) so the
 *                      HdrHistogram log writer can place it
 */
public record Interval(
        long startMillis,
        long endMillis,
        boolean warmup,
        long completed,
        long errors,
        long bytesSent,
        long bytesReceived,
        int connections,
        double targetRate,
        Histogram latency) {

    /** Completed requests per second over this interval. */
    public double rate() {
        long ms = endMillis - startMillis;
        return ms <= 0 ? 0 : completed * 1000.0 / ms;
    }
}
