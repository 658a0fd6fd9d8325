package io.switchboard.client.load.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.load.result.CheckResult;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.StageResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ReportsTest {
    private static final RunResult RUN = Runs.scenario();

    @TempDir
    Path dir;

    @Test
    void theSyntheticRunIsWhatTheReportsAssume() {
        // guards the fixtures: a failing and a passing check, errors, a stall in the tail
        assertEquals(List.of(true, false, true, false, true, true), RUN.checks().stream().map(CheckResult::passed).toList());
        assertTrue(RUN.stages().get(1).latency().getMaxValue() > 150_000, "the stall reaches the hold stage's tail");
    }

    @Test
    void summaryShowsSettingsLatencyErrorsToolAndChecks() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Reports.summary(RUN, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        StageResult hold = RUN.stages().get(1);

        assertTrue(out.startsWith("switchboard-client 0.1.0-test load test, started 2026-11-23 12:00:00 UTC (cores 2, jvm OpenJDK 17, transport epoll)"), out);
        assertTrue(out.contains("Stage hold (2 of 4): raw 127.0.0.1:7001, connections 50, pipeline 1, rate 10000, duration 20s"), out);
        assertTrue(out.contains(String.format(java.util.Locale.ROOT, "%,d requests in 20.00 s = %s req/s",
                hold.totals().completed(), Format.rate(hold.totals().rate()))), out);
        // the latency row carries the histogram's own percentiles, formatted
        String row = line(out, "  latency", 0);
        for (double p : new double[] {50, 90, 99, 99.9, 99.99}) {
            assertTrue(row.contains(Format.micros(hold.latency().getValueAtPercentile(p))), p + " in " + row);
        }
        assertTrue(row.contains(Format.micros(hold.latency().getMaxValue())), row);
        assertTrue(out.contains("  Errors       timeout 12, reset 3 (15 of "), out);
        assertTrue(out.contains("  Counters     lost 0, reordered 2"), "counters by name: " + out);
        assertTrue(out.contains("! the server stalled"), out);
        assertTrue(out.contains("Whole run (4 stages, histograms added):"), out);
        assertTrue(out.contains("  FAIL  hold     p99 < 5ms"), out);
        assertTrue(out.contains("  PASS  run      rate >= 1000"), out);
        assertTrue(out.trim().endsWith("Result: FAIL (2 of 6 checks failed)"), out);
        // columns line up: every latency-table row is as wide as its header
        String header = line(out, "               ", 0);
        assertTrue(header.contains("p99.99"), header);
        assertEquals(header.indexOf("p99.99") + "p99.99".length(), row.indexOf(Format.micros(hold.latency().getValueAtPercentile(99.99)))
                + Format.micros(hold.latency().getValueAtPercentile(99.99)).length());
    }

    @Test
    void theSummaryQuotedInTheDocsIsWhatThisRunPrints() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "load-testing.md"));
        int at = doc.indexOf("```\nStage hold (2 of 4)");
        assertTrue(at > 0, "the docs quote the hold stage of this run");
        String quoted = doc.substring(at + 4, doc.indexOf("```", at + 4));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Reports.summary(RUN, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String line : quoted.split("\n")) {
            if (!line.equals("...")) {
                assertTrue(out.contains(line), "docs/load-testing.md quotes a line the summary no longer prints:\n" + line);
            }
        }
    }

    @Test
    void settingsLeaveOutZerosButSayClosedLoop() {
        Map<String, Object> settings = new java.util.LinkedHashMap<>();
        settings.put("protocol", "raw");
        settings.put("target", "127.0.0.1:7001");
        settings.put("connections", 8);
        settings.put("threads", 0);
        settings.put("rate", 0.0);
        settings.put("duration", "10s");
        settings.put("requests", 0L);
        settings.put("warmup", "0s");
        settings.put("rate_from", 500.0);
        settings.put("transport", "auto");
        assertEquals("raw 127.0.0.1:7001, connections 8, rate closed loop, duration 10s, rate_from 500, transport auto",
                TerminalSummary.settings(settings));
    }

    @Test
    void summaryOfACapacitySearchListsTheCurve() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Reports.summary(Runs.capacity(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("Capacity search"), out);
        assertTrue(out.contains("Highest rate that met the bound: 3,000.0 req/s"), out);
        assertTrue(Pattern.compile("4,000.0 +3,992.0 +\\d+\\.\\d+ms +0  fail").matcher(out).find(), out);
    }

    @Test
    void jsonCarriesTheWholeResultUnderStableKeys() throws Exception {
        Path file = dir.resolve("out/run.json");
        Reports.writeJson(RUN, file);
        JsonNode root = new ObjectMapper().readTree(file.toFile());

        assertEquals("switchboard-load-report/1", root.get("schema").asText());
        assertEquals(RUN.tool(), root.get("tool").asText());
        assertEquals("2026-11-23T12:00:00Z", root.get("started_at").asText());
        assertFalse(root.get("passed").asBoolean());
        assertEquals("epoll", root.get("environment").get("transport").asText());
        assertEquals(4, root.get("stages").size());
        for (int i = 0; i < RUN.stages().size(); i++) {
            StageResult s = RUN.stages().get(i);
            JsonNode js = root.get("stages").get(i);
            assertEquals(s.name(), js.get("name").asText());
            assertEquals(s.startedAt().toString(), js.get("started_at").asText());
            assertEquals(50, js.get("settings").get("connections").asInt());
            assertEquals("127.0.0.1:7001", js.get("settings").get("target").asText());
            assertEquals(s.totals().completed(), js.get("totals").get("completed").asLong());
            assertEquals(s.totals().errors(), js.get("totals").get("errors").asLong());
            assertEquals(s.totals().rate(), js.get("totals").get("rate").asDouble(), 1e-9);
            assertLatency(s.latency(), js.get("latency_us"));
            assertLatency(s.serviceTime(), js.get("service_time_us"));
            assertLatency(s.sendLag(), js.get("send_lag_us"));
            assertEquals(s.intervals().size(), js.get("intervals").size());
            for (int k = 0; k < s.intervals().size(); k++) {
                Interval in = s.intervals().get(k);
                JsonNode ji = js.get("intervals").get(k);
                assertEquals(in.startMillis(), ji.get("start_ms").asLong());
                assertEquals(in.warmup(), ji.get("warmup").asBoolean());
                assertEquals(in.completed(), ji.get("completed").asLong());
                assertEquals(in.targetRate(), ji.get("target_rate").asDouble(), 1e-9);
                assertLatency(in.latency(), ji.get("latency_us"));
            }
            // the percentile curve ends at 100% with the max, counts rising to the total
            JsonNode curve = js.get("distribution").get("latency_us");
            JsonNode last = curve.get(curve.size() - 1);
            assertEquals(100.0, last.get("percentile").asDouble(), 1e-9);
            assertEquals(s.latency().getTotalCount(), last.get("count").asLong());
            assertEquals(s.latency().highestEquivalentValue(s.latency().getMaxValue()), last.get("value").asLong());
            long before = 0;
            for (JsonNode point : curve) {
                assertTrue(point.get("count").asLong() >= before);
                before = point.get("count").asLong();
            }
            assertEquals(s.self().cpuPercent(), js.get("self").get("cpu_percent").asDouble(), 1e-9);
            assertEquals(s.self().findings().size(), js.get("self").get("findings").size());
        }
        JsonNode spike = root.get("stages").get(2);
        assertEquals(12, spike.get("errors").get("timeout").asLong());
        assertEquals(3, spike.get("errors").get("reset").asLong());
        assertEquals(4, spike.get("counters").get("lost").asLong());

        JsonNode whole = root.get("run");
        assertEquals(RUN.stages().stream().mapToLong(s -> s.totals().completed()).sum(), whole.get("totals").get("completed").asLong());
        assertLatency(Stats.merged(RUN.stages(), StageResult::latency), whole.get("latency_us"));
        assertEquals(4, whole.get("counters").get("lost").asLong());

        assertEquals(RUN.checks().size(), root.get("checks").size());
        JsonNode firstFail = root.get("checks").get(1);
        assertEquals("hold", firstFail.get("stage").asText());
        assertEquals("p99 < 5ms", firstFail.get("expression").asText());
        assertEquals(RUN.checks().get(1).actual(), firstFail.get("actual").asText());
        assertFalse(firstFail.get("passed").asBoolean());
        assertTrue(root.get("checks").get(4).get("stage").isNull(), "whole-run checks have stage null");
        assertEquals(0, root.get("capacity").get("points").size());
    }

    @Test
    void jsonCapacityCurve() throws Exception {
        RunResult run = Runs.capacity();
        Path file = dir.resolve("cap.json");
        Reports.writeJson(run, file);
        JsonNode cap = new ObjectMapper().readTree(file.toFile()).get("capacity");
        assertEquals(3000, cap.get("max_rate").asDouble(), 1e-9);
        assertEquals(run.capacity().size(), cap.get("points").size());
        assertEquals(4000, cap.get("points").get(3).get("target_rate").asDouble(), 1e-9);
        assertEquals(run.capacity().get(3).p99Micros(), cap.get("points").get(3).get("p99_us").asLong());
        assertFalse(cap.get("points").get(3).get("passed").asBoolean());
    }

    private static void assertLatency(Histogram h, JsonNode j) {
        assertNotNull(j);
        assertEquals(h.getTotalCount(), j.get("count").asLong());
        if (h.getTotalCount() == 0) {
            return;
        }
        assertEquals(h.getValueAtPercentile(50), j.get("p50").asLong());
        assertEquals(h.getValueAtPercentile(90), j.get("p90").asLong());
        assertEquals(h.getValueAtPercentile(99), j.get("p99").asLong());
        assertEquals(h.getValueAtPercentile(99.9), j.get("p99_9").asLong());
        assertEquals(h.getValueAtPercentile(99.99), j.get("p99_99").asLong());
        assertEquals(h.getMaxValue(), j.get("max").asLong());
        assertEquals(h.getMinValue(), j.get("min").asLong());
        assertEquals(h.getMean(), j.get("mean").asDouble(), 1e-9);
        assertEquals(h.getStdDeviation(), j.get("stddev").asDouble(), 1e-9);
    }

    @Test
    void hdrLogReadsBackWithTheSameCountsPerStage() throws Exception {
        Path file = dir.resolve("run.hlog");
        Reports.writeHdr(RUN, file);
        String text = Files.readString(file);
        assertTrue(text.contains("#[StartTime: " + String.format(java.util.Locale.ROOT, "%.3f", RUN.startedAt().toEpochMilli() / 1000.0)), text.substring(0, 400));
        assertTrue(text.contains("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""), "legend");

        Map<String, Long> counts = new HashMap<>();
        Map<String, Histogram> merged = new HashMap<>();
        List<Double> starts = new ArrayList<>();
        HistogramLogReader reader = new HistogramLogReader(file.toString());
        for (EncodableHistogram e; (e = reader.nextIntervalHistogram()) != null; ) {
            Histogram h = (Histogram) e;
            counts.merge(h.getTag(), h.getTotalCount(), Long::sum);
            merged.computeIfAbsent(h.getTag(), t -> new Histogram(3)).add(h);
            starts.add(h.getStartTimeStamp() / 1000.0);
        }
        assertEquals(RUN.startedAt().toEpochMilli() / 1000.0, reader.getStartTimeSec(), 1e-3);
        for (StageResult s : RUN.stages()) {
            assertEquals(s.latency().getTotalCount(), counts.get(s.name()), s.name());
            assertEquals(s.latency(), merged.get(s.name()), "the stage's histogram, value for value: " + s.name());
        }
        long warm = RUN.stages().get(0).intervals().stream().filter(Interval::warmup).mapToLong(i -> i.latency().getTotalCount()).sum();
        assertTrue(warm > 0);
        assertEquals(warm, counts.get("ramp-up.warmup"));
        assertEquals(RUN.stages().size() + 1, counts.size(), "one tag per stage plus ramp-up's warm-up: " + counts.keySet());
        // intervals are placed on the run's clock, in order
        assertEquals(RUN.startedAt().toEpochMilli() / 1000.0, starts.get(0), 1e-3);
        for (int i = 1; i < starts.size(); i++) {
            assertTrue(starts.get(i) >= starts.get(i - 1), "interval " + i + " starts before the one before it");
        }
        // the result's own histograms were not touched (the writer tags copies)
        assertNull(RUN.stages().get(0).intervals().get(0).latency().getTag());
    }

    @Test
    void htmlIsOnePageWithChartsTablesAndChecks() throws Exception {
        Path file = dir.resolve("report.html");
        Reports.writeHtml(RUN, file);
        String html = Files.readString(file);
        assertTrue(html.startsWith("<!DOCTYPE html>"));
        assertEquals(3, count(html, "<svg class=\"chart\""), "throughput, latency over time, percentile curve");
        for (String id : List.of("throughput", "latency-over-time", "percentiles")) {
            assertTrue(html.contains("id=\"" + id + "\""), id);
        }
        // nothing outside the file: no scripts, stylesheets, images or fonts fetched
        assertFalse(html.contains("<script"), "no script needed");
        assertFalse(html.contains("<link"));
        assertFalse(html.contains("<img"));
        assertFalse(html.contains("@import") || html.contains("url("));
        Matcher urls = Pattern.compile("https?://[^\"' )]+").matcher(html);
        while (urls.find()) {
            assertEquals("http://www.w3.org/2000/svg", urls.group(), "only the SVG namespace may look like a URL");
        }
        // every stage has a line on the percentile chart, and the stall shows as a max line
        for (StageResult s : RUN.stages()) {
            assertTrue(html.contains("data-series=\"" + s.name() + "\""), s.name());
            assertTrue(html.contains("id=\"stage-" + RUN.stages().indexOf(s) + "\""));
        }
        assertTrue(html.contains("data-series=\"target rate\""));
        assertTrue(html.contains("data-series=\"errors/s\""));
        assertTrue(html.contains("class=\"verdict fail\""));
        assertEquals(RUN.checks().size(), count(html, "<tr class=\"pass\">") + count(html, "<tr class=\"fail\">"));
        assertTrue(html.contains("<code>p99 &lt; 5ms</code>"), "expressions are escaped");
        assertTrue(html.contains("latency (log scale)"), "a stall 400x the median switches the time chart to log scale");
    }

    @Test
    void aLongRunIsDrawnWithMergedIntervalsNotThousandsOfPoints() throws Exception {
        // 3 000 one-second intervals: the time charts merge neighbours (histograms added)
        RunResult longRun = SyntheticRun.run(List.of(), List.of(), SyntheticRun.Shape.of("soak", 3000, 20, 300));
        Path file = dir.resolve("long.html");
        Reports.writeHtml(longRun, file);
        String html = Files.readString(file);
        Matcher d = Pattern.compile("data-series=\"completed/s\" stroke=\"[^\"]+\" d=\"([^\"]+)\"").matcher(html);
        assertTrue(d.find());
        int points = d.group(1).split("[ML]").length - 1;
        assertEquals(1000, points, "3000 intervals in buckets of 3");
        assertTrue(html.length() < 1_000_000, "page size " + html.length());
    }

    @Test
    void htmlCapacityChartAppearsWhenSearched() throws Exception {
        Path file = dir.resolve("cap.html");
        Reports.writeHtml(Runs.capacity(), file);
        String html = Files.readString(file);
        assertEquals(4, count(html, "<svg class=\"chart\""));
        assertTrue(html.contains("id=\"capacity\""));
        assertTrue(html.contains("Highest rate that met the bound: <b>3,000.0 req/s</b>"));
    }

    @Test
    void filesAreReplacedWhole() throws Exception {
        Path file = dir.resolve("r.json");
        Files.writeString(file, "x".repeat(1_000_000));
        Reports.writeJson(RUN, file);
        new ObjectMapper().readTree(file.toFile());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void degenerateRunsStillProduceEveryReport() throws Exception {
        StageResult empty = SyntheticRun.uniform("empty", 0, Map.of(ErrorKind.CONNECT_REFUSED, 50L), Map.of());
        StageResult nanSelf = new StageResult("nan", Map.of(), empty.startedAt(), empty.totals(), empty.latency(),
                empty.serviceTime(), empty.sendLag(), empty.intervals(), empty.errors(), empty.counters(),
                new SelfCheck(Double.NaN, 2, 0, 0, 0, 0, 0, 1000, Double.NaN, true, List.of()));
        List<RunResult> runs = List.of(
                new RunResult("t", SyntheticRun.START, Map.of(), List.of(), List.of(), 0, List.of()),
                Runs.withChecks(new RunResult("t", SyntheticRun.START, Map.of(), List.of(empty), List.of(), 0, List.of()),
                        List.of("p99 < 1ms", "errors.connect_refused == 0")),
                new RunResult("t", SyntheticRun.START, Map.of(), List.of(nanSelf), List.of(), 0, List.of()));
        int n = 0;
        for (RunResult run : runs) {
            Path base = dir.resolve("degenerate-" + n++);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Reports.summary(run, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            Reports.writeJson(run, base.resolveSibling(base.getFileName() + ".json"));
            Reports.writeHdr(run, base.resolveSibling(base.getFileName() + ".hlog"));
            Reports.writeHtml(run, base.resolveSibling(base.getFileName() + ".html"));
            JsonNode json = new ObjectMapper().readTree(base.resolveSibling(base.getFileName() + ".json").toFile());
            assertEquals(run.stages().size(), json.get("stages").size());
            String html = Files.readString(base.resolveSibling(base.getFileName() + ".html"));
            assertEquals(3, count(html, "<svg class=\"chart\""));
            assertFalse(html.contains("NaN"), "no NaN on the page");
            String out = bytes.toString(StandardCharsets.UTF_8);
            if (!run.stages().isEmpty()) {
                assertTrue(out.contains("latency      no samples"), out);
                assertTrue(json.get("stages").get(0).get("distribution").get("latency_us").isEmpty());
            }
        }
        assertTrue(new ObjectMapper().readTree(dir.resolve("degenerate-2.json").toFile()).get("stages").get(0).get("self")
                .get("cpu_percent").isNull(), "NaN becomes null: JSON has no NaN");
        String failed = Files.readString(dir.resolve("degenerate-1.html"));
        assertTrue(failed.contains("no samples") && failed.contains("connect_refused 50"), "the page says what happened");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** The {@code skip}-th line (0-based) that starts with {@code prefix}, after the "Stage hold" line. */
    private static String line(String out, String prefix, int skip) {
        String[] lines = out.substring(out.indexOf("Stage hold")).split("\n");
        int seen = 0;
        for (String l : lines) {
            if (l.startsWith(prefix)) {
                if (seen++ == skip) {
                    return l;
                }
            }
        }
        throw new AssertionError("no line starting with '" + prefix + "' in\n" + out);
    }
}
