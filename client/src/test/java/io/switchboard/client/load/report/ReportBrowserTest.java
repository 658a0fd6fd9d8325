package io.switchboard.client.load.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.testing.RequiredTool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The {@code --html} report in a real browser: {@code src/test/browser/report-check.mjs} opens it
 * in headless Chromium with every non-file request blocked, checks that the charts drew and
 * nothing logged an error, and writes {@code target/load-report/report.png} (and
 * {@code capacity.png}). The same run's other reports are written beside it for a person to read.
 * Skipped when Chromium or node is missing, except under CI (the {@code CI} environment variable
 * set), where a missing browser fails the test: {@code .ci/deps/chromium.sh} installs both.
 * playwright-core is the one installed for the server's browser test
 * ({@code server/src/test/browser/node_modules}), not a second npm project.
 */
@Timeout(180)
class ReportBrowserTest {
    private static final Path SCRIPT = Paths.get("src", "test", "browser", "report-check.mjs");
    private static final Path PLAYWRIGHT_DIR = Paths.get("..", "server", "src", "test", "browser");
    private static final Path CHROMIUM = Paths.get(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Path OUT = Paths.get("target", "load-report").toAbsolutePath();

    @BeforeAll
    static void browserPresent() throws Exception {
        RequiredTool.require(onPath("node") && Files.isExecutable(CHROMIUM),
                "node or " + CHROMIUM + " is not installed (run .ci/deps/chromium.sh)");
        if (!Files.isDirectory(PLAYWRIGHT_DIR.resolve("node_modules/playwright-core"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(PLAYWRIGHT_DIR.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(npm.waitFor(180, TimeUnit.SECONDS) && npm.exitValue() == 0,
                    "npm ci failed in " + PLAYWRIGHT_DIR + " (run .ci/deps/chromium.sh):\n" + out);
        }
        Files.createDirectories(OUT);
    }

    @Test
    void scenarioReportRendersWithItsChartsAndNoErrors() throws Exception {
        RunResult run = Runs.scenario();
        Path html = OUT.resolve("report.html");
        Reports.writeHtml(run, html);
        // the same run in every format, next to the page, for a person to compare
        Reports.writeJson(run, OUT.resolve("report.json"));
        Reports.writeHdr(run, OUT.resolve("report.hlog"));
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        Reports.summary(run, new PrintStream(summary, true, StandardCharsets.UTF_8));
        Files.write(OUT.resolve("summary.txt"), summary.toByteArray());

        JsonNode facts = check(html, OUT.resolve("report.png"));
        assertEquals(List.of("throughput", "latency-over-time", "percentiles"), ids(facts));
        assertEquals(List.of("completed/s", "target rate", "errors/s"), series(facts, 0));
        assertEquals(List.of("p50", "p99", "p99.9", "max"), series(facts, 1));
        assertEquals(List.of("ramp-up", "hold", "spike", "ramp-down", "service time (all stages)"), series(facts, 2));
        assertTrue(facts.get("verdict").asText().startsWith("FAIL"), facts.get("verdict").asText());
        assertEquals(run.checks().size(), facts.get("checkRows").asInt());
        assertEquals(run.checks().stream().filter(c -> !c.passed()).count(), facts.get("failedChecks").asLong());
        assertEquals(run.stages().size(), facts.get("stageSections").asInt());
        assertEquals(7, facts.get("cards").asInt());
        assertEquals(0, facts.get("scripts").asInt());
    }

    @Test
    void capacityReportDrawsTheCurve() throws Exception {
        Path html = OUT.resolve("capacity.html");
        Reports.writeHtml(Runs.capacity(), html);
        JsonNode facts = check(html, OUT.resolve("capacity.png"));
        assertEquals(List.of("throughput", "latency-over-time", "percentiles", "capacity"), ids(facts));
        JsonNode curve = facts.get("charts").get(3).get("series").get(0);
        assertEquals(Runs.capacity().capacity().size(), curve.get("points").asInt(), "one point per probe");
        assertTrue(facts.get("verdict").asText().startsWith("PASS"), facts.get("verdict").asText());
    }

    /** Runs the browser check on {@code html}; returns the facts it measured in the page. */
    private static JsonNode check(Path html, Path screenshot) throws Exception {
        Files.deleteIfExists(screenshot);
        Process node = new ProcessBuilder("node", SCRIPT.toString(), html.toString(), screenshot.toString(),
                PLAYWRIGHT_DIR.toString()).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        boolean finished = node.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = output.get(10, TimeUnit.SECONDS);
        assertTrue(finished, "the browser check did not finish within 120 s:\n" + log);
        assertEquals(0, node.exitValue(), "the browser check failed:\n" + log);
        assertTrue(log.contains("REPORT-TEST-OK"), log);
        assertTrue(Files.size(screenshot) > 20_000, "screenshot " + screenshot + " is missing or blank");
        String line = log.lines().filter(l -> l.startsWith("REPORT-FACTS ")).findFirst().orElseThrow();
        return new ObjectMapper().readTree(line.substring("REPORT-FACTS ".length()));
    }

    private static List<String> ids(JsonNode facts) {
        List<String> ids = new ArrayList<>();
        facts.get("charts").forEach(c -> ids.add(c.get("id").asText()));
        return ids;
    }

    private static List<String> series(JsonNode facts, int chart) {
        List<String> names = new ArrayList<>();
        facts.get("charts").get(chart).get("series").forEach(s -> names.add(s.get("name").asText()));
        return names;
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
