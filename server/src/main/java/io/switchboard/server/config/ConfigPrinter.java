package io.switchboard.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.switchboard.common.Version;
import io.switchboard.server.ServerConfig;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a configuration as YAML in the config file's own shape, every key present (unset
 * optionals as {@code null}), secrets as {@value ConfigKey#REDACTED}: what {@code --print-config}
 * prints, and a valid config file again.
 */
public final class ConfigPrinter {
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .build();

    private ConfigPrinter() {
    }

    /** The configuration as YAML, with a comment line saying what it is. */
    public static String print(ServerConfig config) {
        return print(config, ConfigKeys.all());
    }

    static String print(ServerConfig config, List<ConfigKey<?>> keys) {
        try {
            return "# effective configuration of switchboard-server " + Version.get() + " (secrets shown as "
                    + ConfigKey.REDACTED + ")\n" + YAML.writeValueAsString(tree(config, keys));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The values as nested maps, in the shape of the YAML file. */
    static Map<String, Object> tree(ServerConfig config, List<ConfigKey<?>> keys) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            String[] parts = key.path().split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) node.computeIfAbsent(parts[i],
                        k -> new LinkedHashMap<String, Object>());
                node = child;
            }
            node.put(parts[parts.length - 1], key.yamlValue(config));
        }
        return root;
    }
}
