package io.switchboard.client.load.scenario;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.ScenarioException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A load test read from a YAML file: named stages run in order, each a complete
 * {@link LoadSettings}, and the checks that decide the exit code. The format is documented in
 * {@code docs/load-testing.md}; in short:
 *
 * <pre>{@code
 * name: echo-ci
 * defaults:              # shared by every stage; a stage overrides any of them
 *   protocol: raw
 *   target: 127.0.0.1:7001
 *   connections: 50
 * stages:
 *   - name: ramp-up
 *     rate: {from: 1000, to: 20000}
 *     duration: 10s
 *   - name: hold
 *     rate: 20000
 *     duration: 30s
 *     checks: [p99 < 5ms, errors == 0]
 * checks:                # over the whole run
 *   - errors.timeout == 0
 * }</pre>
 *
 * @param name   the scenario's name ({@code name:}), or the file name without extension
 * @param stages the stages in the order they run; each has its {@code name} set
 * @param checks every check as one flat list: a stage's own checks are scoped to it in the check
 *               language ({@code hold: p99 < 5ms}), the top-level ones apply to the whole run;
 *               see {@link Checks#evaluate}
 */
public record Scenario(String name, List<LoadSettings> stages, List<String> checks) {

    public Scenario {
        stages = List.copyOf(stages);
        checks = List.copyOf(checks);
    }

    /**
     * Reads a scenario file. {@code defaults} are the settings before the file's own
     * {@code defaults:} (the command line's); relative payload files are resolved against the
     * file's directory.
     *
     * @throws ScenarioException with one line naming the key path (or file, line and column for
     *                           YAML syntax) when the file cannot be read or used
     */
    public static Scenario parse(Path file, LoadSettings defaults) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ScenarioException.of(file.toString(), "cannot read the scenario file (" + describe(e) + ")");
        }
        Path dir = file.toAbsolutePath().getParent();
        String base = file.getFileName().toString().replaceFirst("\\.(ya?ml)$", "");
        return new ScenarioParser(file.toString(), dir, defaults).parse(text, base);
    }

    /** Parses YAML text; {@code source} names it in syntax errors, {@code dir} resolves payload files. */
    public static Scenario parse(String yaml, String source, Path dir, LoadSettings defaults) {
        return new ScenarioParser(source, dir, defaults).parse(yaml, source);
    }

    private static String describe(IOException e) {
        String kind = e.getClass().getSimpleName();
        return switch (kind) {
            case "NoSuchFileException" -> "no such file";
            case "AccessDeniedException" -> "permission denied";
            default -> e.getMessage() == null ? kind : e.getMessage();
        };
    }
}
