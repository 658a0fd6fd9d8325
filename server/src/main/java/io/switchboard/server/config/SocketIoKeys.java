package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.switchboard.server.ServerConfig;
import io.switchboard.server.socketio.settings.EngineConfig;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/** Keys of Socket.IO on the HTTP listener (section {@code socketio}): the Engine.IO settings. */
final class SocketIoKeys {
    private SocketIoKeys() {
    }

    private static <T> java.util.function.BiConsumer<ServerConfig.Builder, T> engine(
            BiFunction<EngineConfig.Builder, T, EngineConfig.Builder> set) {
        return (b, v) -> b.socketIo(set.apply(b.socketIoConfig().toBuilder(), v).build());
    }

    /** A request path prefix: starts with '/', no whitespace, query or fragment. */
    private static final ValueType<String> PATH = new ValueType<>() {
        @Override
        public String parse(String text) {
            String t = text.trim();
            if (!t.startsWith("/") || t.chars().anyMatch(c -> c <= ' ' || c == '?' || c == '#' || c == '%')) {
                throw new IllegalArgumentException("expected a path starting with /");
            }
            return t.endsWith("/") ? t : t + "/";
        }

        @Override
        public String expected() {
            return "a path starting with / (/socket.io/)";
        }

        @Override
        public String label() {
            return "PATH";
        }

        @Override
        public Object toYaml(String value) {
            return value;
        }

        @Override
        public List<String> examples() {
            return List.of("/socket.io/", "/engine.io/", "/rt");
        }
    };

    /** Allowed origins: "*", or origins separated by commas (http.cors-origins too). */
    static final ValueType<List<String>> ORIGINS = new ValueType<>() {
        @Override
        public List<String> parse(String text) {
            List<String> origins = Arrays.stream(text.split(",")).map(String::trim).filter(o -> !o.isEmpty())
                    .toList();
            for (String o : origins) {
                if (!o.equals("*") && !(o.startsWith("http://") || o.startsWith("https://"))) {
                    throw new IllegalArgumentException("expected * or http(s) origins separated by commas");
                }
            }
            return origins;
        }

        @Override
        public String expected() {
            return "* or origins separated by commas (https://app.example,http://localhost:8080)";
        }

        @Override
        public String label() {
            return "ORIGINS";
        }

        @Override
        public Object toYaml(List<String> value) {
            return String.join(",", value);
        }

        @Override
        public List<String> examples() {
            return List.of("*", "https://app.example", "https://a.example,http://localhost:8080");
        }
    };

    static List<ConfigKey<?>> keys() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        keys.add(key("socketio.enabled", Types.bool())
                .flag("--socketio")
                .description("Serve Socket.IO (Engine.IO v4 polling and WebSocket) on the HTTP listener.")
                .apply(ServerConfig.Builder::socketIoEnabled)
                .read(ServerConfig::socketIoEnabled)
                .build());
        keys.add(key("socketio.relay", Types.bool())
                .flag("--socketio-relay")
                .description("Serve the reserved sb:* events (join, leave, publish, broadcast, send, members) to "
                        + "Socket.IO clients, so that they use the rooms without application code (docs/socketio.md).")
                .apply((b, v) -> b.socketIoOptions(b.socketIoOptionsNow().withRelay(v)))
                .read(c -> c.socketIoOptions().relay())
                .build());
        keys.add(key("socketio.connect-timeout", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(1),
                        Duration.ofHours(1)))
                .flag("--socketio-connect-timeout")
                .description("How long a Socket.IO session may stay without connecting to a namespace before it is closed.")
                .apply((b, v) -> b.socketIoOptions(b.socketIoOptionsNow().withConnectTimeout(v)))
                .read(c -> c.socketIoOptions().connectTimeout())
                .build());
        keys.add(key("socketio.ack-timeout", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(1),
                        Duration.ofHours(1)))
                .flag("--socketio-ack-timeout")
                .description("Default time the server waits for a client's acknowledgement of its own emits.")
                .apply((b, v) -> b.socketIoOptions(b.socketIoOptionsNow().withAckTimeout(v)))
                .read(c -> c.socketIoOptions().ackTimeout())
                .build());
        keys.add(key("socketio.recovery-max-disconnection", Types.duration(ChronoUnit.MILLIS, Duration.ZERO,
                        Duration.ofHours(1)))
                .flag("--socketio-recovery-max-disconnection")
                .description("Connection state recovery: how long a Socket.IO socket whose transport is lost keeps its id, "
                        + "rooms and missed events for the client to reconnect with (e.g. 2m); 0 turns recovery off "
                        + "(docs/socketio-recovery.md).")
                .apply((b, v) -> b.socketIoOptions(b.socketIoOptionsNow().withRecovery(
                        b.socketIoOptionsNow().recovery().withMaxDisconnection(v))))
                .read(c -> c.socketIoOptions().recovery().maxDisconnection())
                .build());
        keys.add(key("socketio.recovery-max-buffered-events", Types.integer(1, 1_000_000))
                .flag("--socketio-recovery-max-buffered-events")
                .description("Connection state recovery: packets one socket keeps for a replay; a disconnected socket "
                        + "that would need more cannot recover (its client gets a new session).")
                .apply((b, v) -> b.socketIoOptions(b.socketIoOptionsNow().withRecovery(
                        b.socketIoOptionsNow().recovery().withMaxEvents(v))))
                .read(c -> c.socketIoOptions().recovery().maxEvents())
                .build());
        keys.add(key("socketio.recovery-max-buffered-bytes", Types.bytes(1, 1 << 30))
                .flag("--socketio-recovery-max-buffered-bytes")
                .description("Connection state recovery: bytes one socket keeps for a replay, as for the events.")
                .apply((b, v) -> b.socketIoOptions(b.socketIoOptionsNow().withRecovery(
                        b.socketIoOptionsNow().recovery().withMaxBytes(v))))
                .read(c -> (int) Math.min(Integer.MAX_VALUE, c.socketIoOptions().recovery().maxBytes()))
                .build());
        keys.add(key("socketio.path", PATH)
                .flag("--socketio-path")
                .description("Request path prefix of Socket.IO (with leading and trailing slash).")
                .apply(engine(EngineConfig.Builder::path))
                .read(c -> c.socketIo().path())
                .build());
        keys.add(key("socketio.ping-interval", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(1),
                        Duration.ofHours(1)))
                .flag("--socketio-ping-interval")
                .description("How often the server pings each session.")
                .apply(engine(EngineConfig.Builder::pingInterval))
                .read(c -> c.socketIo().pingInterval())
                .build());
        keys.add(key("socketio.ping-timeout", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(1),
                        Duration.ofHours(1)))
                .flag("--socketio-ping-timeout")
                .description("How long a client has to answer a ping before its session is closed.")
                .apply(engine(EngineConfig.Builder::pingTimeout))
                .read(c -> c.socketIo().pingTimeout())
                .build());
        keys.add(key("socketio.max-payload", Types.bytes(1, 64 << 20))
                .flag("--socketio-max-payload")
                .description("Largest polling POST body or WebSocket message; larger ones close the session (413 / 1009). "
                        + "Polling bodies are also bounded by http.max-body.")
                .apply(engine(EngineConfig.Builder::maxPayload))
                .read(c -> c.socketIo().maxPayload())
                .build());
        keys.add(key("socketio.allow-upgrades", Types.bool())
                .flag("--socketio-allow-upgrades")
                .description("Let polling sessions upgrade to WebSocket.")
                .apply(engine(EngineConfig.Builder::allowUpgrades))
                .read(c -> c.socketIo().allowUpgrades())
                .build());
        keys.add(key("socketio.cors-origins", ORIGINS)
                .flag("--socketio-cors-origins")
                .description("Origins allowed cross-origin, comma-separated, or * for any.")
                .apply(engine(EngineConfig.Builder::corsOrigins))
                .read(c -> c.socketIo().corsOrigins())
                .build());
        keys.add(key("socketio.cors-credentials", Types.bool())
                .flag("--socketio-cors-credentials")
                .description("Send Access-Control-Allow-Credentials: true (the origin is then echoed, never *).")
                .apply(engine(EngineConfig.Builder::corsCredentials))
                .read(c -> c.socketIo().corsCredentials())
                .build());
        keys.add(key("socketio.websocket-origin-check", Types.bool())
                .flag("--socketio-websocket-origin-check")
                .description("Refuse (403) WebSocket upgrades whose Origin is not among socketio.cors-origins.")
                .apply(engine(EngineConfig.Builder::checkWebSocketOrigin))
                .read(c -> c.socketIo().checkWebSocketOrigin())
                .build());
        keys.add(key("socketio.per-message-deflate", Types.bool())
                .flag("--socketio-per-message-deflate")
                .description("Negotiate WebSocket permessage-deflate when the client offers it.")
                .apply(engine(EngineConfig.Builder::perMessageDeflate))
                .read(c -> c.socketIo().perMessageDeflate())
                .build());
        keys.add(key("socketio.polling-gzip-threshold", Types.integer(-1, Integer.MAX_VALUE))
                .flag("--socketio-polling-gzip-threshold")
                .description("Gzip polling responses longer than this many bytes when the client accepts gzip; -1 = never.")
                .apply(engine(EngineConfig.Builder::pollingGzipThreshold))
                .read(c -> c.socketIo().pollingGzipThreshold())
                .build());
        keys.add(key("socketio.max-buffered-packets", Types.integer(1, 10_000_000))
                .flag("--socketio-max-buffered-packets")
                .description("Packets a session may hold unsent before it is closed (reason: buffer full).")
                .apply(engine(EngineConfig.Builder::maxBufferedPackets))
                .read(c -> c.socketIo().maxBufferedPackets())
                .build());
        keys.add(key("socketio.max-buffered-bytes", Types.bytes(1, 1 << 30))
                .flag("--socketio-max-buffered-bytes")
                .description("Bytes a session may hold unsent before it is closed.")
                .apply(engine((EngineConfig.Builder e, Integer v) -> e.maxBufferedBytes(v)))
                .read(c -> (int) Math.min(Integer.MAX_VALUE, c.socketIo().maxBufferedBytes()))
                .build());
        return keys;
    }
}
