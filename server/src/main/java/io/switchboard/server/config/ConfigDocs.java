package io.switchboard.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.switchboard.server.ServerConfig;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates, from the key table, the sample config file ({@code deploy/config/switchboard.yaml})
 * and the key reference of {@code docs/configuration.md}. Tests compare both files with what this
 * produces, so neither can drift from the table.
 */
public final class ConfigDocs {
    /** The doc's generated part sits between these lines. */
    public static final String BEGIN = "<!-- BEGIN GENERATED KEY TABLE: ConfigDocsTest checks it; regenerate, never edit -->";
    public static final String END = "<!-- END GENERATED KEY TABLE -->";

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();
    private static final int WIDTH = 100;

    private ConfigDocs() {
    }

    /** The sample config file: every key with its default, commented. */
    public static String sampleYaml() {
        return sampleYaml(ConfigKeys.all(), ServerConfig.builder().build());
    }

    static String sampleYaml(List<ConfigKey<?>> keys, ServerConfig defaults) {
        StringBuilder out = new StringBuilder();
        out.append("# Switchboard server configuration: every key, set to its default.\n")
                .append("# Use with: switchboard-server --config FILE (or SWITCHBOARD_CONFIG=FILE).\n")
                .append("# Precedence: command-line flag > SWITCHBOARD_* environment variable > this file > default.\n")
                .append("# An empty value or null means the default. Keys you leave out keep their defaults,\n")
                .append("# unknown keys stop start-up. docs/configuration.md describes every key.\n")
                .append("# Generated from the key table (io.switchboard.server.config.ConfigKeys): regenerate, never edit.\n");
        List<String> open = new ArrayList<>();
        for (ConfigKey<?> key : keys) {
            String[] parts = key.path().split("\\.");
            int common = 0;
            while (common < open.size() && common < parts.length - 1 && open.get(common).equals(parts[common])) {
                common++;
            }
            while (open.size() > common) {
                open.remove(open.size() - 1);
            }
            for (int depth = common; depth < parts.length - 1; depth++) {
                String indent = "  ".repeat(depth);
                if (depth == 0) {
                    String heading = ConfigKeys.SECTIONS.get(parts[0]);
                    out.append('\n');
                    if (heading != null) {
                        out.append("# ").append(heading).append('\n');
                    }
                }
                out.append(indent).append(parts[depth]).append(":\n");
                open.add(parts[depth]);
            }
            String indent = "  ".repeat(parts.length - 1);
            for (String line : wrap(key.description(), WIDTH - indent.length() - 2)) {
                out.append(indent).append("# ").append(line).append('\n');
            }
            out.append(indent).append("# ").append(key.flag()).append(" ").append(key.type().label()).append(", ")
                    .append(key.envName()).append("; ").append(key.type().expected()).append('\n');
            for (String line : yamlEntry(parts[parts.length - 1], key.yamlValue(defaults))) {
                out.append(indent).append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static List<String> yamlEntry(String name, Object value) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put(name, value);
        try {
            String text = YAML.writeValueAsString(one);
            return List.of(text.split("\n"));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generated part of the docs: one table per section. */
    public static String markdownTable() {
        return markdownTable(ConfigKeys.all(), ServerConfig.builder().build());
    }

    static String markdownTable(List<ConfigKey<?>> keys, ServerConfig defaults) {
        StringBuilder out = new StringBuilder();
        out.append(BEGIN).append('\n');
        String section = null;
        for (ConfigKey<?> key : keys) {
            String first = key.path().substring(0, key.path().indexOf('.'));
            if (!first.equals(section)) {
                section = first;
                String heading = ConfigKeys.SECTIONS.getOrDefault(first, first);
                out.append("\n### ").append(first).append("\n\n").append(heading).append("\n\n")
                        .append("| key | flag / environment variable | default | values | description |\n")
                        .append("|---|---|---|---|---|\n");
            }
            String shown = key.display(defaults);
            out.append("| `").append(key.path()).append("` | `").append(key.flag()).append("`<br>`")
                    .append(key.envName()).append("` | ").append(shown.isEmpty() ? "(empty)" : "`" + cell(shown) + "`")
                    .append(" | ")
                    .append(cell(key.type().expected())).append(" | ").append(cell(key.description()))
                    .append(" |\n");
        }
        out.append('\n').append(END).append('\n');
        return out.toString();
    }

    /** Replaces the generated part of a document with {@link #markdownTable()}. */
    public static String withTable(String document, String table) {
        int begin = document.indexOf(BEGIN);
        int end = document.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the document has no generated key table markers");
        }
        int after = end + END.length();
        if (after < document.length() && document.charAt(after) == '\n') {
            after++;
        }
        return document.substring(0, begin) + table + document.substring(after);
    }

    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines.isEmpty() ? Collections.singletonList("") : lines;
    }
}
