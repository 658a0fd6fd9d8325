package io.switchboard.server.socketio.settings;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the Engine.IO v4 layer. Components take this record, never the whole server
 * configuration. {@link #defaults()} gives the reference server's defaults; {@link Builder} changes them.
 *
 * @param path the request path prefix the layer serves, with leading and trailing slash ({@code /socket.io/})
 * @param pingInterval how often the server sends a ping
 * @param pingTimeout how long the client has to answer a ping with a pong before the session closes
 * @param maxPayload the largest polling POST body, WebSocket message or packet accepted, in bytes
 * @param allowUpgrades whether polling sessions may upgrade to WebSocket (the open packet lists
 *        {@code websocket} then)
 * @param corsOrigins origins allowed to read polling responses; {@code ["*"]} is any origin, empty none
 * @param corsCredentials whether {@code Access-Control-Allow-Credentials: true} is sent
 * @param checkWebSocketOrigin whether a WebSocket upgrade with an {@code Origin} outside {@link #corsOrigins} is refused (403)
 * @param perMessageDeflate whether WebSocket permessage-deflate is negotiated when the client offers it
 * @param pollingGzipThreshold polling responses longer than this are gzipped when the client accepts
 *        gzip; negative turns compression off
 * @param maxBufferedPackets packets a session may hold unsent before it is closed
 * @param maxBufferedBytes bytes a session may hold unsent (queue or WebSocket outbound buffer) before it is closed
 * @param upgradeTimeout how long a probed WebSocket may wait for the upgrade packet
 */
public record EngineConfig(String path, Duration pingInterval, Duration pingTimeout, int maxPayload,
        boolean allowUpgrades, List<String> corsOrigins, boolean corsCredentials, boolean checkWebSocketOrigin,
        boolean perMessageDeflate, int pollingGzipThreshold, int maxBufferedPackets, long maxBufferedBytes,
        Duration upgradeTimeout) {

    public EngineConfig {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("socket.io path must start with '/': " + path);
        }
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        positive("pingInterval", pingInterval);
        positive("pingTimeout", pingTimeout);
        positive("upgradeTimeout", upgradeTimeout);
        if (maxPayload < 1) {
            throw new IllegalArgumentException("maxPayload must be positive: " + maxPayload);
        }
        if (maxBufferedPackets < 1 || maxBufferedBytes < 1) {
            throw new IllegalArgumentException("buffer limits must be positive");
        }
        corsOrigins = List.copyOf(corsOrigins);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    /** The reference server's defaults: /socket.io/, 25 s / 20 s heartbeat, 1,000,000 bytes, any origin. */
    public static EngineConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.path = path;
        b.pingInterval = pingInterval;
        b.pingTimeout = pingTimeout;
        b.maxPayload = maxPayload;
        b.allowUpgrades = allowUpgrades;
        b.corsOrigins = corsOrigins;
        b.corsCredentials = corsCredentials;
        b.checkWebSocketOrigin = checkWebSocketOrigin;
        b.perMessageDeflate = perMessageDeflate;
        b.pollingGzipThreshold = pollingGzipThreshold;
        b.maxBufferedPackets = maxBufferedPackets;
        b.maxBufferedBytes = maxBufferedBytes;
        b.upgradeTimeout = upgradeTimeout;
        return b;
    }

    /** Whether any origin is allowed. */
    public boolean anyOrigin() {
        return corsOrigins.contains("*");
    }

    /** Whether a request with this {@code Origin} header value may be served cross-origin. */
    public boolean originAllowed(String origin) {
        return origin != null && (anyOrigin() || corsOrigins.contains(origin));
    }

    /** Builder for {@link EngineConfig}; unset fields keep the defaults. */
    public static final class Builder {
        private String path = "/socket.io/";
        private Duration pingInterval = Duration.ofMillis(25_000);
        private Duration pingTimeout = Duration.ofMillis(20_000);
        private int maxPayload = 1_000_000;
        private boolean allowUpgrades = true;
        private List<String> corsOrigins = List.of("*");
        private boolean corsCredentials;
        private boolean checkWebSocketOrigin;
        private boolean perMessageDeflate;
        private int pollingGzipThreshold = 1024;
        private int maxBufferedPackets = 10_000;
        private long maxBufferedBytes = 16L << 20;
        private Duration upgradeTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        public Builder path(String v) { path = v; return this; }
        public Builder pingInterval(Duration v) { pingInterval = v; return this; }
        public Builder pingTimeout(Duration v) { pingTimeout = v; return this; }
        public Builder maxPayload(int v) { maxPayload = v; return this; }
        public Builder allowUpgrades(boolean v) { allowUpgrades = v; return this; }
        public Builder corsOrigins(List<String> v) { corsOrigins = v; return this; }
        public Builder corsCredentials(boolean v) { corsCredentials = v; return this; }
        public Builder checkWebSocketOrigin(boolean v) { checkWebSocketOrigin = v; return this; }
        public Builder perMessageDeflate(boolean v) { perMessageDeflate = v; return this; }
        public Builder pollingGzipThreshold(int v) { pollingGzipThreshold = v; return this; }
        public Builder maxBufferedPackets(int v) { maxBufferedPackets = v; return this; }
        public Builder maxBufferedBytes(long v) { maxBufferedBytes = v; return this; }
        public Builder upgradeTimeout(Duration v) { upgradeTimeout = v; return this; }

        public EngineConfig build() {
            return new EngineConfig(path, pingInterval, pingTimeout, maxPayload, allowUpgrades, corsOrigins,
                    corsCredentials, checkWebSocketOrigin, perMessageDeflate, pollingGzipThreshold,
                    maxBufferedPackets, maxBufferedBytes, upgradeTimeout);
        }
    }
}
