package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
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
    private static final String[] FILES = {"package.json", "package-lock.json", "scenarios.mjs"};

    private SioClientScenarios() {
    }

    /** The working directory with the client installed. */
    static Path prepare() throws Exception {
        boolean haveNode = works("node", "--version") && works("npm", "--version");
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            assertTrue(haveNode, "node and npm are needed on CI (.ci/deps)");
        }
        assumeTrue(haveNode, "node/npm not installed");
        Path here = Paths.get("").toAbsolutePath();
        Path module = Files.isDirectory(here.resolve("src/test/node")) ? here : here.resolve("server");
        Path source = module.resolve("src/test/node/socketio-client");
        Path work = module.resolve("target/socketio-client");
        Files.createDirectories(work);
        for (String f : FILES) {
            Files.copy(source.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Path lock = work.resolve("package-lock.json");
        Path stamp = work.resolve("node_modules").resolve(".installed-from-lock");
        if (!Files.isRegularFile(stamp) || !Files.readString(stamp).equals(Files.readString(lock))) {
            Path log = work.resolve("npm-ci.log");
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(work.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail("npm ci did not finish within 5 minutes; see " + log);
            }
            assertEquals(0, p.exitValue(), () -> "npm ci failed: " + read(log));
            Files.writeString(stamp, Files.readString(lock));
        }
        return work;
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
