package io.switchboard.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.switchboard.common.transport.Transport;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.ServerConfig;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds a {@link ServerConfig} from the three sources of {@link ConfigKeys}: a YAML file,
 * {@code SWITCHBOARD_*} environment variables and command-line flags, each value overriding the
 * one before (flag > environment > file > default). Every value from every source is checked,
 * even one a later source overrides; the first bad one stops loading with a
 * {@link ConfigException} naming the key, the value, what was expected and where it came from.
 */
public final class ConfigLoader {
    /** The environment variable naming the config file when {@code --config} is not given. */
    public static final String CONFIG_ENV = ConfigKey.ENV_PREFIX + "CONFIG";

    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final List<ConfigKey<?>> keys;
    private final Map<String, ConfigKey<?>> byPath = new LinkedHashMap<>();
    private final Map<String, ConfigKey<?>> byEnv = new LinkedHashMap<>();
    private final Map<ConfigKey<?>, Setting> settings = new LinkedHashMap<>();

    /** A value and where it came from. */
    private static final class Setting {
        final Object value;
        final String raw;
        final String source;

        Setting(Object value, String raw, String source) {
            this.value = value;
            this.raw = raw;
            this.source = source;
        }
    }

    /** A loader for the given keys; normally {@link ConfigKeys#all()}. */
    public ConfigLoader(List<ConfigKey<?>> keys) {
        this.keys = List.copyOf(keys);
        for (ConfigKey<?> key : keys) {
            if (byPath.put(key.path(), key) != null || byEnv.put(key.envName(), key) != null) {
                throw new IllegalStateException("two keys named " + key.path());
            }
        }
    }

    /** A loader for every key. */
    public ConfigLoader() {
        this(ConfigKeys.all());
    }

    /** Reads a YAML file; an empty file sets nothing. */
    public ConfigLoader file(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ConfigException("config file " + file + ": not found");
        } catch (JsonProcessingException e) {
            throw notYaml("config file " + file, e);
        } catch (IOException e) {
            throw new ConfigException("config file " + file + ": cannot read: " + e.getMessage());
        }
        return yaml(root, file.toString());
    }

    /** Reads YAML text, as from a file named {@code source}. */
    public ConfigLoader yaml(String text, String source) {
        try {
            return yaml(YAML.readTree(text), source);
        } catch (JsonProcessingException e) {
            throw notYaml(source, e);
        }
    }

    /** One line: where, and SnakeYAML's own words without its multi-line context snippets. */
    private static ConfigException notYaml(String source, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String why = e.getOriginalMessage()
                .replaceAll("in 'reader', line \\d+, column \\d+:\\s*(\\S.*?\\n\\s*)?\\^", " ")
                .replaceAll("\\s+", " ").trim();
        return new ConfigException(source + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr())
                + ": not valid YAML: " + why, e);
    }

    private ConfigLoader yaml(JsonNode root, String source) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            return this;
        }
        if (!root.isObject()) {
            throw new ConfigException(source + ": " + abbreviate(root.toString())
                    + " (expected: a mapping of keys such as listeners: {framed: {port: 7000}})");
        }
        walk(root, "", source);
        return this;
    }

    private void walk(JsonNode node, String prefix, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
            JsonNode value = field.getValue();
            ConfigKey<?> key = byPath.get(path);
            if (key != null && (!value.isObject() || key.type().isMap())) {
                if (value.isNull()) {
                    continue; // empty: the default
                }
                String raw = value.isValueNode() ? value.asText() : value.toString();
                set(key, raw, source, () -> key.type().fromYaml(value));
            } else if (value.isObject() && isSection(path)) {
                walk(value, path, source);
            } else if (key != null) {
                throw new ConfigException(path + ": " + abbreviate(value.toString()) + " (expected: "
                        + key.type().expected() + ") [from " + source + "]");
            } else if (isSection(path)) {
                throw new ConfigException(path + ": " + abbreviate(value.toString())
                        + " (expected: a mapping of " + String.join(", ", childrenOf(path)) + ") [from " + source + "]");
            } else {
                throw new ConfigException("unknown key " + path + " [in " + source + "]"
                        + Suggestions.didYouMean(path, pathsAndSections()));
            }
        }
    }

    /** Every key path and every section above one: what a path in the file may be. */
    private java.util.Set<String> pathsAndSections() {
        java.util.Set<String> all = new java.util.LinkedHashSet<>();
        for (String keyPath : byPath.keySet()) {
            for (int dot = keyPath.indexOf('.'); dot > 0; dot = keyPath.indexOf('.', dot + 1)) {
                all.add(keyPath.substring(0, dot));
            }
            all.add(keyPath);
        }
        return all;
    }

    private boolean isSection(String path) {
        String p = path + ".";
        for (String keyPath : byPath.keySet()) {
            if (keyPath.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private List<String> childrenOf(String path) {
        TreeSet<String> children = new TreeSet<>();
        String p = path + ".";
        for (String keyPath : byPath.keySet()) {
            if (keyPath.startsWith(p)) {
                String rest = keyPath.substring(p.length());
                int dot = rest.indexOf('.');
                children.add(dot < 0 ? rest : rest.substring(0, dot));
            }
        }
        return new ArrayList<>(children);
    }

    /**
     * Takes values by key path ({@code http.static-root}), as text in the form a flag takes: an
     * embedding application's own defaults, given before the file, environment and flags so that
     * those override them. An unknown path stops loading.
     */
    public ConfigLoader defaults(Map<String, String> byPath, String source) {
        for (Map.Entry<String, String> e : byPath.entrySet()) {
            ConfigKey<?> key = byPath(e.getKey());
            String raw = e.getValue();
            set(key, raw, source, () -> key.type().parse(raw));
        }
        return this;
    }

    private ConfigKey<?> byPath(String path) {
        ConfigKey<?> key = this.byPath.get(path);
        if (key == null) {
            throw new ConfigException("unknown key " + path + Suggestions.didYouMean(path, this.byPath.keySet()));
        }
        return key;
    }

    /**
     * Takes the {@code SWITCHBOARD_*} variables of an environment. An empty value means the
     * default; an unknown {@code SWITCHBOARD_*} name stops loading ({@value #CONFIG_ENV} excepted).
     */
    public ConfigLoader environment(Map<String, String> environment) {
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(environment).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(ConfigKey.ENV_PREFIX) || name.equals(CONFIG_ENV)) {
                continue;
            }
            ConfigKey<?> key = byEnv.get(name);
            if (key == null) {
                throw new ConfigException("unknown environment variable " + name
                        + Suggestions.didYouMean(name, byEnv.keySet())
                        + " (every " + ConfigKey.ENV_PREFIX + "* variable must name a configuration key)");
            }
            String raw = e.getValue();
            if (raw.isEmpty()) {
                continue;
            }
            set(key, raw, name, () -> key.type().parse(raw));
        }
        return this;
    }

    /** Takes flag values by flag name ({@code --framed-port}); see {@link ConfigFlags}. */
    public ConfigLoader flags(Map<String, String> flagValues) {
        Map<String, ConfigKey<?>> byFlag = new LinkedHashMap<>();
        keys.forEach(k -> byFlag.put(k.flag(), k));
        for (Map.Entry<String, String> e : flagValues.entrySet()) {
            ConfigKey<?> key = byFlag.get(e.getKey());
            if (key == null) {
                throw new ConfigException("unknown option " + e.getKey() + Suggestions.didYouMean(e.getKey(),
                        byFlag.keySet()));
            }
            String raw = e.getValue();
            set(key, raw, e.getKey(), () -> key.type().parse(raw));
        }
        return this;
    }

    private void set(ConfigKey<?> key, String raw, String source, java.util.function.Supplier<Object> parse) {
        if (key.secret() && ConfigKey.REDACTED.equals(raw.trim())) {
            throw new ConfigException(key.path() + ": " + raw + " (expected: the secret itself; --print-config "
                    + "hides secrets, so put them back in a copy of its output) [from " + source + "]");
        }
        Object value;
        try {
            value = parse.get();
        } catch (RuntimeException e) {
            throw new ConfigException(key.path() + ": " + shown(key, raw) + " (expected: " + key.type().expected()
                    + ") [from " + source + "]");
        }
        settings.put(key, new Setting(value, raw, source));
    }

    /** The value of a key after the sources so far, or {@code null} when none set it. */
    Object value(ConfigKey<?> key) {
        Setting s = settings.get(key);
        return s == null ? null : s.value;
    }

    /** Where the value of a key came from, or {@code null} when it is the default. */
    public String source(ConfigKey<?> key) {
        Setting s = settings.get(key);
        return s == null ? null : s.source;
    }

    /**
     * Applies every value to a fresh builder, in table order, and builds.
     *
     * @throws ConfigException when the builder refuses a value, or a combination of them
     */
    public ServerConfig load() {
        ServerConfig.Builder builder = ServerConfig.builder();
        for (ConfigKey<?> key : keys) {
            Setting s = settings.get(key);
            if (s != null) {
                try {
                    applyUnchecked(key, builder, s.value);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(refusal(key, s, e.getMessage()), e);
                }
            }
        }
        checkEpollModeTransport();
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage().replace('\n', ' '), e);
        }
    }

    /**
     * An epoll mode with a transport forced to something other than epoll is a configuration
     * error, known before anything starts (exit code 2), not a start-up failure. With
     * {@code auto} it is left to start-up: whether epoll loads is only known then.
     */
    private void checkEpollModeTransport() {
        Setting mode = settings.get(byPath.get("transport.epoll-mode"));
        Setting type = settings.get(byPath.get("transport.type"));
        if (mode == null || mode.value == null || type == null) {
            return;
        }
        Transport forced = ((TransportChoice) type.value).forced();
        if (forced != null && forced != Transport.EPOLL) {
            throw new ConfigException("transport.epoll-mode: " + shown(byPath.get("transport.epoll-mode"), mode.raw)
                    + " (expected: unset unless transport.type is epoll or auto; transport.type is "
                    + forced.id() + " [from " + type.source + "]) [from " + mode.source + "]");
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void applyUnchecked(ConfigKey<T> key, ServerConfig.Builder builder, Object value) {
        key.apply(builder, (T) value);
    }

    /** {@code key: value (expected: ...) [from source]}, taking the builder's expectation. */
    private static String refusal(ConfigKey<?> key, Setting s, String message) {
        String m = message == null ? "refused" : message.replace('\n', ' ');
        int expected = m.indexOf("(expected:");
        String why = expected >= 0 ? m.substring(expected) : "(" + m + ")";
        return key.path() + ": " + shown(key, s.raw) + " " + why + " [from " + s.source + "]";
    }

    private static String shown(ConfigKey<?> key, String raw) {
        if (key.secret()) {
            return ConfigKey.REDACTED;
        }
        return raw.isEmpty() ? "\"\"" : abbreviate(raw);
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() <= 120 ? one : one.substring(0, 117) + "...";
    }
}
