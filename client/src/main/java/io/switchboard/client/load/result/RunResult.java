package io.switchboard.client.load.result;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A whole run: its stages in order, the capacity curve if one was searched, and the checks.
 *
 * @param tool        tool name and version, e.g. "switchboard-client 0.1.0"
 * @param startedAt   wall-clock start of the run
 * @param environment host facts worth keeping with the numbers (cores, JVM, OS, transport)
 * @param stages      the stages in the order they ran
 * @param capacity    probes of a capacity search in the order they ran; empty otherwise
 * @param maxRate     the highest rate that met the bound in a capacity search, or 0
 * @param checks      threshold checks and their outcomes
 */
public record RunResult(
        String tool,
        Instant startedAt,
        Map<String, String> environment,
        List<StageResult> stages,
        List<CapacityPoint> capacity,
        double maxRate,
        List<CheckResult> checks) {

    /** True when every check passed (and vacuously when there are none). */
    public boolean passed() {
        return checks.stream().allMatch(CheckResult::passed);
    }
}
