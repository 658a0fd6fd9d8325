package io.switchboard.client.load.report;

import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.result.Totals;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/** Figures every report shows, read once from a histogram or summed over stages. */
final class Stats {
    /** The percentiles the reports print, with their JSON key suffixes and labels. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    static final String[] PERCENTILE_KEYS = {"p50", "p90", "p99", "p99_9", "p99_99"};
    static final String[] PERCENTILE_LABELS = {"p50", "p90", "p99", "p99.9", "p99.99"};

    private Stats() {}

    /** Summary of one histogram (microseconds); all zero when it is empty or absent. */
    record Summary(long count, long min, long[] percentiles, long max, double mean, double stddev) {
        static Summary of(Histogram h) {
            long[] p = new long[PERCENTILES.length];
            if (h == null || h.getTotalCount() == 0) {
                return new Summary(0, 0, p, 0, 0, 0);
            }
            for (int i = 0; i < p.length; i++) {
                p[i] = h.getValueAtPercentile(PERCENTILES[i]);
            }
            return new Summary(h.getTotalCount(), h.getMinValue(), p, h.getMaxValue(), h.getMean(), h.getStdDeviation());
        }

        long p50() {
            return percentiles[0];
        }

        long p99() {
            return percentiles[2];
        }

        long p999() {
            return percentiles[3];
        }
    }

    /** The histograms of all stages added together (auto-resizing, so nothing is clamped twice). */
    static Histogram merged(List<StageResult> stages, Function<StageResult, Histogram> which) {
        Histogram sum = new Histogram(3);
        for (StageResult s : stages) {
            Histogram h = which.apply(s);
            if (h != null && h.getTotalCount() > 0) {
                sum.add(h);
            }
        }
        return sum;
    }

    /** The stages' totals summed; seconds add up because stages run one after another. */
    static Totals totals(List<StageResult> stages) {
        long completed = 0, errors = 0, timedOut = 0, inFlight = 0, blocked = 0, sent = 0, received = 0;
        double seconds = 0;
        for (StageResult s : stages) {
            Totals t = s.totals();
            completed += t.completed();
            errors += t.errors();
            timedOut += t.timedOut();
            inFlight += t.inFlightAtEnd();
            blocked += t.blocked();
            sent += t.bytesSent();
            received += t.bytesReceived();
            seconds += t.seconds();
        }
        return new Totals(completed, errors, timedOut, inFlight, blocked, sent, received, seconds);
    }

    static Map<ErrorKind, Long> errors(List<StageResult> stages) {
        Map<ErrorKind, Long> out = new EnumMap<>(ErrorKind.class);
        stages.forEach(s -> s.errors().forEach((k, n) -> out.merge(k, n, Long::sum)));
        return out;
    }

    static Map<String, Long> counters(List<StageResult> stages) {
        Map<String, Long> out = new TreeMap<>();
        stages.forEach(s -> s.counters().forEach((k, n) -> out.merge(k, n, Long::sum)));
        return out;
    }
}
