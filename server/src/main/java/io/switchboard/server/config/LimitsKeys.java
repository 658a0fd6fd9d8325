package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.switchboard.server.ServerConfig;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys of socket options, connection limits, timeouts and graceful shutdown (sections
 * {@code socket}, {@code limits}, {@code shutdown}); kept apart from {@link ConfigKeys} so that
 * their owner edits only this file. See {@link ConfigKey} for how to declare one.
 */
final class LimitsKeys {
    private LimitsKeys() {
    }

    static List<ConfigKey<?>> keys() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        // ---- socket ----
        keys.add(key("socket.backlog", Types.integer(0, 65_535))
                .flag("--backlog")
                .description("Listen backlog of every TCP listener; 0 = the kernel's net.core.somaxconn.")
                .apply(ServerConfig.Builder::backlog)
                .read(ServerConfig::backlog)
                .build());
        keys.add(key("socket.tcp-nodelay", Types.bool())
                .flag("--tcp-nodelay")
                .description("Set TCP_NODELAY on accepted connections (no Nagle delay for small replies).")
                .apply(ServerConfig.Builder::tcpNoDelay)
                .read(ServerConfig::tcpNoDelay)
                .build());
        keys.add(key("socket.send-buffer", Types.bytes(0, 64 << 20))
                .flag("--send-buffer")
                .description("SO_SNDBUF of accepted connections; 0 = kernel default with autotuning (at least 1k otherwise).")
                .apply(ServerConfig.Builder::sendBufferBytes)
                .read(ServerConfig::sendBufferBytes)
                .build());
        keys.add(key("socket.receive-buffer", Types.bytes(0, 64 << 20))
                .flag("--receive-buffer")
                .description("SO_RCVBUF of the listeners (inherited by accepted connections); 0 = kernel default with autotuning.")
                .apply(ServerConfig.Builder::receiveBufferBytes)
                .read(ServerConfig::receiveBufferBytes)
                .build());
        keys.add(key("socket.write-buffer-low", Types.bytes(1, 1 << 30))
                .flag("--write-buffer-low")
                .description("Queued outbound bytes below which a connection is writable again (and reading resumes).")
                .apply(ServerConfig.Builder::writeBufferLowWaterMark)
                .read(ServerConfig::writeBufferLowWaterMark)
                .build());
        keys.add(key("socket.write-buffer-high", Types.bytes(1, 1 << 30))
                .flag("--write-buffer-high")
                .description("Queued outbound bytes above which the server stops reading from a connection "
                        + "(and room events for it are dropped or it is disconnected).")
                .apply(ServerConfig.Builder::writeBufferHighWaterMark)
                .read(ServerConfig::writeBufferHighWaterMark)
                .build());
        keys.add(key("socket.listener-channels", Types.integer(1, 64))
                .flag("--listener-channels")
                .description("Listening sockets per TCP listener; above 1 they share the port with SO_REUSEPORT "
                        + "(epoll only; an error with other transports).")
                .apply(ServerConfig.Builder::listenerChannels)
                .read(ServerConfig::listenerChannels)
                .build());
        // ---- limits ----
        keys.add(key("limits.max-connections", Types.integer(0, 10_000_000))
                .flag("--max-connections")
                .description("Most open connections over all TCP listeners; more are refused (framed: ERROR 509, "
                        + "HTTP: 503) and closed; 0 = no limit.")
                .apply(ServerConfig.Builder::maxConnections)
                .read(ServerConfig::maxConnections)
                .build());
        keys.add(key("limits.max-connections-per-ip", Types.integer(0, 10_000_000))
                .flag("--max-connections-per-ip")
                .description("Most open connections from one client IP address over all TCP listeners; 0 = no limit.")
                .apply(ServerConfig.Builder::maxConnectionsPerIp)
                .read(ServerConfig::maxConnectionsPerIp)
                .build());
        keys.add(key("limits.handshake-timeout", Types.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofHours(1)))
                .flag("--handshake-timeout")
                .description("A framed connection must send HELLO within this time, else ERROR 408 and close; 0 = no limit.")
                .apply(ServerConfig.Builder::handshakeTimeout)
                .read(ServerConfig::handshakeTimeout)
                .build());
        keys.add(key("limits.http-header-timeout", Types.duration(ChronoUnit.SECONDS, Duration.ZERO,
                        Duration.ofHours(1)))
                .flag("--http-header-timeout")
                .description("An HTTP request's headers must all arrive within this time of its first byte, "
                        + "else 408 and close; 0 = no limit.")
                .apply(ServerConfig.Builder::httpHeaderTimeout)
                .read(ServerConfig::httpHeaderTimeout)
                .build());
        keys.add(key("limits.rate", Types.integer(0, 1_000_000))
                .flag("--rate-limit")
                .description("Requests per second per connection (framed frames but ACK/PONG/BYE, HTTP requests); "
                        + "excess gets ERROR 429 / HTTP 429, unprocessed; 0 = no limit.")
                .apply(ServerConfig.Builder::rateLimit)
                .read(ServerConfig::rateLimit)
                .build());
        keys.add(key("limits.rate-burst", Types.integer(0, 10_000_000))
                .flag("--rate-burst")
                .description("Requests a connection may send at once above the steady rate; 0 = one second's worth.")
                .apply(ServerConfig.Builder::rateBurst)
                .read(c -> c.rateLimit() == 0 ? 0 : c.rateBurst())
                .build());
        keys.add(key("limits.log-interval", Types.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofHours(1)))
                .flag("--refusal-log-interval")
                .description("Refusals of one cause on one listener are logged at most once per this interval "
                        + "(each is counted in switchboard_refused_total).")
                .apply(ServerConfig.Builder::refusalLogInterval)
                .read(ServerConfig::refusalLogInterval)
                .build());
        // ---- shutdown ----
        keys.add(key("shutdown.drain-timeout", Types.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofHours(1)))
                .flag("--drain-timeout")
                .description("On SIGTERM/SIGINT: how long connections may finish after BYE / close 1001 / "
                        + "Connection: close before the rest are closed; keep systemd's TimeoutStopSec above it.")
                .apply(ServerConfig.Builder::drainTimeout)
                .read(ServerConfig::drainTimeout)
                .build());
        return keys;
    }
}
