package io.switchboard.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.switchboard.server.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sample config file and the key reference in the docs are what the key table generates, so
 * they cannot drift. Run with {@code -Dswitchboard.regenerate=true} to rewrite both after changing
 * keys (then review the diff).
 */
@Timeout(30)
class ConfigDocsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path SAMPLE = ROOT.resolve("deploy/config/switchboard.yaml");
    private static final Path DOC = ROOT.resolve("docs/configuration.md");
    private static final boolean REGENERATE = Boolean.getBoolean("switchboard.regenerate");

    @Test
    void sampleFileIsGeneratedFromTheTable() throws IOException {
        String generated = ConfigDocs.sampleYaml();
        if (REGENERATE) {
            Files.createDirectories(SAMPLE.getParent());
            Files.writeString(SAMPLE, generated);
        }
        assertEquals(generated, Files.readString(SAMPLE), SAMPLE + " is stale: rerun this test with "
                + "-Dswitchboard.regenerate=true and review the diff");
    }

    @Test
    void sampleFileLoadsToTheDefaultsAndHoldsEveryKey() throws IOException {
        ServerConfig loaded = new ConfigLoader().file(SAMPLE).load();
        assertEquals(ConfigPrinter.print(ServerConfig.builder().build()), ConfigPrinter.print(loaded));
        JsonNode tree = new YAMLMapper().readTree(SAMPLE.toFile());
        for (ConfigKey<?> key : ConfigKeys.all()) {
            JsonNode node = tree;
            for (String part : key.path().split("\\.")) {
                node = node.path(part);
            }
            assertTrue(!node.isMissingNode(), key.path() + " missing from " + SAMPLE);
        }
        String text = Files.readString(SAMPLE);
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertTrue(text.contains(key.envName()) && text.contains(key.flag() + " "), key.path() + " not commented");
        }
    }

    @Test
    void docKeyTableIsGeneratedFromTheTable() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        String generated = ConfigDocs.withTable(doc, ConfigDocs.markdownTable());
        if (REGENERATE) {
            Files.writeString(DOC, generated);
        }
        assertEquals(generated, doc, DOC + " key table is stale: rerun this test with "
                + "-Dswitchboard.regenerate=true and review the diff");
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertTrue(doc.contains("| `" + key.path() + "` |"), key.path() + " not in " + DOC);
        }
    }
}
