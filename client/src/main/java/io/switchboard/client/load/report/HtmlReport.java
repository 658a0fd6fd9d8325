package io.switchboard.client.load.report;

import io.switchboard.client.load.Values;
import io.switchboard.client.load.result.CapacityPoint;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.result.Totals;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * The {@code --html} page: one file with its CSS and inline SVG charts, nothing fetched. Top to
 * bottom: verdict, headline figures, throughput over time, latency percentiles over time, the
 * latency percentile curve, the capacity curve when searched, checks, then each stage's details.
 */
final class HtmlReport {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    /** Colour-blind-safe palette (Okabe-Ito), one colour per stage. */
    static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"};
    private static final String P50 = "#0072B2";
    private static final String P99 = "#E69F00";
    private static final String P999 = "#D55E00";
    private static final String MAX = "#6a3d9a";

    private HtmlReport() {}

    static String render(RunResult run) {
        StringBuilder h = new StringBuilder(64 * 1024);
        List<StageResult> stages = run.stages();
        Totals totals = Stats.totals(stages);
        Histogram latency = Stats.merged(stages, StageResult::latency);
        Stats.Summary lat = Stats.Summary.of(latency);

        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.escape(title(run))).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n");
        h.append("<header><h1>").append(Html.escape(title(run))).append("</h1>\n<p class=\"meta\">")
                .append(Html.escape(run.tool())).append(" &middot; started ").append(TIME.format(run.startedAt()));
        run.environment().forEach((k, v) -> h.append(" &middot; ").append(Html.escape(k)).append(' ').append(Html.escape(v)));
        h.append("</p></header>\n");

        verdict(h, run);

        h.append("<section class=\"cards\">\n");
        card(h, "requests", Format.count(totals.completed()), "in " + Format.seconds(totals.seconds()));
        card(h, "throughput", Format.rate(totals.rate()), "req/s, " + Format.bytesRate(totals.bytesPerSecond()));
        card(h, "p50", lat.count() == 0 ? "-" : Format.micros(lat.p50()), "latency");
        card(h, "p99", lat.count() == 0 ? "-" : Format.micros(lat.p99()), "latency");
        card(h, "p99.9", lat.count() == 0 ? "-" : Format.micros(lat.p999()), "latency");
        card(h, "max", lat.count() == 0 ? "-" : Format.micros(lat.max()), "latency");
        card(h, "errors", Format.count(totals.errors()), Format.errors(Stats.errors(stages)));
        h.append("</section>\n");
        h.append("<p class=\"note\">Latency is measured from each request's <em>intended</em> send time to its response, "
                + "so a stalled server shows up here instead of hiding (coordinated omission). Service time is measured "
                + "from the actual send; send lag is the tool's own delay. Shaded: warm-up, not counted.</p>\n");

        Timeline t = new Timeline(run);
        h.append(throughputChart(t).render());
        h.append(latencyChart(t).render());
        h.append(percentileChart(stages).render());
        if (!run.capacity().isEmpty()) {
            h.append(capacityChart(run).render());
        }

        checks(h, run);
        stagesTable(h, stages);
        for (int i = 0; i < stages.size(); i++) {
            stageDetails(h, stages.get(i), i);
        }
        if (!run.capacity().isEmpty()) {
            capacityTable(h, run);
        }
        h.append("<footer>Written by ").append(Html.escape(run.tool()))
                .append(". Latencies in HdrHistogram, 3 significant digits, microsecond resolution; "
                        + "run-wide figures add the stages' histograms (percentiles are never averaged).</footer>\n");
        h.append("</main>\n</body>\n</html>\n");
        return h.toString();
    }

    private static String title(RunResult run) {
        List<StageResult> s = run.stages();
        if (s.size() == 1) {
            Object protocol = s.get(0).settings().get("protocol");
            Object target = s.get(0).settings().get("target");
            return "Load test" + (protocol == null ? "" : ": " + protocol) + (target == null ? "" : " " + target);
        }
        List<String> names = s.stream().map(StageResult::name).toList();
        String listed = names.size() <= 4 ? String.join(", ", names)
                : names.get(0) + ", " + names.get(1) + ", ... " + names.get(names.size() - 1);
        return "Load test: " + s.size() + " stages (" + listed + ")";
    }

    private static void verdict(StringBuilder h, RunResult run) {
        List<CheckResult> checks = run.checks();
        long failed = checks.stream().filter(c -> !c.passed()).count();
        String cls = checks.isEmpty() ? "none" : failed == 0 ? "pass" : "fail";
        String word = checks.isEmpty() ? "NO CHECKS" : failed == 0 ? "PASS" : "FAIL";
        String detail = checks.isEmpty() ? "no thresholds were set" : failed == 0
                ? "all " + checks.size() + " checks passed" : failed + " of " + checks.size() + " checks failed";
        h.append("<section class=\"verdict ").append(cls).append("\" id=\"verdict\"><strong>").append(word)
                .append("</strong> <span>").append(detail).append("</span>");
        boolean toolBound = run.stages().stream().anyMatch(s -> s.self() != null && s.self().toolBound());
        if (toolBound) {
            h.append(" <span class=\"warn\">&#9888; the load tool limited at least one stage; see its findings</span>");
        }
        h.append("</section>\n");
    }

    private static void card(StringBuilder h, String label, String value, String sub) {
        h.append("<div class=\"card\"><div class=\"label\">").append(Html.escape(label)).append("</div><div class=\"value\">")
                .append(Html.escape(value)).append("</div><div class=\"sub\">").append(Html.escape(sub)).append("</div></div>\n");
    }

    /** Most points a time chart draws; longer runs merge neighbouring intervals. */
    static final int MAX_POINTS = 1200;

    /** One point of the time charts: one interval, or several merged. */
    private record Bucket(double x, double rate, double errorsPerSecond, double targetRate, Histogram latency) {}

    /** Interval times on one axis: seconds since the run started. */
    private static final class Timeline {
        final RunResult run;
        final double end;
        private final java.util.Map<StageResult, List<Bucket>> buckets = new java.util.IdentityHashMap<>();

        Timeline(RunResult run) {
            this.run = run;
            double e = 1;
            for (StageResult s : run.stages()) {
                for (Interval i : s.intervals()) {
                    e = Math.max(e, at(s, i.endMillis()));
                }
            }
            this.end = e;
        }

        double at(StageResult s, long stageMillis) {
            return Duration.between(run.startedAt(), s.startedAt()).toMillis() / 1000.0 + stageMillis / 1000.0;
        }

        /**
         * A stage's intervals as chart points: the intervals themselves, or for long runs (more
         * than {@link #MAX_POINTS} intervals in all) consecutive intervals of the same phase
         * merged, their histograms added so the percentiles stay exact.
         */
        List<Bucket> buckets(StageResult s) {
            return buckets.computeIfAbsent(s, this::group);
        }

        private List<Bucket> group(StageResult s) {
            int all = run.stages().stream().mapToInt(x -> x.intervals().size()).sum();
            int per = Math.max(1, (int) Math.ceil(all / (double) MAX_POINTS));
            List<Bucket> out = new ArrayList<>();
            List<Interval> group = new ArrayList<>();
            for (Interval i : s.intervals()) {
                if (!group.isEmpty() && (group.size() == per || group.get(0).warmup() != i.warmup())) {
                    out.add(bucket(s, group));
                    group = new ArrayList<>();
                }
                group.add(i);
            }
            if (!group.isEmpty()) {
                out.add(bucket(s, group));
            }
            return out;
        }

        private Bucket bucket(StageResult s, List<Interval> group) {
            Interval first = group.get(0);
            Interval last = group.get(group.size() - 1);
            double seconds = Math.max(1e-3, (last.endMillis() - first.startMillis()) / 1000.0);
            long completed = 0;
            long errors = 0;
            double target = 0;
            Histogram latency;
            if (group.size() == 1) {
                latency = first.latency();
            } else {
                latency = new Histogram(3);
                for (Interval i : group) {
                    Histogram h = i.latency(); // decoded on each call: once here
                    if (h != null && h.getTotalCount() > 0) {
                        latency.add(h);
                    }
                }
            }
            for (Interval i : group) {
                completed += i.completed();
                errors += i.errors();
                target += i.targetRate() * (i.endMillis() - i.startMillis()) / 1000.0;
            }
            double x = (at(s, first.startMillis()) + at(s, last.endMillis())) / 2;
            return new Bucket(x, completed / seconds, errors / seconds, target / seconds, latency);
        }

        SvgChart.Axis axis() {
            return SvgChart.Axis.exact("seconds since start", 0, end, v -> Values.trim(v) + "s");
        }

        void decorate(SvgChart c) {
            for (StageResult s : run.stages()) {
                double warmStart = Double.NaN;
                double warmEnd = Double.NaN;
                for (Interval i : s.intervals()) {
                    if (i.warmup()) {
                        warmStart = Double.isNaN(warmStart) ? at(s, i.startMillis()) : Math.min(warmStart, at(s, i.startMillis()));
                        warmEnd = Double.isNaN(warmEnd) ? at(s, i.endMillis()) : Math.max(warmEnd, at(s, i.endMillis()));
                    }
                }
                if (!Double.isNaN(warmStart)) {
                    c.band(new SvgChart.Band(warmStart, warmEnd, "warm-up"));
                }
                if (run.stages().size() > 1) {
                    double start = s.intervals().isEmpty() ? at(s, 0) : at(s, s.intervals().get(0).startMillis());
                    c.marker(new SvgChart.Marker(start, s.name()));
                }
            }
        }
    }

    private static SvgChart throughputChart(Timeline t) {
        List<double[]> completed = new ArrayList<>();
        List<double[]> target = new ArrayList<>();
        List<double[]> errors = new ArrayList<>();
        double max = 1;
        boolean anyTarget = false;
        boolean anyErrors = false;
        for (StageResult s : t.run.stages()) {
            for (Bucket b : t.buckets(s)) {
                completed.add(new double[] {b.x(), b.rate()});
                target.add(b.targetRate() > 0 ? new double[] {b.x(), b.targetRate()} : null);
                errors.add(new double[] {b.x(), b.errorsPerSecond()});
                anyTarget |= b.targetRate() > 0;
                anyErrors |= b.errorsPerSecond() > 0;
                max = Math.max(max, Math.max(b.rate(), b.targetRate()));
            }
            completed.add(null);
            target.add(null);
            errors.add(null);
        }
        SvgChart c = new SvgChart("throughput", "Throughput: completed requests per second", 300, t.axis(),
                SvgChart.Axis.linear("requests/s", 0, max * 1.05, Values::shortCount));
        t.decorate(c);
        c.add(new SvgChart.Series("completed/s", P50, false, completed));
        if (anyTarget) {
            c.add(new SvgChart.Series("target rate", "#555555", true, target));
        }
        if (anyErrors) {
            c.add(new SvgChart.Series("errors/s", "#C62828", false, errors));
        }
        return c;
    }

    private static SvgChart latencyChart(Timeline t) {
        List<double[]> p50 = new ArrayList<>();
        List<double[]> p99 = new ArrayList<>();
        List<double[]> p999 = new ArrayList<>();
        List<double[]> max = new ArrayList<>();
        double lo = Double.MAX_VALUE;
        double hi = 1;
        for (StageResult s : t.run.stages()) {
            for (Bucket b : t.buckets(s)) {
                Histogram h = b.latency();
                double x = b.x();
                if (h == null || h.getTotalCount() == 0) {
                    p50.add(null);
                    p99.add(null);
                    p999.add(null);
                    max.add(null);
                    continue;
                }
                p50.add(new double[] {x, h.getValueAtPercentile(50)});
                p99.add(new double[] {x, h.getValueAtPercentile(99)});
                p999.add(new double[] {x, h.getValueAtPercentile(99.9)});
                max.add(new double[] {x, h.getMaxValue()});
                lo = Math.min(lo, Math.max(1, h.getValueAtPercentile(50)));
                hi = Math.max(hi, h.getMaxValue());
            }
            p50.add(null);
            p99.add(null);
            p999.add(null);
            max.add(null);
        }
        if (lo == Double.MAX_VALUE) {
            lo = 1;
        }
        boolean log = hi / lo > 20;
        SvgChart.Axis y = log ? SvgChart.Axis.log("latency (log scale)", lo, hi, Values::shortMicros)
                : SvgChart.Axis.linear("latency", 0, hi * 1.05, Values::shortMicros);
        SvgChart c = new SvgChart("latency-over-time", "Latency per interval (intended send to completed)", 320, t.axis(), y);
        t.decorate(c);
        c.add(new SvgChart.Series("p50", P50, false, p50));
        c.add(new SvgChart.Series("p99", P99, false, p99));
        c.add(new SvgChart.Series("p99.9", P999, false, p999));
        c.add(new SvgChart.Series("max", MAX, true, max));
        return c;
    }

    private static SvgChart percentileChart(List<StageResult> stages) {
        long most = 1;
        double max = 1;
        for (StageResult s : stages) {
            if (s.latency() != null) {
                most = Math.max(most, s.latency().getTotalCount());
                max = Math.max(max, s.latency().getMaxValue());
            }
        }
        int nines = (int) Math.max(2, Math.min(6, Math.ceil(Math.log10(most))));
        SvgChart c = new SvgChart("percentiles", "Latency by percentile (HdrHistogram percentile distribution)", 340,
                SvgChart.Axis.percentile("percentile", nines), SvgChart.Axis.linear("latency", 0, max * 1.05, Values::shortMicros));
        for (int i = 0; i < stages.size(); i++) {
            StageResult s = stages.get(i);
            c.add(new SvgChart.Series(stages.size() == 1 ? "latency" : s.name(), PALETTE[i % PALETTE.length], false,
                    curve(s.latency(), nines)));
        }
        Histogram service = Stats.merged(stages, StageResult::serviceTime);
        c.add(new SvgChart.Series(stages.size() == 1 ? "service time" : "service time (all stages)", "#777777", true,
                curve(service, nines)));
        return c;
    }

    /** The percentile curve of {@code h}: HdrHistogram's iteration points, ending at the max. */
    static List<double[]> curve(Histogram h, int nines) {
        List<double[]> points = new ArrayList<>();
        if (h == null || h.getTotalCount() == 0) {
            return points;
        }
        for (HistogramIterationValue v : h.percentiles(JsonReport.TICKS_PER_HALF_DISTANCE)) {
            double p = v.getPercentileLevelIteratedTo();
            if (p >= 100) {
                break;
            }
            double x = SvgChart.percentileX(p);
            if (x > nines) {
                break;
            }
            points.add(new double[] {x, h.highestEquivalentValue(v.getValueIteratedTo())});
        }
        points.add(new double[] {nines, h.getMaxValue()});
        return points;
    }

    private static SvgChart capacityChart(RunResult run) {
        double maxRate = 1;
        double maxP99 = 1;
        List<double[]> points = new ArrayList<>();
        for (CapacityPoint p : run.capacity().stream().sorted((a, b) -> Double.compare(a.targetRate(), b.targetRate())).toList()) {
            points.add(new double[] {p.targetRate(), p.p99Micros()});
            maxRate = Math.max(maxRate, p.targetRate());
            maxP99 = Math.max(maxP99, p.p99Micros());
        }
        SvgChart c = new SvgChart("capacity", "Capacity search: p99 latency at each probed rate", 300,
                SvgChart.Axis.linear("target rate, requests/s", 0, maxRate * 1.05, Values::shortCount),
                SvgChart.Axis.linear("p99 latency", 0, maxP99 * 1.1, Values::shortMicros));
        if (run.maxRate() > 0) {
            c.marker(new SvgChart.Marker(run.maxRate(), "max " + Values.shortCount(run.maxRate()) + "/s"));
        }
        c.add(new SvgChart.Series("p99", P99, false, points));
        return c;
    }

    private static void checks(StringBuilder h, RunResult run) {
        h.append("<h2>Checks</h2>\n");
        if (run.checks().isEmpty()) {
            h.append("<p class=\"note\">No checks were given (<code>--check 'p99 &lt; 5ms'</code> or <code>checks:</code> in a scenario).</p>\n");
            return;
        }
        h.append("<table class=\"checks\">\n<thead><tr><th>result</th><th>applies to</th><th>check</th><th>actual</th></tr></thead>\n<tbody>\n");
        for (CheckResult c : run.checks()) {
            h.append("<tr class=\"").append(c.passed() ? "pass" : "fail").append("\"><td><span class=\"badge ")
                    .append(c.passed() ? "pass\">PASS" : "fail\">FAIL").append("</span></td><td>")
                    .append(Html.escape(c.stage() == null ? "whole run" : "stage " + c.stage())).append("</td><td><code>")
                    .append(Html.escape(c.expression())).append("</code></td><td>").append(Html.escape(c.actual())).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static void stagesTable(StringBuilder h, List<StageResult> stages) {
        h.append("<h2>Stages</h2>\n<table class=\"num\">\n<thead><tr><th>stage</th><th>requests</th><th>req/s</th>");
        for (String p : Stats.PERCENTILE_LABELS) {
            h.append("<th>").append(p).append("</th>");
        }
        h.append("<th>max</th><th>errors</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < stages.size(); i++) {
            StageResult s = stages.get(i);
            Stats.Summary l = Stats.Summary.of(s.latency());
            h.append("<tr><td><span class=\"swatch\" style=\"background:").append(PALETTE[i % PALETTE.length]).append("\"></span>")
                    .append("<a href=\"#stage-").append(i).append("\">").append(Html.escape(s.name())).append("</a></td><td>")
                    .append(Format.count(s.totals().completed())).append("</td><td>").append(Format.rate(s.totals().rate())).append("</td>");
            for (long p : l.percentiles()) {
                h.append("<td>").append(l.count() == 0 ? "-" : Format.micros(p)).append("</td>");
            }
            h.append("<td>").append(l.count() == 0 ? "-" : Format.micros(l.max())).append("</td><td>")
                    .append(Format.count(s.totals().errors())).append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static void stageDetails(StringBuilder h, StageResult s, int index) {
        h.append("<section class=\"stage\" id=\"stage-").append(index).append("\">\n<h3>Stage ").append(Html.escape(s.name()))
                .append(" <small>started ").append(TIME.format(s.startedAt())).append("</small></h3>\n");
        h.append("<p class=\"settings\">");
        boolean first = true;
        for (String[] kv : Format.shownSettings(s.settings())) {
            if (!first) {
                h.append(" &middot; ");
            }
            first = false;
            h.append("<span><b>").append(Html.escape(kv[0])).append("</b> ").append(Html.escape(kv[1])).append("</span>");
        }
        h.append("</p>\n");
        Totals t = s.totals();
        h.append("<p>").append(Format.count(t.completed())).append(" requests in ").append(Format.seconds(t.seconds())).append(" = <b>")
                .append(Format.rate(t.rate())).append(" req/s</b>, ").append(Format.bytesRate(t.bytesPerSecond()))
                .append(" (sent ").append(Format.bytes(t.bytesSent())).append(", received ").append(Format.bytes(t.bytesReceived()))
                .append(")</p>\n");
        h.append("<table class=\"num\">\n<thead><tr><th></th>");
        for (String p : Stats.PERCENTILE_LABELS) {
            h.append("<th>").append(p).append("</th>");
        }
        h.append("<th>max</th><th>mean</th><th>stddev</th><th>count</th></tr></thead>\n<tbody>\n");
        latencyRow(h, "latency", s.latency());
        latencyRow(h, "service time", s.serviceTime());
        latencyRow(h, "send lag", s.sendLag());
        h.append("</tbody></table>\n<ul class=\"facts\">\n");
        h.append("<li><b>errors</b> ").append(Html.escape(Format.errors(s.errors()))).append("</li>\n");
        h.append("<li><b>requests</b> ").append(Format.count(t.blocked())).append(" blocked (waited for a free connection), ")
                .append(Format.count(t.timedOut())).append(" timed out, ").append(Format.count(t.inFlightAtEnd()))
                .append(" in flight at the end</li>\n");
        if (!s.counters().isEmpty()) {
            h.append("<li><b>counters</b> ");
            List<String> parts = new ArrayList<>();
            new java.util.TreeMap<>(s.counters()).forEach((k, v) -> parts.add(Html.escape(k) + " " + Format.count(v)));
            h.append(String.join(", ", parts)).append("</li>\n");
        }
        SelfCheck self = s.self();
        if (self != null) {
            h.append("<li><b>the tool</b> CPU ").append(Format.percent(self.cpuPercent())).append(" of one core (")
                    .append(self.availableCores()).append(" available), pauses max ").append(Format.micros(self.hiccupMaxMicros()))
                    .append(" p99 ").append(Format.micros(self.hiccupP99Micros())).append(" (sampled every ")
                    .append(Format.micros(self.hiccupResolutionMicros())).append("), send lag p99 ")
                    .append(Format.micros(self.sendLagP99Micros()));
            if (self.targetRate() > 0) {
                h.append(String.format(Locale.ROOT, ", achieved %s of %s req/s (%.1f%%)", Format.rate(self.achievedRate()),
                        Format.rate(self.targetRate()), 100 * self.achievedRate() / self.targetRate()));
            }
            if (self.connectionsNeeded() > 0) {
                h.append(String.format(Locale.ROOT, ", Little's law needs %.1f connections", self.connectionsNeeded()));
            }
            h.append("</li>\n");
        }
        h.append("</ul>\n");
        if (self != null && (self.toolBound() || !self.findings().isEmpty())) {
            h.append("<ul class=\"findings\">\n");
            if (self.toolBound()) {
                h.append("<li>The load tool, not the server, limited this stage.</li>\n");
            }
            for (String f : self.findings()) {
                h.append("<li>").append(Html.escape(f)).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        h.append("</section>\n");
    }

    private static void latencyRow(StringBuilder h, String name, Histogram hist) {
        Stats.Summary s = Stats.Summary.of(hist);
        h.append("<tr><th>").append(name).append("</th>");
        if (s.count() == 0) {
            h.append("<td colspan=\"").append(Stats.PERCENTILES.length + 4).append("\">no samples</td></tr>\n");
            return;
        }
        for (long p : s.percentiles()) {
            h.append("<td>").append(Format.micros(p)).append("</td>");
        }
        h.append("<td>").append(Format.micros(s.max())).append("</td><td>").append(Format.micros(s.mean())).append("</td><td>")
                .append(Format.micros(s.stddev())).append("</td><td>").append(Format.count(s.count())).append("</td></tr>\n");
    }

    private static void capacityTable(StringBuilder h, RunResult run) {
        h.append("<h2>Capacity search</h2>\n<p>").append(run.maxRate() > 0
                ? "Highest rate that met the bound: <b>" + Format.rate(run.maxRate()) + " req/s</b>."
                : "No probed rate met the bound.").append("</p>\n");
        h.append("<table class=\"num\">\n<thead><tr><th>target req/s</th><th>achieved</th><th>p99</th><th>errors</th><th>result</th></tr></thead>\n<tbody>\n");
        for (CapacityPoint p : run.capacity()) {
            h.append("<tr><td>").append(Format.rate(p.targetRate())).append("</td><td>").append(Format.rate(p.achievedRate()))
                    .append("</td><td>").append(Format.micros(p.p99Micros())).append("</td><td>").append(Format.count(p.errors()))
                    .append("</td><td><span class=\"badge ").append(p.passed() ? "pass\">pass" : "fail\">fail").append("</span></td></tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static final String CSS = """
            :root { --fg: #1d2330; --muted: #5b6473; --line: #d9dee6; --bg: #ffffff; --panel: #f5f7fa;
                    --pass: #1b7f3b; --fail: #c62828; }
            * { box-sizing: border-box; }
            body { margin: 0; background: var(--bg); color: var(--fg);
                   font: 14px/1.45 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width: 1080px; margin: 0 auto; padding: 20px 20px 40px; }
            h1 { font-size: 22px; margin: 0 0 2px; }
            h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
            h3 { font-size: 15px; margin: 22px 0 6px; }
            h3 small { color: var(--muted); font-weight: normal; }
            .meta, .note, footer { color: var(--muted); }
            .note { font-size: 13px; }
            footer { margin-top: 32px; font-size: 12px; }
            code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
            .verdict { margin: 14px 0; padding: 12px 16px; border-radius: 6px; font-size: 16px; border: 1px solid var(--line); }
            .verdict strong { font-size: 20px; margin-right: 8px; }
            .verdict.pass { background: #e8f5ec; border-color: #9fd3ae; color: var(--pass); }
            .verdict.fail { background: #fdecea; border-color: #f1a9a5; color: var(--fail); }
            .verdict.none { background: var(--panel); color: var(--muted); }
            .verdict .warn { color: #8a5300; font-size: 14px; margin-left: 10px; }
            .cards { display: grid; grid-template-columns: repeat(7, 1fr); gap: 8px; margin: 12px 0 6px; }
            .card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; min-width: 0; }
            .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
            .card .value { font-size: 20px; font-weight: 600; white-space: nowrap; }
            .card .sub { color: var(--muted); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
            svg.chart { display: block; width: 100%; height: auto; margin: 14px 0 4px; background: #fff;
                        border: 1px solid var(--line); border-radius: 6px; }
            svg .chart-title { font-size: 14px; font-weight: 600; fill: var(--fg); }
            svg .grid { stroke: #eceff3; stroke-width: 1; }
            svg .axis { stroke: #9aa3af; stroke-width: 1; }
            svg .tick { font-size: 11px; fill: var(--muted); }
            svg .tick.y { text-anchor: end; }
            svg .tick.x { text-anchor: middle; }
            svg .axis-title { font-size: 12px; fill: var(--muted); text-anchor: middle; }
            svg .band { fill: #eef0f3; }
            svg .band-label { font-size: 11px; fill: #8a93a0; text-anchor: middle; }
            svg .marker { stroke: #9aa3af; stroke-dasharray: 3 3; }
            svg .marker-label { font-size: 11px; fill: var(--fg); font-weight: 600; }
            svg .series { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
            svg .series.dashed, svg .legend-line.dashed { stroke-dasharray: 6 4; }
            svg .legend-line { stroke-width: 3; }
            svg .legend { font-size: 12px; fill: var(--fg); }
            table { border-collapse: collapse; width: 100%; margin: 6px 0; font-variant-numeric: tabular-nums; }
            th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; }
            thead th { color: var(--muted); font-weight: 600; font-size: 12px; }
            table.num td, table.num thead th { text-align: right; }
            table.num td:first-child, table.num th:first-child { text-align: left; }
            .badge { display: inline-block; min-width: 44px; text-align: center; padding: 1px 6px; border-radius: 4px;
                     font-weight: 700; font-size: 12px; color: #fff; }
            .badge.pass { background: var(--pass); }
            .badge.fail { background: var(--fail); }
            tr.fail td { background: #fff6f5; }
            .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; }
            .settings { color: var(--muted); font-size: 13px; }
            .settings b { color: var(--fg); font-weight: 600; }
            .facts { margin: 6px 0; padding-left: 18px; }
            .findings { margin: 6px 0; padding: 8px 12px 8px 30px; background: #fff8e6; border: 1px solid #f3d38a; border-radius: 6px; }
            a { color: #0b5cad; text-decoration: none; }
            @media (max-width: 800px) { .cards { grid-template-columns: repeat(3, 1fr); } }
            """;
}
