package io.switchboard.client.load.report;

import io.switchboard.client.load.result.CapacityPoint;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.result.Totals;
import java.io.PrintStream;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.HdrHistogram.Histogram;

/** The human summary printed when a run ends, aligned like wrk's and k6's. */
final class TerminalSummary {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    /** Settings shown first, in this order; the rest follow as the engine listed them. */
    private static final Set<String> HEAD = Set.of("protocol", "target");

    private final PrintStream out;

    TerminalSummary(PrintStream out) {
        this.out = out;
    }

    void print(RunResult run) {
        out.println(run.tool() + " load test, started " + TIME.format(run.startedAt()) + environment(run.environment()));
        int n = run.stages().size();
        for (int i = 0; i < n; i++) {
            out.println();
            stage(run.stages().get(i), i + 1, n);
        }
        if (n > 1) {
            out.println();
            whole(run);
        }
        if (!run.capacity().isEmpty()) {
            out.println();
            capacity(run);
        }
        out.println();
        checks(run);
    }

    private static String environment(Map<String, String> env) {
        if (env.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        env.forEach((k, v) -> parts.add(k + " " + v));
        return " (" + String.join(", ", parts) + ")";
    }

    private void stage(StageResult s, int index, int of) {
        out.println("Stage " + s.name() + (of > 1 ? " (" + index + " of " + of + ")" : "") + ": " + settings(s.settings()));
        Totals t = s.totals();
        out.printf(Locale.ROOT, "  %-12s %s requests in %s = %s req/s, %s (sent %s, received %s)%n", "Throughput",
                Format.count(t.completed()), Format.seconds(t.seconds()), Format.rate(t.rate()),
                Format.bytesRate(t.bytesPerSecond()), Format.bytesRate(t.seconds() > 0 ? t.bytesSent() / t.seconds() : 0),
                Format.bytesRate(t.seconds() > 0 ? t.bytesReceived() / t.seconds() : 0));
        latencyTable(s.latency(), s.serviceTime(), s.sendLag());
        long attempts = t.completed() + t.errors();
        out.printf(Locale.ROOT, "  %-12s %s%s%n", "Errors", Format.errors(s.errors()),
                t.errors() > 0 && attempts > 0 ? String.format(Locale.ROOT, " (%s of %s requests, %.3f%%)",
                        Format.count(t.errors()), Format.count(attempts), 100.0 * t.errors() / attempts) : "");
        if (t.blocked() > 0 || t.inFlightAtEnd() > 0 || t.timedOut() > 0) {
            out.printf(Locale.ROOT, "  %-12s %s blocked (waited for a free connection; the wait counts as latency), "
                    + "%s timed out, %s still in flight at the end (kept with the latency they had reached)%n", "Requests",
                    Format.count(t.blocked()), Format.count(t.timedOut()), Format.count(t.inFlightAtEnd()));
        }
        if (!s.counters().isEmpty()) {
            List<String> parts = new ArrayList<>();
            new java.util.TreeMap<>(s.counters()).forEach((k, v) -> parts.add(k + " " + Format.count(v)));
            out.printf(Locale.ROOT, "  %-12s %s%n", "Counters", String.join(", ", parts));
        }
        self(s.self());
    }

    private void whole(RunResult run) {
        Totals t = Stats.totals(run.stages());
        out.println("Whole run (" + run.stages().size() + " stages, histograms added):");
        out.printf(Locale.ROOT, "  %-12s %s requests in %s = %s req/s, %s%n", "Throughput", Format.count(t.completed()),
                Format.seconds(t.seconds()), Format.rate(t.rate()), Format.bytesRate(t.bytesPerSecond()));
        latencyTable(Stats.merged(run.stages(), StageResult::latency), Stats.merged(run.stages(), StageResult::serviceTime),
                Stats.merged(run.stages(), StageResult::sendLag));
        out.printf(Locale.ROOT, "  %-12s %s%n", "Errors", Format.errors(Stats.errors(run.stages())));
    }

    private void latencyTable(Histogram latency, Histogram service, Histogram lag) {
        out.printf(Locale.ROOT, "  %-12s intended send -> completed, corrected for coordinated omission%n", "Latency");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-12s", ""));
        for (String label : Stats.PERCENTILE_LABELS) {
            header.append(String.format(Locale.ROOT, " %9s", label));
        }
        header.append(String.format(Locale.ROOT, " %9s %9s %9s %11s", "max", "mean", "stddev", "count"));
        out.println(header);
        row("latency", latency);
        row("service", service);
        row("send lag", lag);
    }

    private void row(String name, Histogram h) {
        Stats.Summary s = Stats.Summary.of(h);
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-12s", name));
        if (s.count() == 0) {
            out.println(line.append(" no samples"));
            return;
        }
        for (long p : s.percentiles()) {
            line.append(String.format(Locale.ROOT, " %9s", Format.micros(p)));
        }
        line.append(String.format(Locale.ROOT, " %9s %9s %9s %11s", Format.micros(s.max()), Format.micros(s.mean()),
                Format.micros(s.stddev()), Format.count(s.count())));
        out.println(line);
    }

    private void self(SelfCheck self) {
        if (self == null) {
            return;
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %-12s CPU %s of one core (%d available), "
                + "pauses max %s p99 %s (sampled every %s), send lag p99 %s", "Tool", Format.percent(self.cpuPercent()),
                self.availableCores(), Format.micros(self.hiccupMaxMicros()), Format.micros(self.hiccupP99Micros()),
                Format.micros(self.hiccupResolutionMicros()), Format.micros(self.sendLagP99Micros())));
        if (self.targetRate() > 0) {
            line.append(String.format(Locale.ROOT, ", achieved %s of %s req/s target (%.1f%%)", Format.rate(self.achievedRate()),
                    Format.rate(self.targetRate()), 100 * self.achievedRate() / self.targetRate()));
        }
        out.println(line);
        if (self.toolBound()) {
            out.printf(Locale.ROOT, "  %-12s ! the load tool, not the server, limited this stage%n", "");
        }
        for (String finding : self.findings()) {
            out.printf(Locale.ROOT, "  %-12s ! %s%n", "", finding);
        }
    }

    private void capacity(RunResult run) {
        out.println("Capacity search (a probe passes when its p99 is under the bound, with no errors and the rate achieved):");
        out.printf(Locale.ROOT, "  %14s %14s %10s %8s  %s%n", "target req/s", "achieved", "p99", "errors", "result");
        for (CapacityPoint p : run.capacity()) {
            out.printf(Locale.ROOT, "  %14s %14s %10s %8s  %s%n", Format.rate(p.targetRate()), Format.rate(p.achievedRate()),
                    Format.micros(p.p99Micros()), Format.count(p.errors()), p.passed() ? "pass" : "fail");
        }
        out.println(run.maxRate() > 0 ? "  Highest rate that met the bound: " + Format.rate(run.maxRate()) + " req/s"
                : "  No probed rate met the bound.");
    }

    private void checks(RunResult run) {
        List<CheckResult> checks = run.checks();
        if (checks.isEmpty()) {
            out.println("Checks: none");
            return;
        }
        int scopeWidth = 5;
        int exprWidth = 10;
        for (CheckResult c : checks) {
            scopeWidth = Math.max(scopeWidth, scope(c).length());
            exprWidth = Math.max(exprWidth, c.expression().length());
        }
        out.println("Checks:");
        for (CheckResult c : checks) {
            out.printf(Locale.ROOT, "  %s  %-" + scopeWidth + "s  %-" + exprWidth + "s  actual %s%n", c.passed() ? "PASS" : "FAIL",
                    scope(c), c.expression(), c.actual());
        }
        long failed = checks.stream().filter(c -> !c.passed()).count();
        out.println(failed == 0 ? "Result: PASS (" + checks.size() + " of " + checks.size() + " checks passed)"
                : "Result: FAIL (" + failed + " of " + checks.size() + " checks failed)");
    }

    static String scope(CheckResult c) {
        return c.stage() == null ? "run" : c.stage();
    }

    /** {@code raw 127.0.0.1:7001, connections 50, pipeline 1, rate 20000, ...}. */
    static String settings(Map<String, Object> settings) {
        List<String> parts = new ArrayList<>();
        Object protocol = settings.get("protocol");
        Object target = settings.get("target");
        if (protocol != null || target != null) {
            parts.add((protocol == null ? "" : protocol + " ") + (target == null ? "" : target));
        }
        for (String[] kv : Format.shownSettings(settings)) {
            if (!HEAD.contains(kv[0])) {
                parts.add(kv[0] + " " + kv[1]);
            }
        }
        return String.join(", ", parts);
    }
}
