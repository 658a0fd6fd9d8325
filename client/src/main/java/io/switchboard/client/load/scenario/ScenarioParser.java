package io.switchboard.client.load.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.switchboard.client.load.Arrivals;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.ScenarioException;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.workload.Target;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Walks a scenario's YAML tree and fills {@link LoadSettings.Builder}s, checking every key and
 * value on the way so that each problem is one message with its key path. Package-private: the
 * entry point is {@link Scenario#parse}.
 */
final class ScenarioParser {
    /** Stage names double as HdrHistogram log tags and check scopes: no spaces, commas or colons. */
    static final Pattern STAGE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private static final Set<String> TOP_KEYS = Set.of("name", "description", "defaults", "stages", "checks");
    /** Keys a stage (and {@code defaults}) may set, in documentation order. */
    static final List<String> SETTING_KEYS = List.of("protocol", "target", "connections", "pipeline", "threads",
            "rate", "arrivals", "seed", "duration", "requests", "warmup", "ramp_up", "payload", "timeout",
            "transport", "epoll_mode", "sources", "method", "headers", "mode", "token", "room", "tls", "insecure", "ca",
            "tls_server_name", "min_achieved", "options");
    private static final Set<String> RATE_KEYS = Set.of("from", "to", "over");
    private static final Set<String> PAYLOAD_KEYS = Set.of("size", "min", "max", "file");
    private static final Set<String> FRAMED_MODES = Set.of("echo", "ping", "publish");
    /**
     * The {@code options} each workload reads (the Javadoc of each {@code *Workload} class); a
     * key outside these would be silently ignored by the workload, so the parser rejects it.
     */
    static final Map<Protocol, List<String>> OPTION_KEYS = Map.of(
            Protocol.RAW, List.of(),
            Protocol.FRAMED, List.of(),
            Protocol.HTTP, List.of(),
            Protocol.UDP, List.of("drain"),
            Protocol.WS, List.of("ws_mode", "ws_frame"),
            Protocol.FANOUT, List.of("subscribers", "rooms", "publishers", "drain"),
            Protocol.CONNSCALE, List.of("handshake", "heartbeat", "ports_per_address"),
            Protocol.SOCKETIO, List.of("workload", "transport", "path", "auth", "query", "event", "args",
                    "join_event", "publish_event", "subscribers", "rooms", "publishers", "drain"));
    private static final Pattern TLS_SERVER_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
    private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    /** LoadSettings' own names for values it rejects, mapped to the scenario's keys. */
    private static final Map<String, String> SETTING_NAMES = Map.of(
            "rate-from", "rate.from", "rate-ramp", "rate.over", "ramp-up", "ramp_up", "header", "headers",
            "epoll-mode", "epoll_mode", "tls-server-name", "tls_server_name", "min-achieved", "min_achieved");

    private static final YAMLMapper YAML = YAMLMapper.builder(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String source;
    private final Path dir;
    private final LoadSettings cliDefaults;

    ScenarioParser(String source, Path dir, LoadSettings cliDefaults) {
        this.source = source;
        this.dir = dir;
        this.cliDefaults = cliDefaults;
    }

    Scenario parse(String yaml, String fallbackName) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? source : source + ":" + at.getLineNr() + ":" + at.getColumnNr();
            throw ScenarioException.of(where, e.getOriginalMessage().replaceAll("\\s+", " ").trim());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw ScenarioException.of(source, "the file is empty (expected a mapping with stages)");
        }
        requireType(root, "", JsonNodeType.OBJECT, "a mapping with stages, and optionally name, description, defaults and checks");
        for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!TOP_KEYS.contains(key)) {
                throw new ScenarioException(key, "unknown key", "one of " + String.join(", ", sorted(TOP_KEYS)) + " at the top level");
            }
        }
        String name = root.has("name") ? text(root.get("name"), "name") : fallbackName;
        if (root.has("description")) {
            text(root.get("description"), "description");
        }

        JsonNode defaults = root.get("defaults");
        if (defaults != null) {
            requireType(defaults, "defaults", JsonNodeType.OBJECT, "a mapping of stage settings");
            // checked once on its own so that its errors name defaults.*, not the first stage
            apply(defaults, "defaults", cliDefaults.toBuilder(), new LinkedHashMap<>(), false);
        }

        JsonNode stagesNode = root.get("stages");
        if (stagesNode == null || stagesNode.isNull()) {
            throw ScenarioException.of("stages", "missing (expected a list of stages, each with a name)");
        }
        requireType(stagesNode, "stages", JsonNodeType.ARRAY, "a list of stages, each with a name");
        if (stagesNode.isEmpty()) {
            throw ScenarioException.of("stages", "empty (expected at least one stage)");
        }
        List<LoadSettings> stages = new ArrayList<>();
        List<JsonNode> stageChecks = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < stagesNode.size(); i++) {
            String path = "stages[" + i + "]";
            JsonNode stage = stagesNode.get(i);
            requireType(stage, path, JsonNodeType.OBJECT, "a mapping with a name and stage settings");
            JsonNode nameNode = stage.get("name");
            if (nameNode == null || nameNode.isNull()) {
                throw ScenarioException.of(path + ".name", "missing (every stage needs a name)");
            }
            String stageName = nameNode.isNumber() ? nameNode.asText() : text(nameNode, path + ".name");
            if (!STAGE_NAME.matcher(stageName).matches()) {
                throw new ScenarioException(path + ".name", ScenarioException.quote(stageName),
                        "1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
            }
            if (!names.add(stageName)) {
                throw new ScenarioException(path + ".name", ScenarioException.quote(stageName), "a name no other stage has");
            }
            // defaults may be incomplete on their own (a stage adds the target, say), so each stage
            // replays them onto a fresh builder instead of sharing one
            LoadSettings.Builder b = cliDefaults.toBuilder();
            Map<String, String> options = new LinkedHashMap<>(cliDefaults.options());
            if (defaults != null) {
                apply(defaults, "defaults", b, options, false);
            }
            apply(stage, path, b, options, true);
            b.options(options).name(stageName);
            LoadSettings built;
            try {
                built = b.build();
            } catch (ScenarioException e) {
                throw e.under(path);
            } catch (IllegalArgumentException e) {
                throw relocate(e, path);
            }
            checkOptions(built.protocol(), defaults, "defaults");
            checkOptions(built.protocol(), stage, path);
            boolean targetSet = stage.has("target") || defaults != null && defaults.has("target");
            if (built.protocol() != cliDefaults.protocol() && !targetSet) {
                // the inherited target was meant for another protocol (7001 for raw, say): never guess
                throw ScenarioException.of(path + ".target", "missing (the scenario sets protocol "
                        + built.protocol().id() + "; give its target in the stage or in defaults)");
            }
            try {
                Target.parse(built.protocol(), built.target());
            } catch (IllegalArgumentException e) {
                throw new ScenarioException(path + ".target", ScenarioException.quote(built.target()),
                        built.protocol() == Protocol.HTTP || built.protocol() == Protocol.WS
                                || built.protocol() == Protocol.SOCKETIO
                                ? "host:port or a URL for protocol " + built.protocol().id()
                                : "host or host:port for protocol " + built.protocol().id());
            }
            stages.add(built);
            stageChecks.add(stage.get("checks"));
        }

        List<String> checks = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            JsonNode list = stageChecks.get(i);
            if (list != null) {
                for (String expr : checkList(list, "stages[" + i + "].checks", names, false)) {
                    checks.add(stages.get(i).name() + ": " + expr);
                }
            }
        }
        if (root.has("checks")) {
            checks.addAll(checkList(root.get("checks"), "checks", names, true));
        }
        return new Scenario(name, stages, checks);
    }

    /** The option keys {@code node} (a stage or the defaults) sets must be ones the protocol reads. */
    private static void checkOptions(Protocol protocol, JsonNode node, String path) {
        JsonNode options = node == null ? null : node.get("options");
        List<String> known = OPTION_KEYS.getOrDefault(protocol, List.of());
        if (options == null || !options.isObject()) {
            return;
        }
        for (Iterator<String> keys = options.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!known.contains(key)) {
                throw new ScenarioException(path + ".options." + key, "unknown key", known.isEmpty()
                        ? "no options for protocol " + protocol.id()
                        : "one of " + String.join(", ", known) + " for protocol " + protocol.id());
            }
        }
    }

    private List<String> checkList(JsonNode list, String path, Set<String> stageNames, boolean scopeAllowed) {
        requireType(list, path, JsonNodeType.ARRAY, "a list of checks such as \"p99 < 5ms\"");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = path + "[" + i + "]";
            String expr = text(list.get(i), at);
            Check check;
            try {
                check = Check.parse(expr);
            } catch (IllegalArgumentException e) {
                throw ScenarioException.of(at, e.getMessage());
            }
            if (check.scope() != null) {
                if (!scopeAllowed) {
                    throw ScenarioException.of(at, ScenarioException.quote(expr)
                            + " (a stage's checks apply to that stage; write them without a stage name)");
                }
                if (!stageNames.contains(check.scope())) {
                    throw new ScenarioException(at, ScenarioException.quote(expr),
                            "a stage name before the colon, one of " + String.join(", ", sorted(stageNames)));
                }
            }
            out.add(check.toString());
        }
        return out;
    }

    /** Applies a stage's (or the defaults') keys to {@code b}. */
    private void apply(JsonNode node, String path, LoadSettings.Builder b, Map<String, String> options, boolean stage) {
        boolean hasDuration = node.has("duration");
        boolean hasRequests = node.has("requests");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode v = field.getValue();
            String at = path + "." + key;
            if (stage && (key.equals("name") || key.equals("checks"))) {
                continue;
            }
            if (v == null || v.isNull()) {
                throw ScenarioException.of(at, "empty (remove the key to keep the default)");
            }
            switch (key) {
                case "protocol" -> b.protocol(parseEnum(v, at, Protocol::parse, ids(Protocol.values(), p -> ((Protocol) p).id())));
                case "target" -> b.target(text(v, at));
                case "connections" -> b.connections((int) integer(v, at, 1, 10_000_000, "a number of connections"));
                case "pipeline" -> b.pipeline((int) integer(v, at, 1, 65_536, "requests in flight per connection"));
                case "threads" -> b.threads((int) integer(v, at, 0, 1024, "a number of I/O threads (0: one per core)"));
                case "rate" -> rate(v, at, b);
                case "arrivals" -> b.arrivals(parseEnum(v, at, Arrivals::parse, "constant or poisson"));
                case "seed" -> b.seed(integer(v, at, Long.MIN_VALUE, Long.MAX_VALUE, "an integer seed"));
                case "duration" -> b.duration(positive(duration(v, at), v, at));
                case "requests" -> b.requests(integer(v, at, 1, Long.MAX_VALUE, "a number of requests"));
                case "warmup" -> b.warmup(duration(v, at));
                case "ramp_up" -> b.rampUp(duration(v, at));
                case "timeout" -> b.timeout(positive(duration(v, at), v, at));
                case "payload" -> b.payload(payload(v, at));
                case "transport" -> b.transport(parseEnum(v, at, TransportChoice::parse, "auto, epoll, kqueue or nio"));
                case "epoll_mode" -> b.epollMode(parseEnum(v, at, EpollMode::parse, "edge or level"));
                case "sources" -> b.sources(sources(v, at));
                case "method" -> {
                    String m = text(v, at).toUpperCase(Locale.ROOT);
                    if (!m.equals("GET") && !m.equals("POST")) {
                        throw new ScenarioException(at, ScenarioException.quote(v.asText()), "GET or POST");
                    }
                    b.method(m);
                }
                case "headers" -> b.headers(headers(v, at));
                case "mode" -> {
                    String m = text(v, at).toLowerCase(Locale.ROOT);
                    if (!FRAMED_MODES.contains(m)) {
                        throw new ScenarioException(at, ScenarioException.quote(v.asText()), "echo, ping or publish");
                    }
                    b.mode(m);
                }
                case "token" -> b.token(text(v, at));
                case "room" -> {
                    String room = text(v, at);
                    if (room.isEmpty()) {
                        throw new ScenarioException(at, "\"\"", "a room name");
                    }
                    b.room(room);
                }
                case "tls" -> b.tls(bool(v, at));
                case "insecure" -> b.tlsInsecure(bool(v, at));
                case "ca" -> b.tlsCa(caFile(v, at));
                case "tls_server_name" -> {
                    String name = text(v, at);
                    if (!TLS_SERVER_NAME.matcher(name).matches()) {
                        throw new ScenarioException(at, ScenarioException.quote(name), "a host name");
                    }
                    b.tlsServerName(name);
                }
                case "min_achieved" -> {
                    String text = v.isBoolean() && !v.asBoolean() ? "off" : v.asText();
                    try {
                        b.minAchieved(Values.minAchieved(key, text));
                    } catch (IllegalArgumentException e) {
                        throw new ScenarioException(at, ScenarioException.quote(text),
                                "a percentage of the target rate from 0% to 100%, such as 90%, or off");
                    }
                }
                case "options" -> options(v, at, options);
                default -> throw new ScenarioException(at, "unknown key", "one of " + String.join(", ", stage
                        ? concat(List.of("name", "checks"), SETTING_KEYS) : SETTING_KEYS)
                        + (stage ? "" : " (defaults cannot have a name or checks)"));
            }
        }
        if (hasRequests && !hasDuration) {
            b.duration(null);
        } else if (hasDuration && !hasRequests) {
            b.requests(0);
        }
    }

    private void rate(JsonNode v, String at, LoadSettings.Builder b) {
        String expected = "a number of requests per second";
        if (v.isObject()) {
            for (Iterator<String> keys = v.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!RATE_KEYS.contains(key)) {
                    throw new ScenarioException(at + "." + key, "unknown key", "from, to or over in a rate ramp");
                }
            }
            if (!v.has("from") || !v.has("to")) {
                throw ScenarioException.of(at, "a ramp needs both from and to (requests per second)");
            }
            double from = number(v.get("from"), at + ".from", expected);
            double to = number(v.get("to"), at + ".to", expected);
            if (!(from > 0)) {
                throw new ScenarioException(at + ".from", Values.format(from), "a positive number of requests per second");
            }
            if (!(to > 0)) {
                throw new ScenarioException(at + ".to", Values.format(to), "a positive number of requests per second");
            }
            b.rate(to).rateFrom(from).rateRamp(v.has("over") ? duration(v.get("over"), at + ".over") : Duration.ZERO);
            return;
        }
        if (v.isTextual() && v.asText().trim().equalsIgnoreCase("closed")) {
            b.rate(0).rateFrom(-1).rateRamp(Duration.ZERO);
            return;
        }
        double rate = number(v, at, expected);
        b.rate(rate).rateFrom(-1).rateRamp(Duration.ZERO);
    }

    private PayloadSpec payload(JsonNode v, String at) {
        String expected = "a size such as 64 or 4k, a range such as 16-1024, @FILE, or a mapping with size, min and max, or file";
        if (v.isIntegralNumber()) {
            long size = v.asLong();
            if (size < 0 || size > PayloadSpec.MAX_BYTES) {
                throw new ScenarioException(at, v.asText(), "a size from 0 to " + PayloadSpec.MAX_BYTES + " bytes");
            }
            return PayloadSpec.fixed((int) size);
        }
        if (v.isTextual()) {
            String t = v.asText().trim();
            if (t.startsWith("@")) {
                return file(t.substring(1), at, v.asText());
            }
            try {
                return PayloadSpec.parse(t);
            } catch (IllegalArgumentException e) {
                throw new ScenarioException(at, ScenarioException.quote(v.asText()), expected);
            }
        }
        if (v.isObject()) {
            for (Iterator<String> keys = v.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!PAYLOAD_KEYS.contains(key)) {
                    throw new ScenarioException(at + "." + key, "unknown key", "size, min and max, or file");
                }
            }
            int kinds = (v.has("size") ? 1 : 0) + (v.has("min") || v.has("max") ? 1 : 0) + (v.has("file") ? 1 : 0);
            if (kinds != 1) {
                throw ScenarioException.of(at, "give exactly one of size, min and max, or file");
            }
            if (v.has("file")) {
                return file(text(v.get("file"), at + ".file"), at + ".file", text(v.get("file"), at + ".file"));
            }
            if (v.has("size")) {
                return PayloadSpec.fixed(size(v.get("size"), at + ".size"));
            }
            if (!v.has("min") || !v.has("max")) {
                throw ScenarioException.of(at, "a size range needs both min and max");
            }
            int min = size(v.get("min"), at + ".min");
            int max = size(v.get("max"), at + ".max");
            if (max < min) {
                throw new ScenarioException(at + ".max", Integer.toString(max), "at least min (" + min + ")");
            }
            return PayloadSpec.range(min, max);
        }
        throw new ScenarioException(at, shown(v), expected);
    }

    private int size(JsonNode v, String at) {
        String expected = "a size in bytes such as 64 or 4k";
        if (v.isIntegralNumber()) {
            long size = v.asLong();
            if (size < 0 || size > PayloadSpec.MAX_BYTES) {
                throw new ScenarioException(at, v.asText(), "a size from 0 to " + PayloadSpec.MAX_BYTES + " bytes");
            }
            return (int) size;
        }
        if (v.isTextual() && !v.asText().contains("-") && !v.asText().startsWith("@")) {
            try {
                return PayloadSpec.parse(v.asText()).minBytes();
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw new ScenarioException(at, shown(v), expected);
    }

    private PayloadSpec file(String name, String at, String written) {
        if (name.isEmpty()) {
            throw new ScenarioException(at, ScenarioException.quote(written), "a file name after @");
        }
        Path p = Path.of(name);
        if (!p.isAbsolute() && dir != null) {
            p = dir.resolve(p).normalize();
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new ScenarioException(at, ScenarioException.quote(written), "a readable file (looked for " + ScenarioException.escape(p.toString()) + ")");
        }
        return PayloadSpec.file(p);
    }

    /** A PEM CA file, relative to the scenario's directory; readable now. */
    private Path caFile(JsonNode v, String at) {
        String name = text(v, at);
        if (name.isEmpty()) {
            throw new ScenarioException(at, "\"\"", "a PEM CA certificate file");
        }
        Path p = Path.of(name);
        if (!p.isAbsolute() && dir != null) {
            p = dir.resolve(p).normalize();
        }
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw new ScenarioException(at, ScenarioException.quote(name), "a readable PEM CA certificate file (looked for " + ScenarioException.escape(p.toString()) + ")");
        }
        return p;
    }

    private static List<InetAddress> sources(JsonNode v, String at) {
        List<JsonNode> items = new ArrayList<>();
        if (v.isArray()) {
            v.forEach(items::add);
        } else {
            items.add(v);
        }
        List<InetAddress> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String itemAt = v.isArray() ? at + "[" + i + "]" : at;
            String text = text(items.get(i), itemAt).trim();
            // only literals: a scenario must not make the tool resolve names to pick source addresses
            if (!IP_LITERAL.matcher(text).matches()) {
                throw new ScenarioException(itemAt, ScenarioException.quote(text), "an IP address such as 127.0.0.2");
            }
            try {
                out.add(InetAddress.getByName(text));
            } catch (UnknownHostException e) {
                throw new ScenarioException(itemAt, ScenarioException.quote(text), "an IP address such as 127.0.0.2");
            }
        }
        return out;
    }

    private static List<String> headers(JsonNode v, String at) {
        List<String> out = new ArrayList<>();
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> h = it.next();
                String value = scalar(h.getValue(), at + "." + h.getKey(), "a header value");
                out.add(header(h.getKey(), value, at + "." + h.getKey()));
            }
            return out;
        }
        if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                String line = text(v.get(i), at + "[" + i + "]");
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new ScenarioException(at + "[" + i + "]", ScenarioException.quote(line), "\"Name: value\"");
                }
                out.add(header(line.substring(0, colon).trim(), line.substring(colon + 1).trim(), at + "[" + i + "]"));
            }
            return out;
        }
        throw new ScenarioException(at, shown(v), "a mapping of header names to values");
    }

    private static String header(String name, String value, String at) {
        boolean token = !name.isEmpty() && name.chars().allMatch(c -> c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0);
        if (!token) {
            throw new ScenarioException(at, ScenarioException.quote(name), "an HTTP header name");
        }
        if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            throw new ScenarioException(at, ScenarioException.quote(value), "a header value on one line");
        }
        return name + ": " + value;
    }

    /** Adds a stage's (or the defaults') options over the ones it inherits. */
    private static void options(JsonNode v, String at, Map<String, String> out) {
        requireType(v, at, JsonNodeType.OBJECT, "a mapping of workload option names to values");
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> o = it.next();
            if (!o.getKey().matches("[a-z][a-z0-9_-]*")) {
                throw new ScenarioException(at + "." + o.getKey(), "unknown key", "lower-case option names");
            }
            JsonNode value = o.getValue();
            // socketio's args and auth may be a list or mapping: kept as its JSON text
            boolean json = value.isContainerNode() && (o.getKey().equals("args") || o.getKey().equals("auth"));
            out.put(o.getKey(), json ? value.toString()
                    : scalar(value, at + "." + o.getKey(), "a number, word or duration"));
        }
    }

    // ---- typed scalars -------------------------------------------------------------------

    private static String text(JsonNode v, String at) {
        if (v == null || !v.isTextual()) {
            throw new ScenarioException(at, shown(v), "a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode v, String at) {
        if (!v.isBoolean()) {
            throw new ScenarioException(at, shown(v), "true or false");
        }
        return v.asBoolean();
    }

    private static String scalar(JsonNode v, String at, String expected) {
        if (v == null || !(v.isTextual() || v.isNumber() || v.isBoolean())) {
            throw new ScenarioException(at, shown(v), expected);
        }
        return v.asText();
    }

    private static long integer(JsonNode v, String at, long min, long max, String what) {
        String range = max == Long.MAX_VALUE ? (min == 1 ? "a positive integer" : "an integer")
                : "an integer from " + min + " to " + max;
        if (v.isTextual() && v.asText().trim().matches("-?\\d+")) {
            try {
                v = com.fasterxml.jackson.databind.node.LongNode.valueOf(Long.parseLong(v.asText().trim()));
            } catch (NumberFormatException e) {
                throw new ScenarioException(at, shown(v), what + ", " + range);
            }
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ScenarioException(at, shown(v), what + ", " + range);
        }
        long n = v.asLong();
        if (n < min || n > max) {
            throw new ScenarioException(at, Long.toString(n), what + ", " + range);
        }
        return n;
    }

    private static double number(JsonNode v, String at, String expected) {
        if (v.isNumber()) {
            double d = v.asDouble();
            if (d >= 0 && Double.isFinite(d)) {
                return d;
            }
            throw new ScenarioException(at, v.asText(), expected + " (zero or more)");
        }
        if (v.isTextual()) {
            try {
                return Values.number(v.asText());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new ScenarioException(at, shown(v), expected);
    }

    private static Duration duration(JsonNode v, String at) {
        if (v.isIntegralNumber() && v.asLong() == 0) {
            return Duration.ZERO;
        }
        if (!v.isTextual()) {
            throw new ScenarioException(at, shown(v), Values.DURATION_EXPECTED + " (a number needs a unit)");
        }
        return Values.duration(at, v.asText());
    }

    private static Duration positive(Duration d, JsonNode v, String at) {
        if (d.isZero()) {
            throw new ScenarioException(at, shown(v), "a positive duration");
        }
        return d;
    }

    private static <T> T parseEnum(JsonNode v, String at, java.util.function.Function<String, T> parse, String expected) {
        if (v.isTextual()) {
            try {
                return parse.apply(v.asText());
            } catch (IllegalArgumentException e) {
                // reported below with the key path
            }
        }
        throw new ScenarioException(at, shown(v), expected);
    }

    private static void requireType(JsonNode v, String at, JsonNodeType type, String expected) {
        if (v == null || v.getNodeType() != type) {
            throw new ScenarioException(at.isEmpty() ? "(top level)" : at, shown(v), expected);
        }
    }

    /** A value as the user wrote it, or what kind of thing it was. */
    static String shown(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isTextual()) {
            return ScenarioException.quote(v.asText());
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return v.asText();
    }

    private static ScenarioException relocate(IllegalArgumentException e, String path) {
        String msg = String.valueOf(e.getMessage());
        int colon = msg.indexOf(": ");
        if (colon > 0 && msg.substring(0, colon).matches("[a-z_-]+")) {
            String name = msg.substring(0, colon);
            return ScenarioException.of(path + "." + SETTING_NAMES.getOrDefault(name, name), msg.substring(colon + 2));
        }
        return ScenarioException.of(path, msg);
    }

    private static List<String> sorted(Set<String> set) {
        return set.stream().sorted().collect(Collectors.toList());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static <E> String ids(E[] values, java.util.function.Function<Object, String> id) {
        List<String> names = Arrays.stream(values).map(id).toList();
        return names.size() == 1 ? names.get(0)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }
}
