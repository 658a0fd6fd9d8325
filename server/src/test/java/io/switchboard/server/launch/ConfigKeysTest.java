package io.switchboard.server.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.config.ConfigException;
import io.switchboard.server.config.ConfigKey;
import io.switchboard.server.config.ConfigKeys;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.ConfigPrinter;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Walks the key table: every key is settable by the file, its environment variable and its flag,
 * with flag > environment > file > default; every value survives {@code --print-config} and a
 * reload; every getter of {@link ServerConfig} is reached by some key; names are unique.
 */
@Timeout(60)
class ConfigKeysTest {
    /** Flags the README documented before the key table; they must keep working. */
    private static final List<String> DOCUMENTED_FLAGS = List.of("--bind", "--framed-port", "--echo-port",
            "--udp-port", "--http-port", "--static-root", "--http-max-initial-line", "--http-max-header",
            "--http-max-body", "--http-idle-timeout", "--http-zero-copy", "--transport", "--epoll-mode",
            "--io-threads", "--max-frame-length", "--max-datagram", "--idle-timeout", "--auth-token",
            "--max-rooms-per-session", "--max-room-name", "--max-payload", "--slow-consumer", "--peer-ack-timeout",
            "--leak-detection");

    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    static Path dir;
    private static Path dirA;
    private static Path dirB;
    private static Path fileA;
    private static Path fileB;

    @BeforeAll
    static void files() throws IOException {
        dirA = Files.createDirectory(dir.resolve("a"));
        dirB = Files.createDirectory(dir.resolve("b"));
        fileA = Files.writeString(dir.resolve("a.txt"), "a\n");
        fileB = Files.writeString(dir.resolve("b.txt"), "b\n");
    }

    /**
     * Settings a key's non-default values need to build (a TLS listener needs a certificate and
     * key): other keys' flags, applied with every value of the key.
     */
    private static List<String> companions(ConfigKey<?> key) {
        if (key.path().matches("listeners\\.[a-z]+\\.tls")) {
            return List.of("--tls-cert", fileA.toString(), "--tls-key", fileB.toString());
        }
        if (key.path().equals("limits.rate-burst")) {
            return List.of("--rate-limit", "100"); // a burst means nothing without a rate
        }
        if (key.path().equals("tls.cert")) {
            return List.of("--tls-key", fileB.toString());
        }
        if (key.path().equals("tls.key")) {
            return List.of("--tls-cert", fileA.toString());
        }
        return List.of();
    }

    static Stream<String> keys() {
        return ConfigKeys.all().stream().map(ConfigKey::path);
    }

    private static ConfigKey<?> key(String path) {
        return ConfigKeys.all().stream().filter(k -> k.path().equals(path)).findFirst().orElseThrow();
    }

    /** The texts to try for a key: its type's examples, or real directories and files for paths. */
    private static List<String> candidates(ConfigKey<?> key) {
        if (key.type().label().equals("DIR") || key.type().label().equals("FILE")
                || key.type().examples().equals(List.of("/srv/switchboard"))) {
            return List.of(dirA.toString(), dirB.toString(), fileA.toString(), fileB.toString());
        }
        return key.type().examples();
    }

    /** Two texts for the key that both build and read back as different values, at least one not the default. */
    private static List<String> twoValues(ConfigKey<?> key) {
        Object defaultValue = key.read(ServerConfig.builder().build());
        List<String> usable = new ArrayList<>();
        Set<Object> seen = new HashSet<>();
        for (String text : candidates(key)) {
            ServerConfig config;
            try {
                config = withFlag(key, text);
            } catch (IllegalArgumentException e) {
                continue;
            }
            Object value = key.read(config);
            if (value != null && seen.add(value)) {
                usable.add(text);
            }
        }
        usable.sort((a, b) -> Boolean.compare(isDefault(key, a, defaultValue), isDefault(key, b, defaultValue)));
        if (usable.size() < 2 || isDefault(key, usable.get(0), defaultValue)) {
            fail(key.path() + ": the examples " + candidates(key) + " give fewer than two values that build, "
                    + "or none but the default; add the settings it needs to companions()");
        }
        return usable.subList(0, 2);
    }

    private static boolean isDefault(ConfigKey<?> key, String text, Object defaultValue) {
        return Objects.equals(key.read(withFlag(key, text)), defaultValue);
    }

    private static ServerConfig withFlag(ConfigKey<?> key, String text) {
        List<String> args = new ArrayList<>(companions(key));
        args.add(key.flag());
        args.add(text);
        return parse(Map.of(), null, args);
    }

    private static ServerConfig parse(Map<String, String> env, Path file, List<String> flags) {
        List<String> args = new ArrayList<>();
        if (file != null) {
            args.add("--config");
            args.add(file.toString());
        }
        args.addAll(flags);
        return ServerMain.parse(ServerMain.commandLine(new ServerMain()), env, args.toArray(new String[0])).config;
    }

    /** A YAML file setting the key, written as the YAML of its type (a number as a number, a map as a map). */
    private static Path file(ConfigKey<?> key, String text) throws IOException {
        Object yaml = yamlOf(key, text);
        String[] parts = key.path().split("\\.");
        Object tree = yaml;
        for (int i = parts.length - 1; i >= 0; i--) {
            Map<String, Object> level = new LinkedHashMap<>();
            level.put(parts[i], tree);
            tree = level;
        }
        Path file = Files.createTempFile(dir, "key", ".yaml");
        YAML.writeValue(file.toFile(), tree);
        return file;
    }

    @SuppressWarnings("unchecked")
    private static <T> Object yamlOf(ConfigKey<T> key, String text) {
        return key.type().toYaml(key.type().parse(text));
    }

    @SuppressWarnings("unchecked")
    private static <T> Object parsed(ConfigKey<T> key, String text) {
        return key.read(withFlag(key, text));
    }

    @ParameterizedTest
    @MethodSource("keys")
    void settableByFileEnvironmentAndFlagWithPrecedence(String path) throws IOException {
        ConfigKey<?> key = key(path);
        List<String> two = twoValues(key);
        String v1 = two.get(0);
        String v2 = two.get(1);
        Object value1 = parsed(key, v1);
        Object value2 = parsed(key, v2);
        assertNotEquals(value1, value2);
        List<String> companions = companions(key);
        Map<String, String> env1 = Map.of(key.envName(), v1);
        Map<String, String> env2 = Map.of(key.envName(), v2);
        List<String> flag1 = concat(companions, key.flag(), v1);
        List<String> flag2 = concat(companions, key.flag(), v2);

        assertEquals(value1, key.read(parse(Map.of(), file(key, v1), companions)), "file");
        assertEquals(value1, key.read(parse(env1, null, companions)), "environment");
        assertEquals(value1, key.read(parse(Map.of(), null, flag1)), "flag");
        assertEquals(value2, key.read(parse(env2, file(key, v1), companions)), "environment over file");
        assertEquals(value1, key.read(parse(env1, file(key, v2), companions)), "environment over file");
        assertEquals(value2, key.read(parse(env1, null, flag2)), "flag over environment");
        assertEquals(value2, key.read(parse(Map.of(), file(key, v1), flag2)), "flag over file");
        assertEquals(value1, key.read(parse(env2, file(key, v2), flag1)), "flag over environment and file");
    }

    @ParameterizedTest
    @MethodSource("keys")
    void everyValueSurvivesPrintConfigAndReload(String path) throws IOException {
        ConfigKey<?> key = key(path);
        for (String text : twoValues(key)) {
            ServerConfig config = withFlag(key, text);
            String printed = ConfigPrinter.print(config);
            Path file = Files.writeString(Files.createTempFile(dir, "printed", ".yaml"), printed);
            if (key.secret() && !text.isEmpty()) {
                assertFalse(printed.contains(text), "secret printed");
                assertTrue(printed.contains(ConfigKey.REDACTED), printed);
                ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                        () -> parse(Map.of(), file, List.of()));
                assertTrue(refused.getMessage().startsWith(key.path() + ": <redacted> (expected: the secret itself"),
                        refused.getMessage());
                continue;
            }
            ServerConfig reloaded = parse(Map.of(), file, List.of());
            assertEquals(key.read(config), key.read(reloaded), printed);
            assertEquals(printed, ConfigPrinter.print(reloaded));
        }
    }

    @Test
    void defaultsSurvivePrintConfigAndReload() throws IOException {
        ServerConfig defaults = ServerConfig.builder().build();
        String printed = ConfigPrinter.print(defaults);
        Path file = Files.writeString(dir.resolve("defaults.yaml"), printed);
        assertEquals(printed, ConfigPrinter.print(parse(Map.of(), file, List.of())));
        for (ConfigKey<?> key : ConfigKeys.all()) {
            String leaf = key.path().substring(key.path().lastIndexOf('.') + 1);
            assertTrue(printed.contains(leaf + ":"), key.path());
        }
    }

    /**
     * Every getter of ServerConfig changes its answer under some key's value: no setting is out of
     * the operator's reach.
     */
    @Test
    void everyServerConfigGetterIsReachedBySomeKey() throws Exception {
        List<Method> getters = new ArrayList<>();
        for (Method m : ServerConfig.class.getDeclaredMethods()) {
            int mod = m.getModifiers();
            boolean listenerArg = m.getParameterCount() == 1 && m.getParameterTypes()[0] == Listener.class;
            if (Modifier.isPublic(mod) && !Modifier.isStatic(mod) && m.getReturnType() != void.class
                    && (m.getParameterCount() == 0 || listenerArg)) {
                getters.add(m);
            }
        }
        ServerConfig defaults = ServerConfig.builder().build();
        Map<String, Object> defaultAnswers = answers(getters, defaults);
        Set<String> unreached = new TreeSet<>(defaultAnswers.keySet());
        for (ConfigKey<?> key : ConfigKeys.all()) {
            for (String text : candidates(key)) {
                ServerConfig config;
                try {
                    config = withFlag(key, text);
                } catch (IllegalArgumentException e) {
                    continue;
                }
                Map<String, Object> answers = answers(getters, config);
                unreached.removeIf(getter -> !Objects.equals(answers.get(getter), defaultAnswers.get(getter)));
            }
        }
        assertEquals(Set.of(), unreached, "ServerConfig getters no configuration key changes: add keys for them");
    }

    private static Map<String, Object> answers(List<Method> getters, ServerConfig config)
            throws IllegalAccessException, InvocationTargetException {
        Map<String, Object> answers = new HashMap<>();
        for (Method m : getters) {
            if (m.getParameterCount() == 0) {
                answers.put(m.getName() + "()", m.invoke(config));
            } else {
                for (Listener listener : Listener.values()) {
                    answers.put(m.getName() + "(" + listener.id() + ")", m.invoke(config, listener));
                }
            }
        }
        // Only whether a listener may speak TLS varies by listener for TLS; collapse the per-listener
        // answers of a getter into one so that any listener's change counts for the getter.
        Map<String, Object> collapsed = new HashMap<>();
        answers.forEach((name, value) -> {
            String getter = name.substring(0, name.indexOf('('));
            collapsed.merge(getter, new ArrayList<>(Arrays.asList(name, value)), (a, b) -> {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) a;
                list.addAll((List<?>) b);
                return list;
            });
        });
        Map<String, Object> sorted = new HashMap<>();
        collapsed.forEach((getter, list) -> sorted.put(getter, new TreeSet<>(((List<?>) list).stream()
                .map(String::valueOf).collect(java.util.stream.Collectors.toList()))));
        return sorted;
    }

    @Test
    void namesAreUniqueAndWellFormed() {
        Set<String> paths = new HashSet<>();
        Set<String> envs = new HashSet<>();
        Set<String> flags = new HashSet<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertTrue(paths.add(key.path()), "duplicate path " + key.path());
            assertTrue(envs.add(key.envName()), "duplicate environment variable " + key.envName());
            assertTrue(flags.add(key.flag()), "duplicate flag " + key.flag());
            assertEquals(key.envName(), "SWITCHBOARD_" + key.path().toUpperCase(java.util.Locale.ROOT)
                    .replace('.', '_').replace('-', '_'));
            assertFalse(key.description().isBlank(), key.path());
            assertNotEquals(ConfigLoader.CONFIG_ENV, key.envName());
        }
        for (String path : paths) {
            for (String other : paths) {
                assertFalse(other.startsWith(path + "."), path + " is a key and also a section of " + other);
            }
        }
        assertTrue(flags.containsAll(DOCUMENTED_FLAGS), "documented flags without a key: "
                + DOCUMENTED_FLAGS.stream().filter(f -> !flags.contains(f)).collect(java.util.stream.Collectors.toList()));
        assertFalse(flags.contains("--config") || flags.contains("--print-config") || flags.contains("--help"));
    }

    private static List<String> concat(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(Arrays.asList(tail));
        return all;
    }
}
