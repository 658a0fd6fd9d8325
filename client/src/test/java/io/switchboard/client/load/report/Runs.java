package io.switchboard.client.load.report;

import io.switchboard.client.load.report.SyntheticRun.Shape;
import io.switchboard.client.load.result.CapacityPoint;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.scenario.Checks;
import java.util.List;
import java.util.Map;

/** The runs the report tests render: a four-stage scenario and a capacity search. */
final class Runs {
    static final List<String> CHECKS = List.of("ramp-up: service.p99 < 5ms", "hold: p99 < 5ms", "hold: p99.9 <= 250ms",
            "spike: errors == 0", "rate >= 1000", "lost <= 10");

    private Runs() {}

    /** Ramp up with warm-up, hold with a 200 ms server stall, spike with errors, ramp down. */
    static RunResult scenario() {
        RunResult bare = SyntheticRun.run(List.of(), List.of(),
                Shape.of("ramp-up", 8, 2000, 350).ramp(10000).warmup(2),
                Shape.of("hold", 20, 10000, 420).target(10000).stallAt(12).counters(Map.of("lost", 0L, "reordered", 2L)),
                Shape.of("spike", 5, 20000, 900).target(20000)
                        .errors(Map.of(ErrorKind.TIMEOUT, 12L, ErrorKind.RESET, 3L)).counters(Map.of("lost", 4L)),
                Shape.of("ramp-down", 6, 20000, 500).ramp(2000));
        return withChecks(bare, CHECKS);
    }

    /** Probes of a capacity search: p99 grows with the rate until the 5 ms bound fails. */
    static RunResult capacity() {
        // as the engine runs it: a closed-loop probe for the ceiling, then open-loop probes
        double[] rates = {500, 1000, 2000, 4000, 3000, 3500};
        Shape[] probes = new Shape[rates.length + 1];
        probes[0] = Shape.of("probe-closed", 3, 4200, 9000).warmup(1);
        for (int i = 0; i < rates.length; i++) {
            long median = rates[i] >= 4000 ? 6000 : rates[i] >= 3500 ? 2600 : 300 + (long) (rates[i] / 10);
            probes[i + 1] = Shape.of("probe-" + (long) rates[i], 3, rates[i], median).target(rates[i]).warmup(1);
        }
        RunResult bare = SyntheticRun.run(List.of(), List.of(), probes);
        List<CapacityPoint> points = new java.util.ArrayList<>();
        for (int i = 0; i < rates.length; i++) {
            var s = bare.stages().get(i + 1);
            long p99 = s.latency().getValueAtPercentile(99);
            points.add(new CapacityPoint(rates[i], rates[i] * 0.998, p99, 0, p99 < 5000));
        }
        RunResult run = new RunResult(bare.tool(), bare.startedAt(), bare.environment(), bare.stages(), points, 3000,
                List.of());
        return withChecks(run, List.of("p99 < 50ms"));
    }

    static RunResult withChecks(RunResult r, List<String> checks) {
        return new RunResult(r.tool(), r.startedAt(), r.environment(), r.stages(), r.capacity(), r.maxRate(),
                Checks.evaluate(checks, r));
    }
}
