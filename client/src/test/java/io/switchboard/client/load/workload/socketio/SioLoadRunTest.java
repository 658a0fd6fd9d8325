package io.switchboard.client.load.workload.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.cli.ClientMain;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.socketio.engine.Handshake;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code switchboard-client load --protocol socketio} whole, through the command line: the
 * example scenario of docs/load-testing.md against Switchboard, and flag runs against the Node
 * socket.io server. Latency checks are left to the run's own verdict, never asserted here. The
 * bounds that are not under test (connect and request timeouts, how long connections are held,
 * how long late deliveries are waited for) are generous, so that a loaded build machine slows
 * these runs down without failing them; what is counted (every connection opened and kept, every
 * delivery, no error) is checked exactly.
 */
@Timeout(120)
class SioLoadRunTest {
    private static final Path EXAMPLE = Paths.get("..", "docs", "examples", "socketio.yaml");

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @TempDir
    Path dir;

    private record Result(int code, JsonNode report, String err) {
    }

    private Result load(String... args) throws Exception {
        Path json = dir.resolve("run-" + System.nanoTime() + ".json");
        List<String> all = new ArrayList<>(List.of("load"));
        all.addAll(List.of(args));
        all.addAll(List.of("--json", json.toString(), "-q"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        JsonNode report = Files.exists(json) ? new ObjectMapper().readTree(json.toFile()) : null;
        return new Result(code, report, err + "\n" + out);
    }

    /** Every check that is not about time passed. */
    private static void countChecksPassed(Result r) {
        assertNotNull(r.report, r.err);
        for (JsonNode c : r.report.get("checks")) {
            String e = c.get("expression").asText();
            if (!e.startsWith("p") && !e.startsWith("achieved")) {
                assertTrue(c.get("passed").asBoolean(), () -> c + "\n" + r.err);
            }
        }
    }

    private static JsonNode stage(Result r, String name) {
        for (JsonNode s : r.report.get("stages")) {
            if (s.get("name").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stage " + name + " in " + r.report);
    }

    @Test
    void theDocsExampleScenarioRunsAgainstSwitchboard() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        int port = server.address(Listener.HTTP).getPort();
        Path scenario = dir.resolve("socketio.yaml");
        // A busy build machine connects slowly: a longer timeout, idle sockets held long enough
        // for the last of the 200 to open, late deliveries waited for.
        String text = Files.readString(EXAMPLE);
        for (String[] generous : new String[][] {{"127.0.0.1:8080", "127.0.0.1:" + port}, {"timeout: 2s", "timeout: 30s"},
                {"duration: 2s", "duration: 10s"}, {"drain: 1s", "drain: 5s"}}) {
            assertTrue(text.contains(generous[0]), generous[0] + " is no longer in " + EXAMPLE);
            text = text.replace(generous[0], generous[1]);
        }
        Files.writeString(scenario, text);
        Result r = load("--scenario", scenario.toString());
        assertTrue(r.code == 0 || r.code == 1, r.err);
        countChecksPassed(r);
        assertTrue(stage(r, "echo").get("totals").get("completed").asLong() > 0);
        JsonNode fanout = stage(r, "fanout").get("counters");
        assertEquals(fanout.get("expected_deliveries").asLong(), fanout.get("deliveries").asLong(), fanout::toString);
        assertTrue(fanout.get("deliveries").asLong() > 0);
        assertEquals(200, stage(r, "idle").get("counters").get("survived").asLong());
    }

    @Test
    void flagsDriveTheNodeServerOverPollingAndWebSocket() throws Exception {
        try (SioNodeServer node = SioNodeServer.start("/", "")) {
            String url = "http://127.0.0.1:" + node.port + "/";
            Result echo = load("--protocol", "socketio", "--target", url, "-c", "4", "--pipeline", "2", "-n", "2000",
                    "--timeout", "30s", "--opt", "transport=polling", "--check", "errors == 0", "--check", "completed == 2000");
            assertEquals(0, echo.code, echo.err);
            // closed loop: each emit's completion (once written) must get the engine to send and flush the next
            for (String transport : List.of("websocket", "polling")) {
                Result emit = load("--protocol", "socketio", "--target", url, "-c", "2", "--pipeline", "4", "-n",
                        "2000", "--timeout", "30s", "--opt", "workload=emit", "--opt", "transport=" + transport, "--check", "errors == 0",
                        "--check", "completed == 2000");
                assertEquals(0, emit.code, emit.err);
            }
            Result fanout = load("--protocol", "socketio", "--target", url, "-c", "21", "--rate", "100",
                    "--duration", "1s", "--timeout", "30s", "--payload", "100", "--opt", "workload=fanout",
                    "--opt", "subscribers=20", "--opt", "join_event=join", "--opt", "publish_event=publish",
                    "--opt", "drain=5s",
                    "--min-achieved", "off", "--check", "missing == 0", "--check", "duplicate_deliveries == 0",
                    "--check", "deliveries > 0");
            assertEquals(0, fanout.code, fanout.err);
        }
    }

    @Test
    void headersAndQueryReachTheServersHandshake() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        LinkedBlockingQueue<Handshake> seen = new LinkedBlockingQueue<>();
        server.socketIo().sockets().onConnection(socket -> seen.add(socket.handshake()));
        String url = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/?from=url";
        Result r = load("--protocol", "socketio", "--target", url, "-c", "1", "-n", "10", "-H", "X-Load: yes",
                "--opt", "query=from=opt", "--opt", "event=sb:publish", "--opt", "args=[\"nobody\",\"load\"]");
        assertEquals(0, r.code, r.err);
        Handshake h = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(h);
        assertEquals(List.of("url"), h.query().get("from").subList(0, 1));
        assertEquals(List.of("url", "opt"), h.query().get("from"));
        assertEquals("yes", h.headers().get("X-Load"));
    }
}
