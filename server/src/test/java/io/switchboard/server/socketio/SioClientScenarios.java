package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs src/test/node/socketio-client/scenarios.mjs (the official socket.io-client, pinned by the
 * committed lock file) with Node against servers a test started, and returns what the clients
 * saw. Installed with {@code npm ci} into target/ once per lock file. Skipped without node/npm,
 * except under CI=true, where that fails.
 */
final class SioClientScenarios {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SioClientScenarios() {
    }

    /** The working directory with the client installed (the same install as {@link NodeScripts}). */
    static Path prepare() throws Exception {
        return NodeScripts.prepare();
    }

    /** Runs one scenario; fails the test when the scenario reports an error. */
    static JsonNode run(Path work, String scenario, List<String> urls, Map<String, Object> options) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", "scenarios.mjs", scenario));
        command.add(urls.get(0));
        command.add(urls.size() > 1 ? urls.get(1) : "");
        command.add(JSON.writeValueAsString(options));
        Path out = Files.createTempFile(work, scenario + "-", ".out");
        try {
            Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("scenario " + scenario + " did not finish within 90 s: " + read(out));
            }
            String text = Files.readString(out);
            String line = text.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                    .orElseGet(() -> fail("no RESULT from scenario " + scenario + ": " + text));
            JsonNode result = JSON.readTree(line.substring("RESULT ".length()));
            assertFalse(result.has("error"), () -> "scenario " + scenario + " failed: " + result.path("error").asText()
                    + " " + result.path("trace") + "\n" + text);
            System.out.println(scenario + ": " + result);
            return result;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
