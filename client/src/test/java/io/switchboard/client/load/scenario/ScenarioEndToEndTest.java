package io.switchboard.client.load.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.cli.ClientMain;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A scenario file run by {@code switchboard-client load} against the real server's echo listener,
 * over every transport: the stages run in order, the checks set the exit code, and the three
 * report files agree with each other.
 */
@Timeout(90)
class ScenarioEndToEndTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void scenarioRunsItsStagesAndItsChecksSetTheExitCode(TransportUnderTest transport) throws Exception {
        transport.config();
        Server server = servers.start(transport);
        int port = server.address(Listener.ECHO).getPort();
        Path scenario = dir.resolve("echo.yaml");
        Files.writeString(scenario, """
                name: e2e
                defaults:
                  protocol: raw
                  target: 127.0.0.1:%d
                  transport: %s
                  %s
                  connections: 2
                  payload: 16-256
                  timeout: 5s
                stages:
                  - name: paced
                    rate: 200
                    min_achieved: off   # no default rate check: this test times nothing
                    arrivals: poisson
                    warmup: 300ms
                    duration: 1s
                    checks: [errors == 0, completed > 0, wrong_echo_free_is_not_a_counter == 0]
                  - name: burst
                    pipeline: 4
                    requests: 400
                    checks: ["p99 < 0us"]
                checks:
                  - errors.wrong_echo == 0
                """.formatted(port, transport.choice.id(), transport.epollMode == null ? "" : "epoll_mode: " + transport.epollMode.id()));
        Path json = dir.resolve("run.json");
        Path hdr = dir.resolve("run.hlog");
        Path html = dir.resolve("run.html");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true), "load", "--scenario",
                scenario.toString(), "--json", json.toString(), "--hdr", hdr.toString(), "--html", html.toString(), "-q");
        assertEquals(1, code, "p99 < 0us cannot hold, so the run fails its checks: " + err);

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(List.of("paced", "burst"), List.of(root.get("stages").get(0).get("name").asText(),
                root.get("stages").get(1).get("name").asText()));
        JsonNode paced = root.get("stages").get(0);
        JsonNode burst = root.get("stages").get(1);
        assertEquals(0, paced.get("totals").get("errors").asLong(), paced.toString());
        assertTrue(paced.get("totals").get("completed").asLong() > 0);
        assertTrue(paced.get("intervals").get(0).get("warmup").asBoolean(), "the warm-up interval comes first, flagged");
        assertEquals(400, burst.get("totals").get("completed").asLong() + burst.get("totals").get("errors").asLong());
        assertEquals(4, burst.get("settings").get("pipeline").asInt());

        // checks in order: paced's three, burst's one, then the run's; only the impossible one and
        // the counter that no workload measures fail
        Map<String, Boolean> results = new HashMap<>();
        root.get("checks").forEach(c -> results.put(c.get("stage").asText("run") + ": " + c.get("expression").asText(),
                c.get("passed").asBoolean()));
        assertEquals(Map.of("paced: errors == 0", true, "paced: completed > 0", true,
                "paced: wrong_echo_free_is_not_a_counter == 0", false, "burst: p99 < 0us", false,
                "run: errors.wrong_echo == 0", true), results);
        assertEquals("not measured", root.get("checks").get(2).get("actual").asText());
        assertFalse(root.get("passed").asBoolean());

        // the HdrHistogram log holds exactly each stage's measured requests under its tag
        Map<String, Long> counts = new HashMap<>();
        HistogramLogReader reader = new HistogramLogReader(hdr.toString());
        for (EncodableHistogram h; (h = reader.nextIntervalHistogram()) != null; ) {
            counts.merge(h.getTag(), ((org.HdrHistogram.Histogram) h).getTotalCount(), Long::sum);
        }
        assertEquals(paced.get("latency_us").get("count").asLong(), counts.get("paced"));
        assertEquals(burst.get("latency_us").get("count").asLong(), counts.get("burst"));
        assertTrue(counts.containsKey("paced.warmup"), counts.keySet().toString());

        String page = Files.readString(html);
        assertEquals(3, page.split("<svg class=\"chart\"", -1).length - 1);
        assertTrue(page.contains("data-series=\"paced\"") && page.contains("data-series=\"burst\""));
        assertTrue(page.contains("class=\"verdict fail\""));
    }
}
