package io.switchboard.server.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.switchboard.server.ServerConfig;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Coverage-guided fuzzing of the YAML configuration file (docs/fuzzing.md): the input, as UTF-8,
 * is a file for {@link ConfigLoader#yaml(String, String)} followed by {@link ConfigLoader#load()}.
 *
 * <p>Properties: the result is a {@link ServerConfig}, or a {@link ConfigException} (never another
 * exception) whose message is one non-blank line that names a configuration key or section, or
 * the file itself (for YAML syntax and a document that is not a mapping); and printing an accepted
 * configuration ({@link ConfigPrinter}, what {@code --print-config} shows) loads back to the
 * same printout (secrets aside, which it hides).
 */
class ConfigLoaderFuzzTest {
    private static final String SOURCE = "fuzz.yaml";
    private static final Set<String> NAMES = names();

    private static Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            String path = key.path();
            names.add(path);
            for (int dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
                names.add(path.substring(0, dot));
            }
        }
        return names;
    }

    @FuzzTest(maxDuration = "20s")
    void load(byte[] input) {
        String yaml = new String(input, UTF_8);
        ServerConfig config;
        try {
            config = new ConfigLoader().yaml(yaml, SOURCE).load();
        } catch (ConfigException e) {
            String message = e.getMessage();
            assertNotNull(message);
            assertFalse(message.isBlank(), "blank message");
            assertFalse(message.contains("\n") || message.contains("\r"), () -> "not one line: " + message);
            assertTrue(message.contains(SOURCE) || NAMES.stream().anyMatch(message::contains),
                    () -> "names no key: " + message);
            return;
        }
        assertNotNull(config);
        String printed = ConfigPrinter.print(config);
        ServerConfig again;
        try {
            again = new ConfigLoader().yaml(printed, "printed.yaml").load();
        } catch (ConfigException e) {
            // --print-config hides secrets; anything else it prints must load
            assertTrue(e.getMessage().contains("hides secrets"), () -> "printed configuration refused: " + e.getMessage()
                    + "\n" + printed);
            return;
        }
        assertEquals(printed, ConfigPrinter.print(again), "the printed configuration loads back to itself");
    }
}
