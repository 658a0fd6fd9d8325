package io.switchboard.client.load.scenario;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.ScenarioException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of the load tool's scenario files (docs/fuzzing.md); the check
 * expressions have {@link CheckFuzzTest}. Each input is UTF-8 text.
 *
 * <p>{@link Scenario#parse(String, String, Path, LoadSettings)} gives a scenario
 * or a {@link ScenarioException}, never another exception; its message is one non-blank line
 * that starts with its key path (or the file name, for YAML syntax), as its Javadoc promises; an
 * accepted scenario has at least one stage, and each of its checks parses.
 */
class ScenarioFuzzTest {
    private static final LoadSettings CLI = LoadSettings.builder().target("127.0.0.1").build();
    private static Path dir;

    private static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("scenario-fuzz");
                Files.writeString(dir.resolve("payload.bin"), "payload\n");
                dir.toFile().deleteOnExit();
                dir.resolve("payload.bin").toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    @FuzzTest(maxDuration = "20s")
    void scenario(byte[] input) {
        String yaml = new String(input, UTF_8);
        Scenario scenario;
        try {
            scenario = Scenario.parse(yaml, "fuzz.yaml", dir(), CLI);
        } catch (ScenarioException e) {
            String message = e.getMessage();
            assertNotNull(e.key());
            assertFalse(message.isBlank(), "blank message");
            assertFalse(message.contains("\n") || message.contains("\r"), () -> "not one line: " + message);
            assertTrue(message.startsWith(ScenarioException.oneLine(e.key()) + ": "), () -> "does not start with its key: " + message);
            return;
        }
        assertFalse(scenario.stages().isEmpty(), "a scenario without stages");
        for (String check : scenario.checks()) {
            Check.parse(check);
        }
    }
}
