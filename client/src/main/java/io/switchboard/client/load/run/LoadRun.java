package io.switchboard.client.load.run;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.engine.Progress;
import io.switchboard.client.load.engine.StageException;
import io.switchboard.client.load.engine.StageRunner;
import io.switchboard.client.load.result.CapacityPoint;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.scenario.Checks;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.common.Version;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A whole load run: stages in order, or a capacity search, then the checks, into one
 * {@link RunResult}.
 */
public final class LoadRun {
    private static final Logger LOG = LogManager.getLogger(LoadRun.class);

    /** Most probes a capacity search runs after its closed-loop probe. */
    static final int MAX_PROBES = 10;

    private LoadRun() {
    }

    /** Runs {@code stages} in order and evaluates {@code checks} on the result. */
    public static RunResult stages(List<LoadSettings> stages, List<String> checks, Progress progress)
            throws WorkloadException, StageException, InterruptedException {
        Instant started = Instant.now();
        StageRunner runner = new StageRunner(progress);
        List<StageResult> results = new ArrayList<>();
        for (LoadSettings s : stages) {
            results.add(runner.run(s));
        }
        List<String> all = new ArrayList<>(defaultChecks(stages));
        all.addAll(checks);
        return finish(started, stages.get(0), results, List.of(), 0, all);
    }

    /**
     * The checks every run gets without asking: each open-loop stage with a
     * {@link LoadSettings#minAchieved()} must achieve that share of its target rate
     * ({@code stage: achieved >= 90%} by default), so a run the tool or the server could not
     * drive at its rate never passes silently.
     */
    static List<String> defaultChecks(List<LoadSettings> stages) {
        List<String> checks = new ArrayList<>();
        for (LoadSettings s : stages) {
            if (s.openLoop() && s.minAchieved() > 0) {
                checks.add(s.name() + ": achieved >= " + Values.percent(s.minAchieved()));
            }
        }
        return checks;
    }

    /**
     * Capacity search: one closed-loop probe finds what the connections can carry at all, then
     * open-loop probes bisect between 0 and a little above that for the highest rate whose p99
     * stays within {@code p99Bound} with no errors and at least 95% of the target achieved.
     * Each probe runs {@code base}'s warm-up and duration. Stops when the bracket is within 5%
     * or after {@link #MAX_PROBES} probes.
     */
    public static RunResult findMaxRate(LoadSettings base, Duration p99Bound, List<String> checks, Progress progress)
            throws WorkloadException, StageException, InterruptedException {
        Instant started = Instant.now();
        StageRunner runner = new StageRunner(progress);
        List<StageResult> results = new ArrayList<>();
        List<CapacityPoint> points = new ArrayList<>();
        StageResult closed = runner.run(base.toBuilder().name("probe-closed").rate(0).rateFrom(-1).build());
        results.add(closed);
        double ceiling = closed.totals().rate();
        if (ceiling <= 0) {
            throw new StageException("capacity search: the closed-loop probe completed no requests");
        }
        long bound = p99Bound.toNanos() / 1000;
        double lo = 0;
        double hi = ceiling * 1.1;
        double best = 0;
        for (int i = 0; i < MAX_PROBES && (hi - lo) > 0.05 * hi; i++) {
            double rate = Math.max(1, Math.round((lo + hi) / 2));
            StageResult probe = runner.run(base.toBuilder()
                    .name(String.format(Locale.ROOT, "probe-%.0f", rate)).rate(rate).rateFrom(-1).build());
            results.add(probe);
            CapacityPoint point = point(rate, probe, bound);
            points.add(point);
            LOG.info("capacity probe {} req/s: achieved {} req/s, p99 {} us, errors {}: {}", String.format(Locale.ROOT, "%.0f", rate),
                    String.format(Locale.ROOT, "%.0f", point.achievedRate()), point.p99Micros(), point.errors(),
                    point.passed() ? "within the bound" : "over the bound");
            if (point.passed()) {
                lo = rate;
                best = Math.max(best, rate);
            } else {
                hi = rate;
            }
        }
        return finish(started, base, results, points, best, checks);
    }

    /** A probe passes when p99 is within the bound, nothing failed and the rate was achieved. */
    static CapacityPoint point(double rate, StageResult probe, long boundMicros) {
        long p99 = probe.latency().getTotalCount() == 0 ? Long.MAX_VALUE : probe.latency().getValueAtPercentile(99);
        double achieved = probe.totals().rate();
        long errors = probe.totals().errors();
        boolean passed = p99 <= boundMicros && errors == 0 && achieved >= 0.95 * rate;
        return new CapacityPoint(rate, achieved, p99 == Long.MAX_VALUE ? 0 : p99, errors, passed);
    }

    private static RunResult finish(Instant started, LoadSettings first, List<StageResult> stages,
                                    List<CapacityPoint> capacity, double maxRate, List<String> checks) {
        RunResult partial = new RunResult("switchboard-client " + Version.get(), started, environment(first),
                List.copyOf(stages), List.copyOf(capacity), maxRate, List.of());
        if (checks.isEmpty()) {
            return partial;
        }
        List<CheckResult> outcomes = Checks.evaluate(checks, partial);
        return new RunResult(partial.tool(), started, partial.environment(), partial.stages(), partial.capacity(),
                maxRate, List.copyOf(outcomes));
    }

    static Map<String, String> environment(LoadSettings s) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        env.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        try {
            env.put("transport", TransportConfig.resolve(s.transport(), s.epollMode(), LoadSettings.DEFAULT_EPOLL_MODE).toString());
        } catch (RuntimeException e) {
            env.put("transport", s.transport() == TransportChoice.AUTO ? "auto" : s.transport().id());
        }
        env.put("max_heap_mb", Long.toString(Runtime.getRuntime().maxMemory() >> 20));
        return env;
    }
}
