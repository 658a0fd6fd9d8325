package io.switchboard.client.load.scenario;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** docs/load-testing.md cannot drift from the parser: its YAML parses and its checks are valid. */
@Timeout(30)
class DocsTest {
    private static final Path DOC = Paths.get("..", "docs", "load-testing.md");
    private static final Path EXAMPLE = Paths.get("..", "docs", "examples", "echo-stages.yaml");
    private static final LoadSettings CLI = LoadSettings.builder().target("127.0.0.1").build();

    private static List<String> blocks(String language) throws Exception {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(DOC));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void everyYamlExampleParses() throws Exception {
        List<String> yaml = blocks("yaml");
        assertEquals(3, yaml.size(), "the doc's YAML examples");
        for (String block : yaml) {
            Scenario s = assertDoesNotThrow(() -> Scenario.parse(block, "doc", DOC.getParent(), CLI), block);
            assertTrue(!s.stages().isEmpty());
        }
    }

    @Test
    void theFullExampleIsTheCommittedFile() throws Exception {
        assertEquals(Files.readString(EXAMPLE), blocks("yaml").get(1));
    }

    @Test
    void theSocketIoExampleIsTheCommittedFile() throws Exception {
        assertEquals(Files.readString(Paths.get("..", "docs", "examples", "socketio.yaml")), blocks("yaml").get(0));
    }

    @Test
    void everyCheckInTheDocParses() throws Exception {
        Matcher m = Pattern.compile("--check '([^']+)'").matcher(Files.readString(DOC));
        int n = 0;
        while (m.find()) {
            Checks.validate(m.group(1));
            n++;
        }
        assertEquals(2, n);
    }
}
