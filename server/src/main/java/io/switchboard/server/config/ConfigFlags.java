package io.switchboard.server.config;

import io.switchboard.server.ServerConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The command-line flags of the keys, made from the table: one picocli option per key, taking
 * its value as text, so that flags are parsed and checked by the same code as the file and the
 * environment.
 */
public final class ConfigFlags {
    private ConfigFlags() {
    }

    /** Adds one option per key to the command, with the key's default in its description. */
    public static void addTo(CommandSpec spec, List<ConfigKey<?>> keys) {
        ServerConfig defaults = ServerConfig.builder().build();
        for (ConfigKey<?> key : keys) {
            String description = key.description() + " (default: " + key.display(defaults) + "; "
                    + key.envName() + "; " + key.path() + ")";
            spec.addOption(OptionSpec.builder(key.flag())
                    .paramLabel(key.type().label())
                    .type(String.class)
                    .arity("1")
                    .description(description.replace("%", "%%"))
                    .build());
        }
    }

    /** The flags given, by flag name, with their text values. */
    public static Map<String, String> values(ParseResult parsed, List<ConfigKey<?>> keys) {
        Map<String, String> values = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            OptionSpec option = parsed.commandSpec().findOption(key.flag());
            if (option != null && parsed.hasMatchedOption(option)) {
                values.put(key.flag(), option.getValue());
            }
        }
        return values;
    }
}
