package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.testing.NodeProject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Node project in {@code src/test/node/socketio-client} (the official socket.io-client,
 * {@code ws} and playwright-core, pinned by its package-lock.json), installed with {@code npm ci}
 * into {@code target/socketio-client-node}, and a runner for its scripts, which report one JSON
 * line per check. Skipped without node/npm, except under CI=true, where that fails.
 */
final class NodeScripts {
    private static final Path SOURCE = Paths.get("src", "test", "node", "socketio-client");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a script reported: check name to its line, the whole output, the exit code. */
    record Run(Map<String, JsonNode> checks, JsonNode done, String output, int exitCode) {
        List<String> failures() {
            List<String> out = new ArrayList<>();
            checks.forEach((name, line) -> {
                if (!line.path("ok").asBoolean()) {
                    out.add(name + ": " + line.path("error").asText());
                }
            });
            return out;
        }
    }

    private NodeScripts() {
    }

    /** Skips (fails on CI) without node/npm; copies the project to target/ and runs npm ci once per lock file. */
    static Path prepare() throws Exception {
        NodeProject.requireNode("the socket.io client tests");
        return NodeProject.install(SOURCE, Paths.get("target", "socketio-client-node").toAbsolutePath(), List.of());
    }

    /** Runs {@code node SCRIPT ARGS...} in {@code work}, at most {@code seconds}, and parses its report. */
    static Run run(Path work, long seconds, String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        boolean finished = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String text = output.get(10, TimeUnit.SECONDS);
        assertTrue(finished, () -> script + " did not finish within " + seconds + " s:\n" + text);
        Map<String, JsonNode> checks = new LinkedHashMap<>();
        JsonNode done = null;
        for (String line : text.split("\n")) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            if (node.has("check")) {
                JsonNode before = checks.put(node.path("check").asText(), node);
                assertEquals(null, before, () -> "check reported twice: " + line);
            } else if (node.path("done").asBoolean()) {
                done = node;
            }
        }
        return new Run(checks, done, text, p.exitValue());
    }

}
