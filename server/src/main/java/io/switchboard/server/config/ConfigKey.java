package io.switchboard.server.config;

import io.switchboard.server.ServerConfig;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One configuration key: its YAML path, the environment variable and command-line flag that set it
 * too, its type and range, a one-line description, and how it lands on {@link ServerConfig.Builder}
 * and is read back from a {@link ServerConfig}. The default is whatever the builder holds, so it
 * is written down in one place only. Keys are declared in {@link ConfigKeys}.
 *
 * @param <T> the value's Java type
 */
public final class ConfigKey<T> {
    /** Environment variables of keys start with this. */
    public static final String ENV_PREFIX = "SWITCHBOARD_";
    /** What a secret value is printed as; refused as a value so that a printed config is never half-secret. */
    public static final String REDACTED = "<redacted>";

    private static final Pattern PATH = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+");
    private static final Pattern FLAG = Pattern.compile("--[a-z][a-z0-9-]*");

    private final String path;
    private final String flag;
    private final ValueType<T> type;
    private final String description;
    private final BiConsumer<ServerConfig.Builder, T> apply;
    private final Function<ServerConfig, T> read;
    private final boolean secret;

    private ConfigKey(Builder<T> b) {
        this.path = b.path;
        this.flag = Objects.requireNonNull(b.flag, () -> path + ": no flag");
        this.type = b.type;
        this.description = Objects.requireNonNull(b.description, () -> path + ": no description");
        this.apply = Objects.requireNonNull(b.apply, () -> path + ": no apply");
        this.read = Objects.requireNonNull(b.read, () -> path + ": no read");
        this.secret = b.secret;
        if (!FLAG.matcher(flag).matches()) {
            throw new IllegalArgumentException(path + ": flag " + flag + " (expected: --lower-case-words)");
        }
    }

    /**
     * Starts a key.
     *
     * @param path where it sits in the YAML file, dot-separated lower-case words with dashes,
     *     at least two levels deep: {@code listeners.framed.port}
     */
    public static <T> Builder<T> key(String path, ValueType<T> type) {
        return new Builder<>(path, type);
    }

    /** The YAML path, such as {@code listeners.framed.port}. */
    public String path() {
        return path;
    }

    /** The environment variable: {@code SWITCHBOARD_} and the path upper-cased, dots and dashes as underscores. */
    public String envName() {
        return envName(path);
    }

    /** The environment variable name of a YAML path. */
    public static String envName(String path) {
        return ENV_PREFIX + path.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The command-line flag, such as {@code --framed-port}. */
    public String flag() {
        return flag;
    }

    public ValueType<T> type() {
        return type;
    }

    /** One line for the docs, the sample file and the usage help. */
    public String description() {
        return description;
    }

    /** Whether the value is a secret: printed as {@value #REDACTED}, never logged. */
    public boolean secret() {
        return secret;
    }

    /** Sets the value on the builder; a {@code null} value means the builder's default and is not applied. */
    void apply(ServerConfig.Builder builder, T value) {
        if (value != null) {
            apply.accept(builder, value);
        }
    }

    /** The value a configuration holds for this key; {@code null} when it holds none (an unset optional). */
    public T read(ServerConfig config) {
        return read.apply(config);
    }

    /** The value in YAML form, redacted for secrets; {@code null} when unset. */
    Object yamlValue(ServerConfig config) {
        T value = read(config);
        if (value == null) {
            return null;
        }
        return secret && !isEmpty(value) ? REDACTED : type.toYaml(value);
    }

    /** The value as the docs show it, redacted for secrets; {@code none} when unset. */
    String display(ServerConfig config) {
        T value = read(config);
        if (value == null) {
            return "none";
        }
        if (secret && !isEmpty(value)) {
            return REDACTED;
        }
        return type.format(value);
    }

    private static boolean isEmpty(Object value) {
        return value instanceof CharSequence && ((CharSequence) value).length() == 0;
    }

    @Override
    public String toString() {
        return path;
    }

    /** Builds a {@link ConfigKey}; every part but {@link #secret()} is required. */
    public static final class Builder<T> {
        private final String path;
        private final ValueType<T> type;
        private String flag;
        private String description;
        private BiConsumer<ServerConfig.Builder, T> apply;
        private Function<ServerConfig, T> read;
        private boolean secret;

        private Builder(String path, ValueType<T> type) {
            if (!PATH.matcher(path).matches()) {
                throw new IllegalArgumentException("key path: " + path + " (expected: lower-case words with dashes, "
                        + "separated by dots, at least two levels)");
            }
            this.path = path;
            this.type = Objects.requireNonNull(type, "type");
        }

        /** The command-line flag, {@code --lower-case-words}. */
        public Builder<T> flag(String flag) {
            this.flag = flag;
            return this;
        }

        /** One line: what the key does and what its special values mean (not its default: that is read). */
        public Builder<T> description(String description) {
            this.description = description;
            return this;
        }

        /** How a value lands on the builder (the builder checks it again and may refuse it). */
        public Builder<T> apply(BiConsumer<ServerConfig.Builder, T> apply) {
            this.apply = apply;
            return this;
        }

        /** How the value is read back from a configuration, for {@code --print-config} and the defaults. */
        public Builder<T> read(Function<ServerConfig, T> read) {
            this.read = read;
            return this;
        }

        /** Marks the value secret: {@code --print-config} and the docs show {@value ConfigKey#REDACTED}. */
        public Builder<T> secret() {
            this.secret = true;
            return this;
        }

        public ConfigKey<T> build() {
            return new ConfigKey<>(this);
        }
    }
}
