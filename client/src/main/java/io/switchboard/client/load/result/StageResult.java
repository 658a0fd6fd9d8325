package io.switchboard.client.load.result;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Everything one stage of a run measured.
 *
 * @param name        the stage name ("main" for a run without a scenario file)
 * @param settings    the workload settings as the user would write them, in a stable order
 *                    (protocol, target, connections, pipeline, rate, payload, duration, ...);
 *                    values are strings, numbers or booleans
 * @param startedAt   wall-clock start of the measured part
 * @param totals      counts over the measured part
 * @param latency     intended-to-completed latency (the headline figure), microseconds,
 *                    3 significant digits; values above the histogram's range are clamped to it
 * @param serviceTime sent-to-completed latency, microseconds
 * @param sendLag     intended-to-sent delay (the tool's own health), microseconds
 * @param intervals   per-interval series, warm-up intervals first (flagged)
 * @param errors      failures by kind; kinds that never happened are absent
 * @param counters    protocol-specific counts, for example {@code lost}, {@code duplicated},
 *                    {@code reordered} (udp), {@code missing}, {@code duplicate_deliveries}
 *                    (fan-out), {@code opened}, {@code survived} (connection scale)
 * @param self        how the tool itself fared
 */
public record StageResult(
        String name,
        Map<String, Object> settings,
        Instant startedAt,
        Totals totals,
        Histogram latency,
        Histogram serviceTime,
        Histogram sendLag,
        List<Interval> intervals,
        Map<ErrorKind, Long> errors,
        Map<String, Long> counters,
        SelfCheck self) {}
