package io.switchboard.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Node project a test runs (a socket.io server or client, an official test suite): node and npm
 * required ({@link RequiredTool}: skipped without them, failed under CI), the project's files
 * copied into a work directory under {@code target/}, and {@code npm ci} run there once per lock
 * file (a stamp in {@code node_modules} remembers which).
 */
public final class NodeProject {
    private NodeProject() {
    }

    /** Skips the test (fails it under CI) unless node and npm run; {@code forWhat} says what needs them. */
    public static void requireNode(String forWhat) {
        RequiredTool.require(works("node", "--version") && works("npm", "--version"),
                "node and npm are needed for " + forWhat + " (.ci/deps installs them)");
    }

    /** Whether node and npm run here. */
    public static boolean haveNode() {
        return works("node", "--version") && works("npm", "--version");
    }

    /**
     * Copies {@code files} of {@code source} (every regular file when empty; not {@code node_modules})
     * into {@code work} and installs its packages there once per lock file. Returns {@code work}.
     */
    public static Path install(Path source, Path work, List<String> files) throws Exception {
        Files.createDirectories(work);
        if (files.isEmpty()) {
            try (Stream<Path> all = Files.list(source)) {
                for (Path f : (Iterable<Path>) all::iterator) {
                    if (Files.isRegularFile(f)) {
                        Files.copy(f, work.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } else {
            for (String f : files) {
                Files.copy(source.resolve(f), work.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        npmCi(work);
        return work;
    }

    /** {@code npm ci} in {@code work}, skipped while node_modules matches the lock file it was installed from. */
    public static void npmCi(Path work) throws Exception {
        Path lock = work.resolve("package-lock.json");
        Path stamp = work.resolve("node_modules").resolve(".installed-from-lock");
        if (Files.isRegularFile(stamp) && Files.readString(stamp).equals(Files.readString(lock))) {
            return;
        }
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

    /** Whether {@code command} runs and exits 0 within 30 s. */
    public static boolean works(String... command) {
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

    /** A file's text, or what kept it from being read (for failure messages). */
    public static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }
}
