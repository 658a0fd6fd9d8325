package io.switchboard.server;

import io.netty.util.ResourceLeakDetector;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.session.SessionConfig;
import io.switchboard.server.session.AccessPolicy;
import io.switchboard.server.session.SlowConsumerPolicy;
import io.switchboard.server.settings.AdminConfig;
import io.switchboard.server.settings.AuthConfig;
import io.switchboard.server.settings.ClusterConfig;
import io.switchboard.server.settings.FramedConfig;
import io.switchboard.server.settings.HttpConfig;
import io.switchboard.server.settings.LimitsConfig;
import io.switchboard.server.settings.TlsConfig;
import io.switchboard.server.settings.WsConfig;
import io.switchboard.server.socketio.settings.EngineConfig;
import io.switchboard.server.socketio.settings.SocketIoOptions;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.logging.log4j.Level;

/**
 * The server's configuration: immutable, built by {@link #builder()}, which checks every value
 * and names the bad one ({@code name: value (expected: ...)}).
 */
public final class ServerConfig {
    /** A port value that switches a listener off. */
    public static final int DISABLED = -1;
    /** The default event payload limit (or the max frame length, if smaller). */
    public static final int DEFAULT_MAX_PAYLOAD = 64 * 1024;

    private final InetAddress bindAddress;
    private final Map<Listener, Integer> ports;
    private final TransportChoice transport;
    private final EpollMode epollMode;
    private final int ioThreads;
    private final int maxFrameLength;
    private final Duration idleTimeout;
    private final int writeBufferLowWaterMark;
    private final int writeBufferHighWaterMark;
    private final String authToken;
    private final int maxRoomsPerSession;
    private final int maxRoomNameBytes;
    private final int maxEventNameBytes;
    private final int maxPayloadBytes;
    private final SlowConsumerPolicy slowConsumerPolicy;
    private final Duration peerAckTimeout;
    private final Path staticRoot;
    private final int maxDatagramBytes;
    private final int httpMaxInitialLine;
    private final int httpMaxHeaderBytes;
    private final int httpMaxBodyBytes;
    private final Duration httpIdleTimeout;
    private final boolean httpZeroCopy;
    private final HttpServing httpServing;
    private final URI cluster;
    private final boolean socketIoEnabled;
    private final EngineConfig socketIo;
    private final SocketIoOptions socketIoOptions;
    private final Duration clusterHeartbeatTtl;
    // ---- TLS and auth ----
    private final Set<Listener> tlsListeners;
    private final Path tlsCertificate;
    private final Path tlsKey;
    private final Duration tlsReloadInterval;
    private final Duration tlsHandshakeTimeout;
    private final Path authTokenFile;
    private final Path addressFile;
    private final Duration authReloadInterval;
    private final Path authJwtSecretFile;
    private final Path authJwtKeys;
    private final AccessPolicy authDefaultPolicy;
    private final Clock clock;

    // ---- configuration and logging ----
    private final Map<Listener, InetAddress> listenerBindAddresses;
    private final Map<Listener, Integer> configuredPorts;
    private final LogFormat logFormat;
    private final Level logLevel;
    private final Map<String, Level> loggerLevels;
    private final boolean httpAccessLog;
    private final ResourceLeakDetector.Level leakDetection;
    private final boolean metricsEnabled;

    // ---- lifecycle, limits and socket options ----
    private final Duration drainTimeout;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final Duration handshakeTimeout;
    private final Duration httpHeaderTimeout;
    private final int rateLimit;
    private final int rateBurst;
    private final Duration refusalLogInterval;
    private final int backlog;
    private final boolean tcpNoDelay;
    private final int sendBufferBytes;
    private final int receiveBufferBytes;
    private final int listenerChannels;
    private final Path adminTokenFile;
    private final Duration adminClusterTimeout;

    private ServerConfig(Builder b) {
        this.adminTokenFile = b.adminTokenFile;
        this.adminClusterTimeout = b.adminClusterTimeout;
        this.bindAddress = b.bindAddress;
        EnumMap<Listener, Integer> effectivePorts = new EnumMap<>(b.ports);
        b.disabled.forEach(listener -> effectivePorts.put(listener, DISABLED));
        this.ports = Collections.unmodifiableMap(effectivePorts);
        // ---- configuration and logging ----
        this.configuredPorts = Collections.unmodifiableMap(new EnumMap<>(b.ports));
        this.listenerBindAddresses = Collections.unmodifiableMap(new EnumMap<>(b.listenerBindAddresses));
        this.logFormat = b.logFormat;
        this.logLevel = b.logLevel;
        this.loggerLevels = Collections.unmodifiableMap(new LinkedHashMap<>(b.loggerLevels));
        this.httpAccessLog = b.httpAccessLog;
        this.leakDetection = b.leakDetection;
        this.metricsEnabled = b.metricsEnabled;
        this.transport = b.transport;
        this.epollMode = b.epollMode;
        this.ioThreads = b.ioThreads;
        this.maxFrameLength = b.maxFrameLength;
        this.idleTimeout = b.idleTimeout;
        this.writeBufferLowWaterMark = b.writeBufferLowWaterMark;
        this.writeBufferHighWaterMark = b.writeBufferHighWaterMark;
        this.authToken = b.authToken;
        this.maxRoomsPerSession = b.maxRoomsPerSession;
        this.maxRoomNameBytes = b.maxRoomNameBytes;
        this.maxEventNameBytes = b.maxEventNameBytes;
        // An EVENT carries the payload plus the sender id, target, room and event name: it must
        // still fit in the frame length the server announces.
        int room = b.maxRoomNameBytes;
        int eventOverhead = Wire.MIN_LENGTH + 8 + 1 + 2 + room + 2 + b.maxEventNameBytes;
        int fits = Math.max(0, b.maxFrameLength - eventOverhead);
        this.maxPayloadBytes = b.maxPayloadBytes != null ? b.maxPayloadBytes : Math.min(DEFAULT_MAX_PAYLOAD, fits);
        this.slowConsumerPolicy = b.slowConsumerPolicy;
        this.peerAckTimeout = b.peerAckTimeout;
        this.staticRoot = b.staticRoot;
        this.maxDatagramBytes = b.maxDatagramBytes;
        this.httpMaxInitialLine = b.httpMaxInitialLine;
        this.httpMaxHeaderBytes = b.httpMaxHeaderBytes;
        this.httpMaxBodyBytes = b.httpMaxBodyBytes;
        this.httpIdleTimeout = b.httpIdleTimeout;
        this.httpZeroCopy = b.httpZeroCopy;
        this.httpServing = b.httpServing;
        this.cluster = b.cluster;
        this.socketIoEnabled = b.socketIoEnabled;
        this.socketIo = b.socketIo;
        this.socketIoOptions = b.socketIoOptions;
        this.clusterHeartbeatTtl = b.clusterHeartbeatTtl;
        // ---- TLS and auth ----
        this.tlsListeners = Collections.unmodifiableSet(EnumSet.copyOf(b.tlsListeners));
        this.tlsCertificate = b.tlsCertificate;
        this.tlsKey = b.tlsKey;
        this.tlsReloadInterval = b.tlsReloadInterval;
        this.tlsHandshakeTimeout = b.tlsHandshakeTimeout;
        this.authTokenFile = b.authTokenFile;
        this.addressFile = b.addressFile;
        this.authReloadInterval = b.authReloadInterval;
        this.authJwtSecretFile = b.authJwtSecretFile;
        this.authJwtKeys = b.authJwtKeys;
        this.authDefaultPolicy = b.authDefaultPolicy;
        this.clock = b.clock;
        if (!tlsListeners.isEmpty() && (tlsCertificate == null || tlsKey == null)) {
            throw new IllegalArgumentException("listeners." + tlsListeners.iterator().next().id() + ".tls: true"
                    + " (expected: tls.cert and tls.key set when a listener speaks TLS)");
        }
        if ((tlsCertificate == null) != (tlsKey == null)) {
            throw new IllegalArgumentException(tlsCertificate == null
                    ? "tls.cert: none (expected: a PEM certificate chain to go with tls.key " + tlsKey + ")"
                    : "tls.key: none (expected: a PEM PKCS#8 private key to go with tls.cert " + tlsCertificate + ")");
        }
        // ---- lifecycle, limits and socket options ----
        this.drainTimeout = b.drainTimeout;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerIp = b.maxConnectionsPerIp;
        this.handshakeTimeout = b.handshakeTimeout;
        this.httpHeaderTimeout = b.httpHeaderTimeout;
        this.rateLimit = b.rateLimit;
        this.rateBurst = b.rateBurst != 0 ? b.rateBurst : b.rateLimit;
        this.refusalLogInterval = b.refusalLogInterval;
        this.backlog = b.backlog;
        this.tcpNoDelay = b.tcpNoDelay;
        this.sendBufferBytes = b.sendBufferBytes;
        this.receiveBufferBytes = b.receiveBufferBytes;
        this.listenerChannels = b.listenerChannels;
        if (writeBufferHighWaterMark < writeBufferLowWaterMark) {
            throw new IllegalArgumentException("socket.write-buffer-high: " + writeBufferHighWaterMark
                    + " (expected: at least socket.write-buffer-low, " + writeBufferLowWaterMark + ")");
        }
        if (maxConnections > 0 && maxConnectionsPerIp > maxConnections) {
            throw new IllegalArgumentException("limits.max-connections-per-ip: " + maxConnectionsPerIp
                    + " (expected: at most limits.max-connections, " + maxConnections + ")");
        }
        if (maxPayloadBytes > fits) {
            throw new IllegalArgumentException("max payload: " + maxPayloadBytes + " (expected: at most " + fits
                    + ", so that an EVENT with the longest room and event names fits in the max frame length "
                    + maxFrameLength + ")");
        }
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The address every listener binds; default all interfaces. */
    public InetAddress bindAddress() {
        return bindAddress;
    }

    /** The configured port of a listener: 0 for an ephemeral port, {@link #DISABLED} when off. */
    public int port(Listener listener) {
        return ports.get(listener);
    }

    /** Whether the listener is switched on. */
    public boolean enabled(Listener listener) {
        return port(listener) != DISABLED;
    }

    /** The requested transport; {@link TransportChoice#AUTO} by default. */
    public TransportChoice transport() {
        return transport;
    }

    /** The requested epoll mode, or {@code null} for the default (edge on epoll). */
    public EpollMode epollMode() {
        return epollMode;
    }

    /** I/O event loop threads; 0 means Netty's default (twice the number of cores). */
    public int ioThreads() {
        return ioThreads;
    }

    /** The largest length field the framed protocol accepts. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /** A framed session that sends nothing for this long is closed; zero means never. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Below this many queued outbound bytes a connection is writable again. */
    public int writeBufferLowWaterMark() {
        return writeBufferLowWaterMark;
    }

    /** Above this many queued outbound bytes the server stops reading from the connection. */
    public int writeBufferHighWaterMark() {
        return writeBufferHighWaterMark;
    }

    /** The token HELLO must carry, or empty when none is required. Never logged. */
    public String authToken() {
        return authToken;
    }

    /** How many rooms one session may be in at once. */
    public int maxRoomsPerSession() {
        return maxRoomsPerSession;
    }

    /** The longest room name, in UTF-8 bytes. */
    public int maxRoomNameBytes() {
        return maxRoomNameBytes;
    }

    /** The longest event name, in UTF-8 bytes. */
    public int maxEventNameBytes() {
        return maxEventNameBytes;
    }

    /** The largest event payload, in bytes. */
    public int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** What happens to events for a member that does not read them fast enough. */
    public SlowConsumerPolicy slowConsumerPolicy() {
        return slowConsumerPolicy;
    }

    /** How long a publisher waits for a peer's acknowledgement before ERROR ACK_TIMEOUT. */
    public Duration peerAckTimeout() {
        return peerAckTimeout;
    }

    /** The settings the session core uses, for every protocol's sessions. */
    public SessionConfig session() {
        return new SessionConfig(maxRoomsPerSession, maxRoomNameBytes,
                maxEventNameBytes, maxPayloadBytes, slowConsumerPolicy, writeBufferHighWaterMark, peerAckTimeout, clock);
    }

    /** The framed listener's section: its frame limit, idle timeout and the session rules. */
    public FramedConfig framedConfig() {
        return new FramedConfig(maxFrameLength, idleTimeout, session());
    }

    /** The WebSocket bridge's section: its message limit, idle timeout and the session rules. */
    public WsConfig webSocketConfig() {
        return new WsConfig(httpMaxBodyBytes, idleTimeout, session());
    }

    /** The HTTP listener's section, with the WebSocket bridge's and Engine.IO's it wires in. */
    public HttpConfig httpConfig() {
        return new HttpConfig(httpMaxInitialLine, httpMaxHeaderBytes, httpMaxBodyBytes, httpIdleTimeout,
                httpAccessLog, staticRoot, httpZeroCopy, metricsEnabled, socketIoEnabled, socketIo, webSocketConfig(),
                httpServing);
    }

    /** The TLS section: certificate, key, reload interval, handshake timeout, and which listeners speak it. */
    public TlsConfig tlsConfig() {
        return new TlsConfig(tlsListeners.stream().map(Listener::id).toList(), tlsCertificate, tlsKey,
                tlsReloadInterval, tlsHandshakeTimeout);
    }

    /** Where the accepted auth tokens come from. */
    public AuthConfig authConfig() {
        return new AuthConfig(authToken, authTokenFile, authReloadInterval, authJwtSecretFile, authJwtKeys,
                authDefaultPolicy, clock);
    }

    /** The connection limits' section ({@code limits.*}). */
    public LimitsConfig limitsConfig() {
        return new LimitsConfig(maxConnections, maxConnectionsPerIp, handshakeTimeout, httpHeaderTimeout, rateLimit,
                rateBurst, refusalLogInterval);
    }

    /** The admin API's section: its token file, how long a cluster-wide request waits, the reload interval. */
    public AdminConfig adminConfig() {
        return new AdminConfig(adminTokenFile, adminClusterTimeout, authReloadInterval);
    }

    /** The file of the admin API's tokens ({@code admin.token-file}), or {@code null}. */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    /** How long the admin API waits for the other nodes of a cluster ({@code admin.cluster-timeout}). */
    public Duration adminClusterTimeout() {
        return adminClusterTimeout;
    }

    /** The cluster broker's section: the Redis server ({@code null} for a single node), heartbeat TTL, peer-ack timeout. */
    public ClusterConfig clusterConfig() {
        return new ClusterConfig(cluster, clusterHeartbeatTtl, peerAckTimeout);
    }

    /** The directory HTTP serves files from, or {@code null} for the built-in page only. */
    public Path staticRoot() {
        return staticRoot;
    }

    /** Larger UDP datagrams are dropped and counted. */
    public int maxDatagramBytes() {
        return maxDatagramBytes;
    }

    /** The longest HTTP request line; longer gets 414. */
    public int httpMaxInitialLine() {
        return httpMaxInitialLine;
    }

    /** The most HTTP header bytes; more gets 431. */
    public int httpMaxHeaderBytes() {
        return httpMaxHeaderBytes;
    }

    /** The largest HTTP request body, and the largest WebSocket message; larger gets 413 (or close 1009). */
    public int httpMaxBodyBytes() {
        return httpMaxBodyBytes;
    }

    /** An HTTP keep-alive connection idle this long is closed. */
    public Duration httpIdleTimeout() {
        return httpIdleTimeout;
    }

    /**
     * Whether static files go out as zero-copy file regions (sendfile on epoll) where the channel
     * allows it; when false they are always read and written in chunks. Default true.
     */
    public boolean httpZeroCopy() {
        return httpZeroCopy;
    }

    /** How the HTTP listener serves: file caches, compression, CORS ({@code http.*} keys). */
    public HttpServing httpServing() {
        return httpServing;
    }

    /** Whether the HTTP listener serves Socket.IO (Engine.IO under {@link #socketIo()}'s path). Default true. */
    public boolean socketIoEnabled() {
        return socketIoEnabled;
    }

    /** The Engine.IO settings (path, heartbeat, payload limit, CORS...). */
    public EngineConfig socketIo() {
        return socketIo;
    }

    /** The Socket.IO layer's settings: relay events, connect and ack timeouts, where handlers run. */
    public SocketIoOptions socketIoOptions() {
        return socketIoOptions;
    }

    /** The Redis server this node joins a cluster through ({@code redis://host:port}), or {@code null} for a single node. */
    public URI cluster() {
        return cluster;
    }

    /**
     * How long this node counts as alive in the cluster after its last heartbeat; it beats every
     * third of this. Default 10 seconds.
     */
    public Duration clusterHeartbeatTtl() {
        return clusterHeartbeatTtl;
    }

    // ---- TLS and auth ----

    /** Whether the listener speaks TLS; only framed and HTTP (with its WebSocket bridge) can. */
    public boolean tls(Listener listener) {
        return tlsListeners.contains(listener);
    }

    /** The listeners that speak TLS; empty when none does. */
    public Set<Listener> tlsListeners() {
        return tlsListeners;
    }

    /** The PEM certificate chain (leaf first), or {@code null} when TLS is not configured. */
    public Path tlsCertificate() {
        return tlsCertificate;
    }

    /** The PEM PKCS#8 private key of the certificate, or {@code null} when TLS is not configured. */
    public Path tlsKey() {
        return tlsKey;
    }

    /** How often the certificate and key files are checked for changes; zero means never. */
    public Duration tlsReloadInterval() {
        return tlsReloadInterval;
    }

    /** A TLS handshake that does not complete in this time closes the connection. */
    public Duration tlsHandshakeTimeout() {
        return tlsHandshakeTimeout;
    }

    /**
     * Where the server writes the addresses its listeners are bound to once all are bound (and
     * removes at shutdown), for a health check that must find them however they were configured;
     * {@code null} for no such file. See {@code lifecycle.AddressFile}.
     */
    public Path addressFile() {
        return addressFile;
    }

    /**
     * A file of accepted auth tokens, one per line ({@code #} starts a comment line), or
     * {@code null} for none. Accepted alongside {@link #authToken()}.
     */
    public Path authTokenFile() {
        return authTokenFile;
    }

    /** How often the token file is checked for changes; zero means never. */
    public Duration authReloadInterval() {
        return authReloadInterval;
    }

    /** The file holding the HS256 secret signed tokens are verified with, or {@code null} for none. */
    public Path authJwtSecretFile() {
        return authJwtSecretFile;
    }

    /** The PEM or JWKS file of public keys (RS256, ES256) signed tokens are verified with, or {@code null}. */
    public Path authJwtKeys() {
        return authJwtKeys;
    }

    /** What sessions without a signed token may do. */
    public AccessPolicy authDefaultPolicy() {
        return authDefaultPolicy;
    }

    // ---- configuration and logging ----

    /** The address a listener binds: its own if one was set, else {@link #bindAddress()}. */
    public InetAddress bindAddress(Listener listener) {
        return listenerBindAddresses.getOrDefault(listener, bindAddress);
    }

    /** The address set for this listener alone, or {@code null} when it binds {@link #bindAddress()}. */
    public InetAddress listenerBindAddress(Listener listener) {
        return listenerBindAddresses.get(listener);
    }

    /** The port number configured for a listener, whether or not it is switched on. */
    public int configuredPort(Listener listener) {
        return configuredPorts.get(listener);
    }

    /** How log lines are written; {@link LogFormat#TEXT} by default. */
    public LogFormat logFormat() {
        return logFormat;
    }

    /** The root logger's level; INFO by default. */
    public Level logLevel() {
        return logLevel;
    }

    /** Levels of single loggers (and the loggers below them), over the root level; empty by default. */
    public Map<String, Level> loggerLevels() {
        return loggerLevels;
    }

    /** Whether the HTTP listener logs one line per request on the {@code io.switchboard.access} logger. */
    public boolean httpAccessLog() {
        return httpAccessLog;
    }

    /** Netty's buffer leak detection level; disabled by default (it costs throughput). */
    public ResourceLeakDetector.Level leakDetection() {
        return leakDetection;
    }

    /** Whether the HTTP listener serves {@code /metrics}; true by default. */
    public boolean metricsEnabled() {
        return metricsEnabled;
    }

    // ---- lifecycle, limits and socket options ----

    /**
     * How long a graceful shutdown waits for connections to finish after telling them (BYE,
     * WebSocket close 1001, {@code Connection: close}); what is still open then is closed.
     */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** Most connections open at once over all TCP listeners; 0 means no limit. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Most connections open at once from one client IP address over all TCP listeners; 0 means no limit. */
    public int maxConnectionsPerIp() {
        return maxConnectionsPerIp;
    }

    /** A framed connection that has not sent HELLO after this long gets ERROR 408 and is closed; 0 = never. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** An HTTP request whose headers have not all arrived this long after its first byte gets 408; 0 = never. */
    public Duration httpHeaderTimeout() {
        return httpHeaderTimeout;
    }

    /** Requests per second one connection may send (framed frames, HTTP requests); 0 means no limit. */
    public int rateLimit() {
        return rateLimit;
    }

    /** How many requests above the steady rate one connection may send in a burst. */
    public int rateBurst() {
        return rateBurst;
    }

    /** Refusals of one cause on one listener are logged at most once per this interval. */
    public Duration refusalLogInterval() {
        return refusalLogInterval;
    }

    /** The listen backlog; 0 means Netty's default (the kernel's {@code somaxconn}). */
    public int backlog() {
        return backlog;
    }

    /** Whether accepted TCP connections set {@code TCP_NODELAY}. Default true. */
    public boolean tcpNoDelay() {
        return tcpNoDelay;
    }

    /** {@code SO_SNDBUF} of accepted connections in bytes; 0 leaves the kernel's default (autotuning). */
    public int sendBufferBytes() {
        return sendBufferBytes;
    }

    /** {@code SO_RCVBUF} of accepted connections (and the UDP socket) in bytes; 0 leaves the kernel's default. */
    public int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /**
     * Listening sockets per TCP listener. Above 1 they share the port with {@code SO_REUSEPORT}
     * and the kernel spreads new connections over them; that needs the epoll transport.
     */
    public int listenerChannels() {
        return listenerChannels;
    }

    /** Builds a {@link ServerConfig}; each setter checks its value at once. */
    public static final class Builder {
        private InetAddress bindAddress;
        private final Map<Listener, Integer> ports = new EnumMap<>(Listener.class);
        private TransportChoice transport = TransportChoice.AUTO;
        private EpollMode epollMode;
        private int ioThreads;
        private int maxFrameLength = Wire.DEFAULT_MAX_FRAME_LENGTH;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private int writeBufferLowWaterMark = 32 * 1024;
        private int writeBufferHighWaterMark = 64 * 1024;
        private String authToken = "";
        private int maxRoomsPerSession = 64;
        private int maxRoomNameBytes = 128;
        private int maxEventNameBytes = 64;
        private Integer maxPayloadBytes;
        private SlowConsumerPolicy slowConsumerPolicy = SlowConsumerPolicy.DROP;
        private Duration peerAckTimeout = Duration.ofSeconds(10);
        private Path staticRoot;
        private int maxDatagramBytes = 65_507;
        private int httpMaxInitialLine = 8192;
        private int httpMaxHeaderBytes = 16 * 1024;
        private int httpMaxBodyBytes = 1 << 20;
        private Duration httpIdleTimeout = Duration.ofSeconds(30);
        private boolean httpZeroCopy = true;
        private HttpServing httpServing = HttpServing.defaults();
        private URI cluster;
        private boolean socketIoEnabled = true;
        private EngineConfig socketIo =
                EngineConfig.defaults();
        private SocketIoOptions socketIoOptions =
                SocketIoOptions.defaults();
        private Duration clusterHeartbeatTtl = Duration.ofSeconds(10);
        // ---- TLS and auth ----
        private final Set<Listener> tlsListeners = EnumSet.noneOf(Listener.class);
        private Path tlsCertificate;
        private Path tlsKey;
        private Duration tlsReloadInterval = Duration.ofSeconds(10);
        private Duration tlsHandshakeTimeout = Duration.ofSeconds(10);
        private Path authTokenFile;
        private Path addressFile;
        private Duration authReloadInterval = Duration.ofSeconds(10);
        private Path authJwtSecretFile;
        private Path authJwtKeys;
        private AccessPolicy authDefaultPolicy = AccessPolicy.OPEN;
        private Clock clock = Clock.systemUTC();

        // ---- configuration and logging ----
        private final Set<Listener> disabled = EnumSet.noneOf(Listener.class);
        private final Map<Listener, InetAddress> listenerBindAddresses = new EnumMap<>(Listener.class);
        private LogFormat logFormat = LogFormat.TEXT;
        private Level logLevel = Level.INFO;
        private Map<String, Level> loggerLevels = Map.of();
        private boolean httpAccessLog;
        private ResourceLeakDetector.Level leakDetection = ResourceLeakDetector.Level.DISABLED;
        private boolean metricsEnabled = true;

        // ---- lifecycle, limits and socket options ----
        private Duration drainTimeout = Duration.ofSeconds(10);
        private int maxConnections;
        private int maxConnectionsPerIp;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration httpHeaderTimeout = Duration.ofSeconds(10);
        private int rateLimit;
        private int rateBurst;
        private Duration refusalLogInterval = Duration.ofSeconds(10);
        private int backlog;
        private boolean tcpNoDelay = true;
        private int sendBufferBytes;
        private int receiveBufferBytes;
        private int listenerChannels = 1;
        private Path adminTokenFile;
        private Duration adminClusterTimeout = Duration.ofSeconds(2);

        private Builder() {
            try {
                bindAddress = InetAddress.getByName("0.0.0.0");
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
            for (Listener listener : Listener.values()) {
                ports.put(listener, listener.defaultPort());
            }
            // The admin API is off unless switched on, and on loopback unless bound elsewhere.
            disabled.add(Listener.ADMIN);
            listenerBindAddresses.put(Listener.ADMIN, InetAddress.getLoopbackAddress());
        }

        /** The file of the admin API's tokens (one per line, optionally {@code NAME TOKEN}); {@code null} for none. */
        public Builder adminTokenFile(Path file) {
            this.adminTokenFile = file == null ? null : readableFile("admin.token-file", file);
            return this;
        }

        /** How long the admin API waits for the other nodes of a cluster: 100 ms to 60 s. */
        public Builder adminClusterTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "adminClusterTimeout");
            if (timeout.toMillis() < 100 || timeout.toMillis() > 60_000) {
                throw new IllegalArgumentException("admin cluster timeout: " + timeout + " (expected: 100 ms to 60 s)");
            }
            this.adminClusterTimeout = timeout;
            return this;
        }

        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "bindAddress");
            return this;
        }

        /**
         * Sets a listener's port: 1..65535, 0 for an ephemeral port, {@link #DISABLED} to switch it
         * off (a port number alone does not switch it on again: {@link #enabled(Listener, boolean)} does).
         */
        public Builder port(Listener listener, int port) {
            Objects.requireNonNull(listener, "listener");
            if (port != DISABLED && (port < 0 || port > 65535)) {
                throw new IllegalArgumentException(listener.id() + " port: " + port
                        + " (expected: 0..65535, 0 for an ephemeral port, or off)");
            }
            if (port == DISABLED) {
                disabled.add(listener);
            } else {
                ports.put(listener, port);
            }
            return this;
        }

        public Builder transport(TransportChoice transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** The epoll mode; {@code null} for the default. Only valid with the epoll transport. */
        public Builder epollMode(EpollMode epollMode) {
            this.epollMode = epollMode;
            return this;
        }

        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 0 || ioThreads > 1024) {
                throw new IllegalArgumentException("io threads: " + ioThreads + " (expected: 0..1024, 0 for Netty's default)");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        public Builder maxFrameLength(int maxFrameLength) {
            if (maxFrameLength < 64 || maxFrameLength > Wire.MAX_MAX_FRAME_LENGTH) {
                throw new IllegalArgumentException("max frame length: " + maxFrameLength
                        + " (expected: 64.." + Wire.MAX_MAX_FRAME_LENGTH + ")");
            }
            this.maxFrameLength = maxFrameLength;
            return this;
        }

        public Builder idleTimeout(Duration idleTimeout) {
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (idleTimeout.isNegative() || idleTimeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("idle timeout: " + idleTimeout
                        + " (expected: 0 for none, or up to " + Integer.MAX_VALUE + " ms)");
            }
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** Sets both write-buffer water marks, in bytes. */
        public Builder writeBufferWaterMarks(int low, int high) {
            if (low < 1 || high < low) {
                throw new IllegalArgumentException("write buffer water marks: " + low + "/" + high
                        + " (expected: 1 <= low <= high)");
            }
            this.writeBufferLowWaterMark = low;
            this.writeBufferHighWaterMark = high;
            return this;
        }

        /** The token HELLO must carry; empty for none. */
        public Builder authToken(String token) {
            this.authToken = Objects.requireNonNull(token, "authToken");
            return this;
        }

        public Builder maxRoomsPerSession(int n) {
            this.maxRoomsPerSession = range("max rooms per session", n, 1, 100_000);
            return this;
        }

        public Builder maxRoomNameBytes(int n) {
            this.maxRoomNameBytes = range("max room name bytes", n, 1, Wire.MAX_STRING_BYTES);
            return this;
        }

        public Builder maxEventNameBytes(int n) {
            this.maxEventNameBytes = range("max event name bytes", n, 1, Wire.MAX_STRING_BYTES);
            return this;
        }

        public Builder maxPayloadBytes(int n) {
            this.maxPayloadBytes = range("max payload bytes", n, 0, Wire.MAX_MAX_FRAME_LENGTH);
            return this;
        }

        public Builder slowConsumerPolicy(SlowConsumerPolicy policy) {
            this.slowConsumerPolicy = Objects.requireNonNull(policy, "slowConsumerPolicy");
            return this;
        }

        public Builder peerAckTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "peerAckTimeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("peer ack timeout: " + timeout + " (expected: more than zero)");
            }
            this.peerAckTimeout = timeout;
            return this;
        }

        /** The directory to serve over HTTP; {@code null} for the built-in page only. */
        public Builder staticRoot(Path root) {
            if (root != null && !Files.isDirectory(root)) {
                throw new IllegalArgumentException("static root: " + root + " (expected: an existing directory)");
            }
            this.staticRoot = root;
            return this;
        }

        public Builder maxDatagramBytes(int n) {
            this.maxDatagramBytes = range("max datagram bytes", n, 1, 65_507);
            return this;
        }

        public Builder httpMaxInitialLine(int n) {
            this.httpMaxInitialLine = range("http max initial line", n, 256, 1 << 20);
            return this;
        }

        public Builder httpMaxHeaderBytes(int n) {
            this.httpMaxHeaderBytes = range("http max header bytes", n, 256, 1 << 20);
            return this;
        }

        public Builder httpMaxBodyBytes(int n) {
            this.httpMaxBodyBytes = range("http max body bytes", n, 0, 64 << 20);
            return this;
        }

        public Builder httpIdleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "httpIdleTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("http idle timeout: " + timeout + " (expected: more than zero)");
            }
            this.httpIdleTimeout = timeout;
            return this;
        }

        /** Whether static files may be sent zero-copy; false forces chunked reads. */
        public Builder httpZeroCopy(boolean zeroCopy) {
            this.httpZeroCopy = zeroCopy;
            return this;
        }

        /** The HTTP serving settings set so far (for the http.* keys, which change one field each). */
        public HttpServing httpServingNow() {
            return httpServing;
        }

        /** How the HTTP listener serves: file caches, compression, CORS. */
        public Builder httpServing(HttpServing serving) {
            this.httpServing = Objects.requireNonNull(serving, "httpServing");
            return this;
        }

        /** Serves Socket.IO on the HTTP listener or not (socketio.enabled). */
        public Builder socketIoEnabled(boolean enabled) {
            this.socketIoEnabled = enabled;
            return this;
        }

        /** The Engine.IO settings set so far (for the socketio.* keys, which change one field each). */
        public EngineConfig socketIoConfig() {
            return socketIo;
        }

        /** The Engine.IO settings (socketio.*). */
        public Builder socketIo(EngineConfig config) {
            this.socketIo = Objects.requireNonNull(config, "socketIo");
            return this;
        }

        /** The Socket.IO layer's settings as set so far. */
        public SocketIoOptions socketIoOptionsNow() {
            return socketIoOptions;
        }

        /** The Socket.IO layer's settings (embedding: where handlers run, relay events on or off). */
        public Builder socketIoOptions(SocketIoOptions options) {
            this.socketIoOptions = Objects.requireNonNull(options, "socketIoOptions");
            return this;
        }

        /** Joins a cluster through this Redis server ({@code redis://[:password@]host[:port][/db]}); {@code null} for none. */
        public Builder cluster(URI redis) {
            if (redis != null && (redis.getScheme() == null
                    || !(redis.getScheme().equals("redis") || redis.getScheme().equals("rediss"))
                    || redis.getHost() == null)) {
                throw new IllegalArgumentException("cluster.redis: " + redis + " (expected: redis://host:port)");
            }
            this.cluster = redis;
            return this;
        }

        /** How long a node counts as alive after its last heartbeat: 300 ms to 1 hour. */
        public Builder clusterHeartbeatTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "clusterHeartbeatTtl");
            if (ttl.toMillis() < 300 || ttl.toMillis() > 3_600_000) {
                throw new IllegalArgumentException("cluster.heartbeat-ttl: " + ttl + " (expected: 300 ms to 1 hour)");
            }
            this.clusterHeartbeatTtl = ttl;
            return this;
        }

        // ---- TLS and auth ----

        /** Whether a listener speaks TLS; only {@link Listener#FRAMED} and {@link Listener#HTTP} can. */
        public Builder tls(Listener listener, boolean tls) {
            Objects.requireNonNull(listener, "listener");
            if (tls && listener != Listener.FRAMED && listener != Listener.HTTP && listener != Listener.ADMIN) {
                throw new IllegalArgumentException("listeners." + listener.id() + ".tls: true"
                        + " (expected: false; only the framed, http and admin listeners speak TLS)");
            }
            if (tls) {
                tlsListeners.add(listener);
            } else {
                tlsListeners.remove(listener);
            }
            return this;
        }

        /** The PEM certificate chain, leaf first; {@code null} for none. */
        public Builder tlsCertificate(Path file) {
            this.tlsCertificate = readableFile("tls.cert", file);
            return this;
        }

        /** The PEM PKCS#8 private key ({@code BEGIN PRIVATE KEY}); {@code null} for none. */
        public Builder tlsKey(Path file) {
            this.tlsKey = readableFile("tls.key", file);
            return this;
        }

        /** How often to check the certificate and key for changes: zero for never, else 100 ms to a day. */
        public Builder tlsReloadInterval(Duration interval) {
            this.tlsReloadInterval = reloadInterval("tls.reload-interval", interval);
            return this;
        }

        /** How long a TLS handshake may take: 100 ms to 5 minutes. */
        public Builder tlsHandshakeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "tlsHandshakeTimeout");
            if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("tls.handshake-timeout: " + timeout + " (expected: 100 ms to 5 min)");
            }
            this.tlsHandshakeTimeout = timeout;
            return this;
        }

        /** The file listing the bound listener addresses; {@code null} for none. */
        public Builder addressFile(Path file) {
            this.addressFile = file;
            return this;
        }

        /** A file of auth tokens, one per line; {@code null} for none. */
        public Builder authTokenFile(Path file) {
            this.authTokenFile = readableFile("auth.token-file", file);
            return this;
        }

        /** How often to check the token file for changes: zero for never, else 100 ms to a day. */
        public Builder authReloadInterval(Duration interval) {
            this.authReloadInterval = reloadInterval("auth.reload-interval", interval);
            return this;
        }

        /** A file holding the HS256 secret of signed tokens (at least 32 bytes); {@code null} for none. */
        public Builder authJwtSecretFile(Path file) {
            this.authJwtSecretFile = readableFile("auth.jwt-secret-file", file);
            return this;
        }

        /** A PEM file of public keys or a JWKS file, for RS256 and ES256 signed tokens; {@code null} for none. */
        public Builder authJwtKeys(Path file) {
            this.authJwtKeys = readableFile("auth.jwt-keys", file);
            return this;
        }

        /** What sessions without a signed token may do. */
        public Builder authDefaultPolicy(AccessPolicy policy) {
            this.authDefaultPolicy = Objects.requireNonNull(policy, "authDefaultPolicy");
            return this;
        }

        /**
         * The clock signed tokens' times are read from (verification, refresh, expiry of a
         * session's grant): the system's, unless a test holds its own. Not a configuration key.
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        private static Path readableFile(String name, Path file) {
            if (file != null && (!Files.isRegularFile(file) || !Files.isReadable(file))) {
                throw new IllegalArgumentException(name + ": " + file + " (expected: a readable file)");
            }
            return file;
        }

        private static Duration reloadInterval(String name, Duration interval) {
            Objects.requireNonNull(interval, name);
            if (!interval.isZero() && (interval.compareTo(Duration.ofMillis(100)) < 0
                    || interval.compareTo(Duration.ofDays(1)) > 0)) {
                throw new IllegalArgumentException(name + ": " + interval + " (expected: 0 for never, or 100 ms to 1 day)");
            }
            return interval;
        }

        // ---- configuration and logging ----

        /** Switches a listener on or off; on by default. */
        public Builder enabled(Listener listener, boolean enabled) {
            Objects.requireNonNull(listener, "listener");
            if (enabled) {
                disabled.remove(listener);
            } else {
                disabled.add(listener);
            }
            return this;
        }

        /** The address one listener binds; {@code null} to bind {@link #bindAddress(InetAddress)} like the others. */
        public Builder bindAddress(Listener listener, InetAddress address) {
            Objects.requireNonNull(listener, "listener");
            if (address == null) {
                listenerBindAddresses.remove(listener);
            } else {
                listenerBindAddresses.put(listener, address);
            }
            return this;
        }

        public Builder logFormat(LogFormat format) {
            this.logFormat = Objects.requireNonNull(format, "logFormat");
            return this;
        }

        /** The root logger's level. */
        public Builder logLevel(Level level) {
            this.logLevel = Objects.requireNonNull(level, "logLevel");
            return this;
        }

        /** Levels of single loggers by name (a logger's level also covers the loggers below it). */
        public Builder loggerLevels(Map<String, Level> levels) {
            Objects.requireNonNull(levels, "loggerLevels");
            for (Map.Entry<String, Level> e : levels.entrySet()) {
                if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null) {
                    throw new IllegalArgumentException("logging.levels: " + e.getKey() + "=" + e.getValue()
                            + " (expected: a logger name and a level)");
                }
            }
            this.loggerLevels = new LinkedHashMap<>(levels);
            return this;
        }

        /** Whether the HTTP listener logs every request on the {@code io.switchboard.access} logger. */
        public Builder httpAccessLog(boolean accessLog) {
            this.httpAccessLog = accessLog;
            return this;
        }

        public Builder leakDetection(ResourceLeakDetector.Level level) {
            this.leakDetection = Objects.requireNonNull(level, "leakDetection");
            return this;
        }

        /** Whether the HTTP listener serves {@code /metrics}. */
        public Builder metricsEnabled(boolean enabled) {
            this.metricsEnabled = enabled;
            return this;
        }

        // ---- lifecycle, limits and socket options ----

        /** How long a graceful shutdown drains connections: 0 (close at once) to 1 hour. */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = duration("shutdown.drain-timeout", timeout, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** Most connections in total over all TCP listeners: 0 for no limit, else up to 10,000,000. */
        public Builder maxConnections(int n) {
            this.maxConnections = range("limits.max-connections", n, 0, 10_000_000);
            return this;
        }

        /** Most connections from one client IP address: 0 for no limit, else up to 10,000,000. */
        public Builder maxConnectionsPerIp(int n) {
            this.maxConnectionsPerIp = range("limits.max-connections-per-ip", n, 0, 10_000_000);
            return this;
        }

        /** How long a framed client has to send HELLO: 0 for no limit, else 100 ms to 1 hour. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = optionalDuration("limits.handshake-timeout", timeout);
            return this;
        }

        /** How long an HTTP request's headers may take to arrive: 0 for no limit, else 100 ms to 1 hour. */
        public Builder httpHeaderTimeout(Duration timeout) {
            this.httpHeaderTimeout = optionalDuration("limits.http-header-timeout", timeout);
            return this;
        }

        /** Requests per second per connection: 0 for no limit, else 1 to 1,000,000. */
        public Builder rateLimit(int perSecond) {
            this.rateLimit = range("limits.rate", perSecond, 0, 1_000_000);
            return this;
        }

        /** The burst above the rate: 0 for the rate itself (one second's worth), else 1 to 10,000,000. */
        public Builder rateBurst(int burst) {
            this.rateBurst = range("limits.rate-burst", burst, 0, 10_000_000);
            return this;
        }

        /** How often a refusal cause may be logged per listener: 0 (every time) to 1 hour. */
        public Builder refusalLogInterval(Duration interval) {
            this.refusalLogInterval = duration("limits.log-interval", interval, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** The listen backlog: 0 for the kernel's somaxconn, else 1 to 65535. */
        public Builder backlog(int backlog) {
            this.backlog = range("socket.backlog", backlog, 0, 65_535);
            return this;
        }

        public Builder tcpNoDelay(boolean noDelay) {
            this.tcpNoDelay = noDelay;
            return this;
        }

        /** SO_SNDBUF in bytes: 0 for the kernel's default, else 1024 to 64 MiB. */
        public Builder sendBufferBytes(int bytes) {
            this.sendBufferBytes = bytes == 0 ? 0 : range("socket.send-buffer", bytes, 1024, 64 << 20);
            return this;
        }

        /** SO_RCVBUF in bytes: 0 for the kernel's default, else 1024 to 64 MiB. */
        public Builder receiveBufferBytes(int bytes) {
            this.receiveBufferBytes = bytes == 0 ? 0 : range("socket.receive-buffer", bytes, 1024, 64 << 20);
            return this;
        }

        /** Queued outbound bytes below which a connection is writable again; checked against the high mark in build(). */
        public Builder writeBufferLowWaterMark(int bytes) {
            this.writeBufferLowWaterMark = range("socket.write-buffer-low", bytes, 1, 1 << 30);
            return this;
        }

        /** Queued outbound bytes above which reading stops; checked against the low mark in build(). */
        public Builder writeBufferHighWaterMark(int bytes) {
            this.writeBufferHighWaterMark = range("socket.write-buffer-high", bytes, 1, 1 << 30);
            return this;
        }

        /** Listening sockets per TCP listener: 1 to 64; above 1 needs epoll (SO_REUSEPORT). */
        public Builder listenerChannels(int n) {
            this.listenerChannels = range("socket.listener-channels", n, 1, 64);
            return this;
        }

        private static Duration duration(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + " to " + max + ")");
            }
            return value;
        }

        private static Duration optionalDuration(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (!value.isZero() && (value.compareTo(Duration.ofMillis(100)) < 0 || value.compareTo(Duration.ofHours(1)) > 0)) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: 0 for none, or 100 ms to 1 hour)");
            }
            return value;
        }

        private static int range(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
            }
            return value;
        }

        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }
}
