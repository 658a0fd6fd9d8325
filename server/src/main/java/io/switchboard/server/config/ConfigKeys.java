package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.netty.util.ResourceLeakDetector;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.LogFormat;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.session.SlowConsumerPolicy;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one table of configuration keys. It drives the YAML file, the {@code SWITCHBOARD_*}
 * environment variables, the command-line flags, {@code --print-config}, the sample file and
 * the docs: a key declared here is settable everywhere, and nothing else is.
 *
 * <p>Keys appear in the order of {@link #all()}; the sample file and the docs group them by
 * their first path segment, in order of first appearance, under the headings of {@link #SECTIONS}.
 */
public final class ConfigKeys {
    /** Section headings by first path segment, for the sample file and the docs. */
    static final Map<String, String> SECTIONS;

    static {
        Map<String, String> sections = new LinkedHashMap<>();
        sections.put("listeners", "Listeners: which protocols are served, on which address and port.");
        sections.put("transport", "I/O transport and event loop threads.");
        sections.put("socket", "Socket options of the TCP listeners and their connections.");
        sections.put("limits", "Connection limits, timeouts and rates (refusals are counted in /metrics).");
        sections.put("shutdown", "Graceful shutdown.");
        sections.put("framed", "The framed protocol.");
        sections.put("rooms", "Rooms, events and acknowledgements (framed and WebSocket sessions).");
        sections.put("cluster", "Scale-out: rooms, presence and direct messages across nodes through Redis (docs/cluster.md).");
        sections.put("udp", "UDP echo.");
        sections.put("http", "HTTP listener: static files, health, metrics, WebSocket.");
        sections.put("socketio", "Socket.IO on the HTTP listener: the Engine.IO v4 transport (polling and WebSocket).");
        sections.put("tls", "TLS for the framed and HTTP listeners (PEM files, reloaded when they change).");
        sections.put("auth", "Authentication and permissions: static tokens, signed tokens (JWT) and the policy for "
                + "sessions without one (docs/security.md).");
        sections.put("admin", "The admin API: its token and cluster-wide wait (its listener is listeners.admin; docs/admin-api.md).");
        sections.put("metrics", "Metrics.");
        sections.put("logging", "Logging.");
        sections.put("netty", "Netty internals.");
        SECTIONS = Collections.unmodifiableMap(sections);
    }

    private static final List<ConfigKey<?>> ALL;

    static {
        List<ConfigKey<?>> all = new ArrayList<>();
        all.addAll(core());
        all.addAll(LimitsKeys.keys());
        all.addAll(HttpServingKeys.keys());
        all.addAll(SecurityKeys.keys());
        all.addAll(SocketIoKeys.keys());
        all.addAll(AdminKeys.keys());
        all.addAll(observability());
        ALL = List.copyOf(grouped(all));
    }

    /**
     * Orders keys as a YAML tree prints them: siblings stay in order of first appearance, and
     * keys under one parent stay together ({@code listeners.framed.tls}, declared later, joins
     * {@code listeners.framed.port}).
     */
    static List<ConfigKey<?>> grouped(List<ConfigKey<?>> keys) {
        Map<String, Object> tree = new LinkedHashMap<>();
        for (ConfigKey<?> key : keys) {
            Map<String, Object> node = tree;
            String[] parts = key.path().split("\\.");
            for (int i = 0; i < parts.length - 1; i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> child = (Map<String, Object>) node.computeIfAbsent(parts[i],
                        k -> new LinkedHashMap<String, Object>());
                node = child;
            }
            node.put(parts[parts.length - 1], key);
        }
        List<ConfigKey<?>> ordered = new ArrayList<>();
        flatten(tree, ordered);
        return ordered;
    }

    private static void flatten(Map<String, Object> node, List<ConfigKey<?>> out) {
        for (Object child : node.values()) {
            if (child instanceof ConfigKey) {
                out.add((ConfigKey<?>) child);
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) child;
                flatten(map, out);
            }
        }
    }

    private ConfigKeys() {
    }

    /** Every key, in the order of the sample file and the docs. */
    public static List<ConfigKey<?>> all() {
        return ALL;
    }

    private static List<ConfigKey<?>> core() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        keys.add(key("listeners.bind", Types.address())
                .flag("--bind")
                .description("Address every listener binds unless it has its own; 0.0.0.0 is all IPv4 interfaces (IPv4 only), :: all interfaces (IPv6, and IPv4 too unless net.ipv6.bindv6only=1).")
                .apply(ServerConfig.Builder::bindAddress)
                .read(ServerConfig::bindAddress)
                .build());
        for (Listener listener : Listener.values()) {
            keys.addAll(listener(listener));
        }
        keys.add(key("listeners.address-file", Types.path("FILE"))
                .flag("--address-file")
                .description("File the server writes once every listener is bound, one line per listener "
                        + "(name, address, port, plain or tls), and removes at shutdown: how a health check "
                        + "finds the ports however they were set. Unset = none; the container image sets it.")
                .apply(ServerConfig.Builder::addressFile)
                .read(ServerConfig::addressFile)
                .build());
        keys.add(key("transport.type", Types.choice(TransportChoice::id, TransportChoice.values()))
                .flag("--transport")
                .description("I/O transport; auto prefers epoll, then kqueue, then NIO, and logs why it passed one over.")
                .apply(ServerConfig.Builder::transport)
                .read(ServerConfig::transport)
                .build());
        keys.add(key("transport.epoll-mode", Types.choice(EpollMode::id, EpollMode.values()))
                .flag("--epoll-mode")
                .description("epoll trigger mode; unset means edge. Only valid with the epoll transport.")
                .apply(ServerConfig.Builder::epollMode)
                .read(ServerConfig::epollMode)
                .build());
        keys.add(key("transport.io-threads", Types.integer(0, 1024))
                .flag("--io-threads")
                .description("I/O event loop threads; 0 = twice the number of cores.")
                .apply(ServerConfig.Builder::ioThreads)
                .read(ServerConfig::ioThreads)
                .build());

        keys.add(key("framed.max-frame-length", Types.bytes(64, Wire.MAX_MAX_FRAME_LENGTH))
                .flag("--max-frame-length")
                .description("Largest framed-protocol frame accepted; larger is ERROR FRAME_TOO_LARGE.")
                .apply(ServerConfig.Builder::maxFrameLength)
                .read(ServerConfig::maxFrameLength)
                .build());
        keys.add(key("framed.idle-timeout", Types.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofDays(24)))
                .flag("--idle-timeout")
                .description("Close framed sessions silent this long; 0 = never.")
                .apply(ServerConfig.Builder::idleTimeout)
                .read(ServerConfig::idleTimeout)
                .build());

        keys.add(key("rooms.max-rooms-per-session", Types.integer(1, 100_000))
                .flag("--max-rooms-per-session")
                .description("Rooms one session may be in at once.")
                .apply(ServerConfig.Builder::maxRoomsPerSession)
                .read(ServerConfig::maxRoomsPerSession)
                .build());
        keys.add(key("rooms.max-room-name", Types.bytes(1, Wire.MAX_STRING_BYTES))
                .flag("--max-room-name")
                .description("Longest room name, in UTF-8 bytes.")
                .apply(ServerConfig.Builder::maxRoomNameBytes)
                .read(ServerConfig::maxRoomNameBytes)
                .build());
        keys.add(key("rooms.max-event-name", Types.bytes(1, Wire.MAX_STRING_BYTES))
                .flag("--max-event-name")
                .description("Longest event name, in UTF-8 bytes.")
                .apply(ServerConfig.Builder::maxEventNameBytes)
                .read(ServerConfig::maxEventNameBytes)
                .build());
        keys.add(key("rooms.max-payload", Types.bytes(0, Wire.MAX_MAX_FRAME_LENGTH))
                .flag("--max-payload")
                .description("Largest event payload; unset = 65536 or what fits in the max frame length, if less.")
                .apply(ServerConfig.Builder::maxPayloadBytes)
                .read(ServerConfig::maxPayloadBytes)
                .build());
        keys.add(key("rooms.slow-consumer", Types.choice(SlowConsumerPolicy::id, SlowConsumerPolicy.values()))
                .flag("--slow-consumer")
                .description("Events for a member above its write-buffer high-water mark: dropped and counted, "
                        + "or the member is disconnected with ERROR 307.")
                .apply(ServerConfig.Builder::slowConsumerPolicy)
                .read(ServerConfig::slowConsumerPolicy)
                .build());
        keys.add(key("rooms.peer-ack-timeout", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(1), Duration.ofDays(24)))
                .flag("--peer-ack-timeout")
                .description("How long a publisher waits for a peer's ack before ERROR ACK_TIMEOUT.")
                .apply(ServerConfig.Builder::peerAckTimeout)
                .read(ServerConfig::peerAckTimeout)
                .build());

        keys.add(key("cluster.redis", Types.redisUri())
                .flag("--cluster")
                .description("Join a cluster of nodes through this Redis server; unset = a single node, no Redis needed.")
                .apply(ServerConfig.Builder::cluster)
                .read(ServerConfig::cluster)
                .build());
        keys.add(key("cluster.heartbeat-ttl", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(300), Duration.ofHours(1)))
                .flag("--cluster-heartbeat-ttl")
                .description("A node counts as alive this long after its last heartbeat (it beats every third of it); "
                        + "then the others send LEFT for its members.")
                .apply(ServerConfig.Builder::clusterHeartbeatTtl)
                .read(ServerConfig::clusterHeartbeatTtl)
                .build());

        keys.add(key("udp.max-datagram", Types.bytes(1, 65_507))
                .flag("--max-datagram")
                .description("Larger UDP datagrams are dropped and counted.")
                .apply(ServerConfig.Builder::maxDatagramBytes)
                .read(ServerConfig::maxDatagramBytes)
                .build());

        keys.add(key("http.static-root", Types.path("DIR"))
                .flag("--static-root")
                .description("Directory served over HTTP (a directory's index.html, /dir redirected to /dir/ with 301, no listings); "
                        + "unset = a built-in page at /.")
                .apply(ServerConfig.Builder::staticRoot)
                .read(ServerConfig::staticRoot)
                .build());
        keys.add(key("http.max-initial-line", Types.bytes(256, 1 << 20))
                .flag("--http-max-initial-line")
                .description("Longest HTTP request line; longer gets 414.")
                .apply(ServerConfig.Builder::httpMaxInitialLine)
                .read(ServerConfig::httpMaxInitialLine)
                .build());
        keys.add(key("http.max-header", Types.bytes(256, 1 << 20))
                .flag("--http-max-header")
                .description("Most HTTP header bytes; more gets 431.")
                .apply(ServerConfig.Builder::httpMaxHeaderBytes)
                .read(ServerConfig::httpMaxHeaderBytes)
                .build());
        keys.add(key("http.max-body", Types.bytes(0, 64 << 20))
                .flag("--http-max-body")
                .description("Largest HTTP request body and WebSocket message; larger gets 413 (close 1009).")
                .apply(ServerConfig.Builder::httpMaxBodyBytes)
                .read(ServerConfig::httpMaxBodyBytes)
                .build());
        keys.add(key("http.idle-timeout", Types.duration(ChronoUnit.SECONDS, Duration.ofMillis(1),
                        Duration.ofDays(1)))
                .flag("--http-idle-timeout")
                .description("Close HTTP keep-alive connections idle this long.")
                .apply(ServerConfig.Builder::httpIdleTimeout)
                .read(ServerConfig::httpIdleTimeout)
                .build());
        keys.add(key("http.zero-copy", Types.bool())
                .flag("--http-zero-copy")
                .description("Send static files zero-copy (sendfile on epoll) where possible; false reads them in chunks.")
                .apply(ServerConfig.Builder::httpZeroCopy)
                .read(ServerConfig::httpZeroCopy)
                .build());
        keys.add(key("http.access-log", Types.bool())
                .flag("--access-log")
                .description("Log one line per HTTP request (combined format plus duration) on the "
                        + "io.switchboard.access logger; off costs nothing.")
                .apply(ServerConfig.Builder::httpAccessLog)
                .read(ServerConfig::httpAccessLog)
                .build());
        return keys;
    }

    private static List<ConfigKey<?>> listener(Listener listener) {
        String id = listener.id();
        String what = switch (listener) {
            case FRAMED -> "framed protocol";
            case ECHO -> "raw TCP echo";
            case UDP -> "UDP echo";
            case HTTP -> "HTTP (health, metrics, files, WebSocket)";
            case ADMIN -> "admin API";
        };
        return List.of(
                key("listeners." + id + ".enabled", Types.bool())
                        .flag("--" + id + "-enabled")
                        .description(listener == Listener.ADMIN
                                ? "Whether the admin API listener runs (off by default; needs admin.token-file)."
                                : "Whether the " + what + " listener runs.")
                        .apply((ServerConfig.Builder b, Boolean on) -> b.enabled(listener, on))
                        .read(c -> c.enabled(listener))
                        .build(),
                key("listeners." + id + ".bind", Types.address())
                        .flag("--" + id + "-bind")
                        .description(listener == Listener.ADMIN
                                ? "Address the admin API listener binds: loopback by default, not listeners.bind."
                                : "Address the " + what + " listener binds; unset = listeners.bind.")
                        .apply((ServerConfig.Builder b, java.net.InetAddress a) -> b.bindAddress(listener, a))
                        .read(c -> c.listenerBindAddress(listener))
                        .build(),
                key("listeners." + id + ".port", Types.port())
                        .flag("--" + id + "-port")
                        .description(capitalize(what) + " port; 0 = ephemeral, off = listener disabled.")
                        .apply((ServerConfig.Builder b, Integer port) -> b.port(listener, port))
                        .read(c -> c.configuredPort(listener))
                        .build());
    }

    private static List<ConfigKey<?>> observability() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        keys.add(key("metrics.enabled", Types.bool())
                .flag("--metrics-enabled")
                .description("Serve the Prometheus text format at /metrics on the HTTP listener; false answers 404.")
                .apply(ServerConfig.Builder::metricsEnabled)
                .read(ServerConfig::metricsEnabled)
                .build());
        keys.add(key("logging.format", Types.choice(LogFormat::id, LogFormat.values()))
                .flag("--log-format")
                .description("Console log lines: text for people, json for one JSON object per line "
                        + "(journald, container log collectors).")
                .apply(ServerConfig.Builder::logFormat)
                .read(ServerConfig::logFormat)
                .build());
        keys.add(key("logging.level", Types.level())
                .flag("--log-level")
                .description("Level of the root logger.")
                .apply(ServerConfig.Builder::logLevel)
                .read(ServerConfig::logLevel)
                .build());
        keys.add(key("logging.levels", Types.loggerLevels())
                .flag("--log-levels")
                .description("Levels of single loggers and those below them, e.g. {io.switchboard.server.http: debug}.")
                .apply(ServerConfig.Builder::loggerLevels)
                .read(ServerConfig::loggerLevels)
                .build());
        keys.add(key("netty.leak-detection", Types.choice(l -> l.name().toLowerCase(Locale.ROOT),
                        ResourceLeakDetector.Level.values()))
                .flag("--leak-detection")
                .description("Netty's buffer leak detector; off by default because even its lightest level cost "
                        + "about a fifth of framed echo throughput. -Dio.netty.leakDetection.level, if given, wins.")
                .apply(ServerConfig.Builder::leakDetection)
                .read(ServerConfig::leakDetection)
                .build());
        return keys;
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
