package io.switchboard.client.load.result;

/**
 * Counts over the measured (non-warm-up) part of a stage.
 *
 * @param completed     requests that completed successfully
 * @param errors        failures of every kind (the sum of {@link StageResult#errors()})
 * @param timedOut      requests that got no response within the timeout (also in errors)
 * @param inFlightAtEnd requests sent but unanswered when the stage ended; each is recorded with
 *                      the latency it had reached by then
 * @param blocked       scheduled requests that had to wait for a free connection or pipeline
 *                      slot; the wait is part of their latency
 * @param bytesSent     bytes written
 * @param bytesReceived bytes read
 * @param seconds       length of the measured part, in seconds
 */
public record Totals(
        long completed,
        long errors,
        long timedOut,
        long inFlightAtEnd,
        long blocked,
        long bytesSent,
        long bytesReceived,
        double seconds) {

    /** Completed requests per second. */
    public double rate() {
        return seconds <= 0 ? 0 : completed / seconds;
    }

    /** Bytes (sent plus received) per second. */
    public double bytesPerSecond() {
        return seconds <= 0 ? 0 : (bytesSent + bytesReceived) / seconds;
    }
}
