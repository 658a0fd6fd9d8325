package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (fails on CI) without node/npm; copies the project to target/ and runs npm ci once per lock file. */
    static Path prepare() throws Exception {
        boolean haveNode = works("node", "--version") && works("npm", "--version");
        if (ci()) {
            assertTrue(haveNode, "node and npm are needed on CI (.ci/deps/chromium.sh installs them)");
        }
        assumeTrue(haveNode, "node/npm not installed");
        Path work = Paths.get("target", "socketio-client-node").toAbsolutePath();
        Files.createDirectories(work);
        try (Stream<Path> files = Files.list(SOURCE)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, work.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path lock = work.resolve("package-lock.json");
        Path stamp = work.resolve("node_modules").resolve(".installed-from-lock");
        if (!(Files.isRegularFile(stamp) && Files.readString(stamp).equals(Files.readString(lock)))) {
            Path log = work.resolve("npm-ci.log");
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("npm ci did not finish within 10 minutes; see " + log);
            }
            assertEquals(0, p.exitValue(), () -> "npm ci failed: " + read(log));
            Files.writeString(stamp, Files.readString(lock));
        }
        return work;
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

    private static boolean works(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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
