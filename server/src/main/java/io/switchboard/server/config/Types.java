package io.switchboard.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.server.ServerConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.logging.log4j.Level;

/** The value types of configuration keys. Each checks its own range; the builder checks again. */
public final class Types {
    private Types() {
    }

    /** A whole number in {@code min..max}. */
    public static ValueType<Integer> integer(int min, int max) {
        return new ValueType<>() {
            @Override
            public Integer parse(String text) {
                int value = Integer.parseInt(text.trim());
                if (value < min || value > max) {
                    throw new IllegalArgumentException();
                }
                return value;
            }

            @Override
            public String expected() {
                return min + ".." + max;
            }

            @Override
            public List<String> examples() {
                return List.of(String.valueOf(min), String.valueOf(max), String.valueOf(min + (max - min) / 3));
            }

            @Override
            public String label() {
                return "N";
            }

            @Override
            public Object toYaml(Integer value) {
                return value;
            }
        };
    }

    /**
     * A size in bytes in {@code min..max}: a whole number, or one with a {@code k}, {@code m} or
     * {@code g} suffix (powers of 1024), such as {@code 64k}.
     */
    public static ValueType<Integer> bytes(int min, int max) {
        return new ValueType<>() {
            @Override
            public Integer parse(String text) {
                String t = text.trim().toLowerCase(Locale.ROOT);
                long unit = 1;
                if (!t.isEmpty()) {
                    char last = t.charAt(t.length() - 1);
                    unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : last == 'g' ? 1L << 30 : 1;
                    if (unit != 1) {
                        t = t.substring(0, t.length() - 1).trim();
                    }
                }
                long value = Math.multiplyExact(Long.parseLong(t), unit);
                if (value < min || value > max) {
                    throw new IllegalArgumentException();
                }
                return (int) value;
            }

            @Override
            public String expected() {
                return min + ".." + max + " bytes (k, m suffixes allowed)";
            }

            @Override
            public List<String> examples() {
                List<String> examples = new ArrayList<>(List.of(String.valueOf(min), String.valueOf(max),
                        String.valueOf(min + (max - min) / 3)));
                if (min <= 1024 && max >= 1024) {
                    examples.add("1k");
                }
                return examples;
            }

            @Override
            public String label() {
                return "BYTES";
            }

            @Override
            public Object toYaml(Integer value) {
                return value;
            }
        };
    }

    /** A TCP or UDP port, {@code 0} for an ephemeral one, or {@code off} ({@link ServerConfig#DISABLED}). */
    public static ValueType<Integer> port() {
        return new ValueType<>() {
            @Override
            public Integer parse(String text) {
                if ("off".equalsIgnoreCase(text.trim())) {
                    return ServerConfig.DISABLED;
                }
                int port = Integer.parseInt(text.trim());
                if (port < 0 || port > 65535) {
                    throw new IllegalArgumentException();
                }
                return port;
            }

            @Override
            public Integer fromYaml(JsonNode node) {
                // YAML 1.1 readers turn a bare off into false; take that as off too.
                if (node.isBoolean() && !node.booleanValue()) {
                    return ServerConfig.DISABLED;
                }
                return ValueType.super.fromYaml(node);
            }

            @Override
            public String expected() {
                return "0..65535, 0 for an ephemeral port, or off";
            }

            @Override
            public List<String> examples() {
                return List.of("0", "65535", "7443", "off");
            }

            @Override
            public String label() {
                return "PORT|off";
            }

            @Override
            public Object toYaml(Integer value) {
                return value == ServerConfig.DISABLED ? "off" : value;
            }
        };
    }

    /** {@code true} or {@code false}. */
    public static ValueType<Boolean> bool() {
        return new ValueType<>() {
            @Override
            public Boolean parse(String text) {
                String t = text.trim();
                if ("true".equalsIgnoreCase(t)) {
                    return true;
                }
                if ("false".equalsIgnoreCase(t)) {
                    return false;
                }
                throw new IllegalArgumentException();
            }

            @Override
            public String expected() {
                return "true or false";
            }

            @Override
            public List<String> examples() {
                return List.of("true", "false");
            }

            @Override
            public String label() {
                return "true|false";
            }

            @Override
            public Object toYaml(Boolean value) {
                return value;
            }
        };
    }

    /** Any text; the empty string is a value too. */
    public static ValueType<String> string(String label) {
        return new ValueType<>() {
            @Override
            public String parse(String text) {
                return text;
            }

            @Override
            public String expected() {
                return "text";
            }

            @Override
            public List<String> examples() {
                return List.of("s3cr3t-Token", "", "1234");
            }

            @Override
            public String label() {
                return label;
            }

            @Override
            public Object toYaml(String value) {
                return value;
            }
        };
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,18})\\s*(ms|s|m|h|d)?");

    /**
     * A duration in {@code min..max}: a whole number with a unit ({@code 500ms}, {@code 30s},
     * {@code 5m}, {@code 1h}, {@code 1d}), or a bare number in {@code bareUnit} (what the flag
     * always took).
     */
    public static ValueType<Duration> duration(ChronoUnit bareUnit, Duration min, Duration max) {
        String bare = bareUnit == ChronoUnit.MILLIS ? "milliseconds" : bareUnit == ChronoUnit.SECONDS ? "seconds"
                : bareUnit.toString().toLowerCase(Locale.ROOT);
        return new ValueType<>() {
            @Override
            public Duration parse(String text) {
                Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
                if (!m.matches()) {
                    throw new IllegalArgumentException();
                }
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2);
                Duration value = unit == null ? Duration.of(n, bareUnit) : switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                    throw new IllegalArgumentException();
                }
                return value;
            }

            @Override
            public String expected() {
                return formatDuration(min) + " to " + formatDuration(max) + " (500ms, 30s, 5m, 1h; a bare number is "
                        + bare + ")";
            }

            @Override
            public List<String> examples() {
                return List.of(formatDuration(min), formatDuration(max),
                        formatDuration(min.plus(max.minus(min).dividedBy(3))));
            }

            @Override
            public String label() {
                return "DURATION";
            }

            @Override
            public Object toYaml(Duration value) {
                return formatDuration(value);
            }
        };
    }

    /** The shortest exact form: {@code 0s}, {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}. */
    static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s != 0 && s % 86_400 == 0) {
            return s / 86_400 + "d";
        }
        if (s != 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    /** One of a fixed set of names, case-insensitive. */
    @SafeVarargs
    public static <T> ValueType<T> choice(Function<T, String> id, T... values) {
        List<T> all = List.of(values);
        String names = all.stream().map(id).collect(Collectors.joining("|"));
        String expected = all.size() == 2 ? id.apply(values[0]) + " or " + id.apply(values[1])
                : all.stream().limit(all.size() - 1L).map(id).collect(Collectors.joining(", "))
                        + " or " + id.apply(values[values.length - 1]);
        return new ValueType<>() {
            @Override
            public T parse(String text) {
                for (T value : all) {
                    if (id.apply(value).equalsIgnoreCase(text.trim())) {
                        return value;
                    }
                }
                throw new IllegalArgumentException();
            }

            @Override
            public String expected() {
                return expected;
            }

            @Override
            public List<String> examples() {
                return all.stream().map(id).collect(Collectors.toList());
            }

            @Override
            public String label() {
                return names;
            }

            @Override
            public Object toYaml(T value) {
                return id.apply(value);
            }
        };
    }

    /** An IP address, or a host name that resolves (looked up once, at start-up). */
    public static ValueType<InetAddress> address() {
        return new ValueType<>() {
            @Override
            public InetAddress parse(String text) {
                String t = text.trim();
                if (t.isEmpty()) {
                    throw new IllegalArgumentException();
                }
                try {
                    return InetAddress.getByName(t);
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException(e);
                }
            }

            @Override
            public String expected() {
                return "an IP address or a host name that resolves";
            }

            @Override
            public List<String> examples() {
                return List.of("127.0.0.1", "::1", "0.0.0.0");
            }

            @Override
            public String label() {
                return "ADDRESS";
            }

            @Override
            public Object toYaml(InetAddress value) {
                return value.getHostAddress();
            }
        };
    }

    /** A file system path; whether it must exist is the builder's check. */
    public static ValueType<Path> path(String label) {
        return new ValueType<>() {
            @Override
            public Path parse(String text) {
                if (text.isBlank()) {
                    throw new IllegalArgumentException();
                }
                try {
                    return Path.of(text.trim());
                } catch (InvalidPathException e) {
                    throw new IllegalArgumentException(e);
                }
            }

            @Override
            public String expected() {
                return "a path";
            }

            @Override
            public List<String> examples() {
                // Whether a path must exist is the builder's business; tests supply real ones.
                return List.of("/srv/switchboard");
            }

            @Override
            public String label() {
                return label;
            }

            @Override
            public Object toYaml(Path value) {
                return value.toString();
            }
        };
    }

    /** A Redis server URI: {@code redis://host:port} (or {@code rediss://} for TLS), optionally {@code /db}. */
    public static ValueType<URI> redisUri() {
        return new ValueType<>() {
            @Override
            public URI parse(String text) {
                URI uri;
                try {
                    uri = new URI(text.trim());
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException(e);
                }
                if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
                    throw new IllegalArgumentException(text);
                }
                return uri;
            }

            @Override
            public String expected() {
                return "redis://host:port";
            }

            @Override
            public List<String> examples() {
                return List.of("redis://127.0.0.1:6379", "rediss://redis.internal:6380/2");
            }

            @Override
            public String label() {
                return "redis://HOST:PORT";
            }

            /**
             * The URI with its password hidden ({@code redis://user:<redacted>@host:6379}; a user
             * part without a colon is a password to Redis clients, so all of it is hidden): what
             * {@code --print-config} and the docs show. Fed back, the marker is not a valid URI
             * character, so the value is refused instead of being taken as a wrong password.
             */
            @Override
            public Object toYaml(URI value) {
                String userInfo = value.getRawUserInfo();
                if (userInfo == null) {
                    return value.toString();
                }
                int colon = userInfo.indexOf(':');
                String hidden = colon < 0 ? ConfigKey.REDACTED : userInfo.substring(0, colon + 1) + ConfigKey.REDACTED;
                StringBuilder sb = new StringBuilder(value.getScheme()).append("://").append(hidden).append('@')
                        .append(value.getRawAuthority().substring(userInfo.length() + 1));
                if (value.getRawPath() != null) {
                    sb.append(value.getRawPath());
                }
                if (value.getRawQuery() != null) {
                    sb.append('?').append(value.getRawQuery());
                }
                return sb.toString();
            }
        };
    }

    private static final List<Level> LEVELS = List.of(Level.OFF, Level.FATAL, Level.ERROR, Level.WARN, Level.INFO,
            Level.DEBUG, Level.TRACE, Level.ALL);

    /** A log4j level name: off, fatal, error, warn, info, debug, trace or all. */
    public static ValueType<Level> level() {
        return choice(l -> l.name().toLowerCase(Locale.ROOT), LEVELS.toArray(new Level[0]));
    }

    private static final Pattern LOGGER_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*");

    /**
     * Levels per logger: a YAML mapping {@code {io.switchboard.server.http: debug}}, or on the
     * command line and in the environment {@code LOGGER=LEVEL[,LOGGER=LEVEL...]}.
     */
    public static ValueType<Map<String, Level>> loggerLevels() {
        ValueType<Level> level = level();
        return new ValueType<>() {
            @Override
            public Map<String, Level> parse(String text) {
                Map<String, Level> levels = new LinkedHashMap<>();
                if (text.isBlank()) {
                    return levels;
                }
                for (String pair : text.split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq < 0) {
                        throw new IllegalArgumentException();
                    }
                    put(levels, pair.substring(0, eq).trim(), pair.substring(eq + 1));
                }
                return Collections.unmodifiableMap(levels);
            }

            @Override
            public Map<String, Level> fromYaml(JsonNode node) {
                if (node.isTextual() || node.isNull()) {
                    return parse(node.asText(""));
                }
                if (!node.isObject()) {
                    throw new IllegalArgumentException();
                }
                Map<String, Level> levels = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getValue().isValueNode()) {
                        throw new IllegalArgumentException();
                    }
                    put(levels, e.getKey(), e.getValue().asText());
                }
                return Collections.unmodifiableMap(levels);
            }

            private void put(Map<String, Level> levels, String logger, String name) {
                if (!LOGGER_NAME.matcher(logger).matches()) {
                    throw new IllegalArgumentException();
                }
                levels.put(logger, level.parse(name));
            }

            @Override
            public String expected() {
                return "logger names with levels (" + level.expected() + "): a mapping, or LOGGER=LEVEL,...";
            }

            @Override
            public List<String> examples() {
                return List.of("io.switchboard.server.http=debug", "io.netty=info,io.switchboard=trace", "");
            }

            @Override
            public String label() {
                return "LOGGER=LEVEL,...";
            }

            @Override
            public Object toYaml(Map<String, Level> value) {
                Map<String, String> out = new LinkedHashMap<>();
                value.forEach((k, v) -> out.put(k, v.name().toLowerCase(Locale.ROOT)));
                return out;
            }

            @Override
            public String format(Map<String, Level> value) {
                return value.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(","));
            }

            @Override
            public boolean isMap() {
                return true;
            }
        };
    }
}
