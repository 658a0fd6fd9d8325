package io.switchboard.client.load.report;

import io.switchboard.client.load.result.CapacityPoint;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.result.Totals;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Synthetic but internally consistent results for report and check tests, recorded into real
 * HdrHistograms: each stage's latency histogram is the sum of its measured intervals', its totals
 * are the sums of the intervals' counts, and service time never exceeds latency.
 */
public final class SyntheticRun {
    public static final Instant START = Instant.parse("2026-11-23T12:00:00Z");
    public static final long MAX_TRACKABLE_MICROS = 60_000_000;

    private SyntheticRun() {}

    /** A new histogram as the engine makes them: microseconds, 3 significant digits. */
    public static Histogram histogram() {
        return new Histogram(MAX_TRACKABLE_MICROS, 3);
    }

    /** A stage description for {@link #stage}. */
    public record Shape(String name, int warmupSeconds, int seconds, double rate, double targetRate,
            long medianMicros, long stallAtSecond, Map<ErrorKind, Long> errors, Map<String, Long> counters,
            double rateTo) {

        public Shape(String name, int warmupSeconds, int seconds, double rate, double targetRate, long medianMicros,
                long stallAtSecond, Map<ErrorKind, Long> errors, Map<String, Long> counters) {
            this(name, warmupSeconds, seconds, rate, targetRate, medianMicros, stallAtSecond, errors, counters, rate);
        }

        public static Shape of(String name, int seconds, double rate, long medianMicros) {
            return new Shape(name, 0, seconds, rate, 0, medianMicros, -1, Map.of(), Map.of());
        }

        /** An open-loop ramp: target and achieved rate go linearly from {@code rate} to {@code to}. */
        public Shape ramp(double to) {
            return new Shape(name, warmupSeconds, seconds, rate, rate, medianMicros, stallAtSecond, errors, counters, to);
        }

        double rateAt(int second) {
            return seconds <= 1 || second < 0 ? rate : rate + (rateTo - rate) * second / (seconds - 1.0);
        }

        public Shape warmup(int s) {
            return new Shape(name, s, seconds, rate, targetRate, medianMicros, stallAtSecond, errors, counters, rateTo);
        }

        public Shape target(double r) {
            return new Shape(name, warmupSeconds, seconds, rate, r, medianMicros, stallAtSecond, errors, counters, rateTo);
        }

        /** A 200 ms server stall in that second: its requests wait, intended-time latency shows it. */
        public Shape stallAt(int second) {
            return new Shape(name, warmupSeconds, seconds, rate, targetRate, medianMicros, second, errors, counters, rateTo);
        }

        public Shape errors(Map<ErrorKind, Long> e) {
            return new Shape(name, warmupSeconds, seconds, rate, targetRate, medianMicros, stallAtSecond, e, counters, rateTo);
        }

        public Shape counters(Map<String, Long> c) {
            return new Shape(name, warmupSeconds, seconds, rate, targetRate, medianMicros, stallAtSecond, errors, c, rateTo);
        }
    }

    /**
     * A stage whose requests complete at {@code rate} per second with a log-normal latency around
     * the median (seeded), starting {@code offsetSeconds} after {@link #START}.
     */
    public static StageResult stage(Shape shape, long seed, int offsetSeconds) {
        SplittableRandom random = new SplittableRandom(seed);
        Instant measuredStart = START.plusSeconds(offsetSeconds + shape.warmupSeconds());
        Histogram latency = histogram();
        Histogram service = histogram();
        Histogram lag = histogram();
        List<Interval> intervals = new ArrayList<>();
        long completed = 0;
        long bytesSent = 0;
        long bytesReceived = 0;
        long errorTotal = shape.errors().values().stream().mapToLong(Long::longValue).sum();
        for (int second = -shape.warmupSeconds(); second < shape.seconds(); second++) {
            boolean warm = second < 0;
            Histogram interval = histogram();
            double due = shape.rateAt(second);
            long n = Math.round(due * (0.97 + 0.06 * random.nextDouble()));
            for (long i = 0; i < n; i++) {
                double z = gaussian(random);
                long serviceMicros = Math.max(1, Math.round(shape.medianMicros() * Math.exp(0.5 * z)));
                long lagMicros = Math.round(5 + 20 * random.nextDouble());
                long extra = second == shape.stallAtSecond() ? Math.round(200_000 * (1 - (double) i / n)) : 0;
                long total = serviceMicros + lagMicros + extra;
                interval.recordValue(Math.min(total, MAX_TRACKABLE_MICROS));
                if (!warm) {
                    // a stalled server: the requests already sent wait (service time), the tool keeps its schedule
                    service.recordValue(serviceMicros + extra);
                    lag.recordValue(lagMicros);
                }
            }
            long startEpoch = measuredStart.toEpochMilli() + second * 1000L;
            interval.setStartTimeStamp(startEpoch);
            interval.setEndTimeStamp(startEpoch + 1000);
            long intervalErrors = warm || shape.seconds() == 0 ? 0 : errorTotal / shape.seconds()
                    + (second == shape.seconds() - 1 ? errorTotal % shape.seconds() : 0);
            intervals.add(new Interval(second * 1000L, (second + 1) * 1000L, warm, n, intervalErrors, n * 80, n * 80,
                    50, shape.targetRate() > 0 ? (shape.rateTo() != shape.rate() ? due : shape.targetRate()) : 0, interval));
            if (!warm) {
                latency.add(interval);
                completed += n;
                bytesSent += n * 80;
                bytesReceived += n * 80;
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("protocol", "raw");
        settings.put("target", "127.0.0.1:7001");
        settings.put("connections", 50);
        settings.put("pipeline", 1);
        settings.put("rate", shape.rateTo() != shape.rate() ? (long) shape.rate() + ".." + (long) shape.rateTo() : (Object) shape.targetRate());
        settings.put("duration", shape.seconds() + "s");
        long timeouts = shape.errors().getOrDefault(ErrorKind.TIMEOUT, 0L);
        Totals totals = new Totals(completed, errorTotal, timeouts, 3, 17, bytesSent, bytesReceived, shape.seconds());
        List<String> findings = shape.stallAtSecond() >= 0
                ? List.of("the server stalled: send lag stayed low while latency rose to " + latency.getMaxValue() / 1000 + " ms")
                : List.of();
        double target = shape.rateTo() != shape.rate() ? (shape.rate() + shape.rateTo()) / 2 : shape.targetRate();
        SelfCheck self = new SelfCheck(42.5, 2, target, totals.rate(), lag.getValueAtPercentile(99), 1800,
                250, 1000, shape.targetRate() > 0 ? 12.4 : 0, false, findings);
        return new StageResult(shape.name(), settings, measuredStart, totals, latency, service, lag, intervals,
                new LinkedHashMap<>(shape.errors()), new LinkedHashMap<>(shape.counters()), self);
    }

    /** A run of the given stages back to back (each starts when the one before it ended). */
    public static RunResult run(List<CheckResult> checks, List<CapacityPoint> capacity, Shape... shapes) {
        List<StageResult> stages = new ArrayList<>();
        int offset = 0;
        long seed = 7;
        for (Shape s : shapes) {
            stages.add(stage(s, seed++, offset));
            offset += s.warmupSeconds() + s.seconds();
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("cores", "2");
        env.put("jvm", "OpenJDK 17");
        env.put("transport", "epoll");
        double max = capacity.stream().filter(CapacityPoint::passed).mapToDouble(CapacityPoint::targetRate).max().orElse(0);
        return new RunResult("switchboard-client 0.1.0-test", START, env, stages, capacity, max, checks);
    }

    /** Exactly the latencies 1, 2, ..., n microseconds, one each, over one second. */
    public static StageResult uniform(String name, int n, Map<ErrorKind, Long> errors, Map<String, Long> counters) {
        Histogram latency = histogram();
        Histogram service = histogram();
        Histogram lag = histogram();
        for (int v = 1; v <= n; v++) {
            latency.recordValue(v);
            service.recordValue((v + 1) / 2);
            lag.recordValue(v / 10);
        }
        Histogram interval = latency.copy();
        interval.setStartTimeStamp(START.toEpochMilli());
        interval.setEndTimeStamp(START.toEpochMilli() + 1000);
        long errorTotal = errors.values().stream().mapToLong(Long::longValue).sum();
        Totals totals = new Totals(n, errorTotal, errors.getOrDefault(ErrorKind.TIMEOUT, 0L), 2, 5, n * 64L, n * 64L, 1.0);
        SelfCheck self = new SelfCheck(55.0, 2, 0, n, lag.getValueAtPercentile(99), 900, 120, 1000, 0, false, List.of());
        return new StageResult(name, Map.of("protocol", "raw"), START, totals, latency, service, lag,
                List.of(new Interval(0, 1000, false, n, errorTotal, n * 64L, n * 64L, 10, 0, interval)),
                errors, counters, self);
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2);
    }
}
