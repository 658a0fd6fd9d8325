package io.switchboard.client.load.scenario;

import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.StageResult;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a check reads: one stage, or every stage of a run merged (histograms added, counts summed,
 * the tool's CPU weighted by time, its longest pause the longest of all).
 */
final class Sample {
    final Histogram latency;
    final Histogram service;
    final Histogram lag;
    final long completed;
    final long errors;
    final long timedOut;
    final long blocked;
    final long inFlight;
    final double seconds;
    final double cpu;
    final double hiccupMax;
    final double hiccupP99;
    /** Open-loop stages: achieved rate in percent of the target (time-weighted); NaN in closed loop. */
    final double achieved;
    private final Map<ErrorKind, Long> errorsByKind;
    private final Map<String, Long> counters;

    private Sample(Histogram latency, Histogram service, Histogram lag, long completed, long errors, long timedOut,
            long blocked, long inFlight, double seconds, double cpu, double hiccupMax, double hiccupP99,
            double achieved, Map<ErrorKind, Long> errorsByKind, Map<String, Long> counters) {
        this.latency = latency;
        this.service = service;
        this.lag = lag;
        this.completed = completed;
        this.errors = errors;
        this.timedOut = timedOut;
        this.blocked = blocked;
        this.inFlight = inFlight;
        this.seconds = seconds;
        this.cpu = cpu;
        this.hiccupMax = hiccupMax;
        this.hiccupP99 = hiccupP99;
        this.achieved = achieved;
        this.errorsByKind = errorsByKind;
        this.counters = counters;
    }

    static Sample of(StageResult s) {
        return new Sample(s.latency(), s.serviceTime(), s.sendLag(), s.totals().completed(), s.totals().errors(),
                s.totals().timedOut(), s.totals().blocked(), s.totals().inFlightAtEnd(), s.totals().seconds(),
                s.self() == null ? Double.NaN : s.self().cpuPercent(),
                s.self() == null ? 0 : s.self().hiccupMaxMicros(), s.self() == null ? 0 : s.self().hiccupP99Micros(),
                s.self() == null || !(s.self().targetRate() > 0) ? Double.NaN
                        : 100 * s.self().achievedRate() / s.self().targetRate(),
                s.errors(), s.counters());
    }

    static Sample merged(List<StageResult> stages) {
        if (stages.size() == 1) {
            return of(stages.get(0));
        }
        Histogram latency = new Histogram(3);
        Histogram service = new Histogram(3);
        Histogram lag = new Histogram(3);
        long completed = 0, errors = 0, timedOut = 0, blocked = 0, inFlight = 0;
        double seconds = 0, cpuSeconds = 0, cpuWeight = 0, hiccupMax = 0, hiccupP99 = 0;
        double achievedCount = 0, targetCount = 0;
        Map<ErrorKind, Long> byKind = new EnumMap<>(ErrorKind.class);
        Map<String, Long> counters = new HashMap<>();
        for (StageResult s : stages) {
            add(latency, s.latency());
            add(service, s.serviceTime());
            add(lag, s.sendLag());
            completed += s.totals().completed();
            errors += s.totals().errors();
            timedOut += s.totals().timedOut();
            blocked += s.totals().blocked();
            inFlight += s.totals().inFlightAtEnd();
            seconds += s.totals().seconds();
            if (s.self() != null) {
                cpuSeconds += s.self().cpuPercent() * s.totals().seconds();
                cpuWeight += s.totals().seconds();
                hiccupMax = Math.max(hiccupMax, s.self().hiccupMaxMicros());
                hiccupP99 = Math.max(hiccupP99, s.self().hiccupP99Micros());
                if (s.self().targetRate() > 0) {
                    achievedCount += s.self().achievedRate() * s.totals().seconds();
                    targetCount += s.self().targetRate() * s.totals().seconds();
                }
            }
            s.errors().forEach((k, n) -> byKind.merge(k, n, Long::sum));
            s.counters().forEach((k, n) -> counters.merge(k, n, Long::sum));
        }
        double cpu = cpuWeight > 0 ? cpuSeconds / cpuWeight : Double.NaN;
        return new Sample(latency, service, lag, completed, errors, timedOut, blocked, inFlight, seconds, cpu,
                hiccupMax, hiccupP99, targetCount > 0 ? 100 * achievedCount / targetCount : Double.NaN, byKind, counters);
    }

    /** Adds {@code from} into {@code into} (auto-resizing), so out-of-range values are never lost. */
    static void add(Histogram into, Histogram from) {
        if (from != null && from.getTotalCount() > 0) {
            into.add(from);
        }
    }

    long errorsOf(ErrorKind kind) {
        return errorsByKind.getOrDefault(kind, 0L);
    }

    Check.Measure counter(String name) {
        Long n = counters.get(name);
        return n == null ? Check.Measure.none("not measured") : Check.Measure.of(n);
    }
}
