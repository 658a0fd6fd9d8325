package io.switchboard.client;

import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * How a {@link SwitchboardClient} connects: immutable, built by {@link #builder()}, which checks
 * every value and names the bad one.
 */
public final class ClientOptions {
    private final String host;
    private final int port;
    private final TransportChoice transport;
    private final EpollMode epollMode;
    private final String name;
    private final String token;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxFrameLength;
    private final boolean reconnect;
    private final Duration reconnectInitialDelay;
    private final Duration reconnectMaxDelay;
    private final WhileDisconnected whileDisconnected;
    private final Executor listenerExecutor;
    private final Duration peerAckTimeout;
    private final boolean tls;
    private final Path tlsCaFile;
    private final boolean tlsInsecure;
    private final String tlsServerName;

    /** What calls do while the client is disconnected and reconnecting. */
    public enum WhileDisconnected {
        /** Fail at once with {@link NotConnectedException}. The default. */
        FAIL,
        /** Wait for the reconnection, up to the request timeout. */
        WAIT
    }

    private ClientOptions(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.transport = b.transport;
        this.epollMode = b.epollMode;
        this.name = b.name;
        this.token = b.token;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.maxFrameLength = b.maxFrameLength;
        this.reconnect = b.reconnect;
        this.reconnectInitialDelay = b.reconnectInitialDelay;
        this.reconnectMaxDelay = b.reconnectMaxDelay;
        this.whileDisconnected = b.whileDisconnected;
        this.listenerExecutor = b.listenerExecutor;
        this.peerAckTimeout = b.peerAckTimeout;
        this.tls = b.tls;
        this.tlsCaFile = b.tlsCaFile;
        this.tlsInsecure = b.tlsInsecure;
        this.tlsServerName = b.tlsServerName;
        if (!tls && (tlsCaFile != null || tlsInsecure || tlsServerName != null)) {
            throw new IllegalArgumentException("tls: false (expected: true when a CA file, insecure or a server name"
                    + " is set)");
        }
        if (tlsInsecure && tlsCaFile != null) {
            throw new IllegalArgumentException("tls insecure: true (expected: false with a CA file " + tlsCaFile
                    + ": trusting any certificate makes the CA pointless)");
        }
    }

    /** A builder with the defaults: {@code 127.0.0.1:7000}, transport auto, 5 s timeouts. */
    public static Builder builder() {
        return new Builder();
    }

    /** The server's host name or address. */
    public String host() {
        return host;
    }

    /** The server's framed-protocol port. */
    public int port() {
        return port;
    }

    /** The requested transport. */
    public TransportChoice transport() {
        return transport;
    }

    /** The requested epoll mode, or {@code null} for the default. */
    public EpollMode epollMode() {
        return epollMode;
    }

    /** The display name sent in HELLO. */
    public String name() {
        return name;
    }

    /** The auth token sent in HELLO; empty for none. */
    public String token() {
        return token;
    }

    /** How long connecting and the handshake may take together. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long a request may wait for its reply; zero for no limit. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** The largest frame accepted from the server. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /** Whether the client reconnects (and rejoins its rooms) when the connection drops. */
    public boolean reconnect() {
        return reconnect;
    }

    /** The first reconnect delay; each failed attempt doubles it, up to {@link #reconnectMaxDelay()}. */
    public Duration reconnectInitialDelay() {
        return reconnectInitialDelay;
    }

    /** The longest reconnect delay. Each delay is randomized to between half and all of it (jitter). */
    public Duration reconnectMaxDelay() {
        return reconnectMaxDelay;
    }

    /** What calls do while disconnected. */
    public WhileDisconnected whileDisconnected() {
        return whileDisconnected;
    }

    /**
     * Where listeners run; {@code null} means a dedicated thread per client, so listeners never
     * run on the I/O thread and see events in order.
     */
    public Executor listenerExecutor() {
        return listenerExecutor;
    }

    /** How long {@link SwitchboardClient#emit} waits for the peer's acknowledgement. */
    public Duration peerAckTimeout() {
        return peerAckTimeout;
    }

    /** Whether the client speaks TLS (1.3 or 1.2) to the server. */
    public boolean tls() {
        return tls;
    }

    /**
     * The PEM file of CA certificates the server's certificate must chain to, or {@code null} for
     * the JVM's default trust store.
     */
    public Path tlsCaFile() {
        return tlsCaFile;
    }

    /** Whether any server certificate is trusted and its name not checked: for tests only. */
    public boolean tlsInsecure() {
        return tlsInsecure;
    }

    /**
     * The name sent as SNI and checked against the server's certificate, or {@code null} for
     * {@link #host()} (an IP address is then checked against the certificate's IP entries).
     */
    public String tlsServerName() {
        return tlsServerName;
    }

    @Override
    public String toString() {
        return "ClientOptions[" + host + ":" + port + (tls ? ", tls" + (tlsInsecure ? " insecure" : "") : "")
                + ", transport=" + transport.id()
                + (epollMode == null ? "" : ", epollMode=" + epollMode.id()) + ", name=" + name + "]";
    }

    /** Builds {@link ClientOptions}; each setter checks its value at once. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 7000;
        private TransportChoice transport = TransportChoice.AUTO;
        private EpollMode epollMode;
        private String name = "";
        private String token = "";
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(5);
        private int maxFrameLength = Wire.MAX_MAX_FRAME_LENGTH;
        private boolean reconnect = true;
        private Duration reconnectInitialDelay = Duration.ofMillis(100);
        private Duration reconnectMaxDelay = Duration.ofSeconds(10);
        private WhileDisconnected whileDisconnected = WhileDisconnected.FAIL;
        private Executor listenerExecutor;
        private Duration peerAckTimeout = Duration.ofSeconds(15);
        private boolean tls;
        private Path tlsCaFile;
        private boolean tlsInsecure;
        private String tlsServerName;

        private Builder() {
        }

        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address)");
            }
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
            }
            this.port = port;
            return this;
        }

        public Builder transport(TransportChoice transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** The epoll mode, or {@code null} for the default; only valid with epoll. */
        public Builder epollMode(EpollMode epollMode) {
            this.epollMode = epollMode;
            return this;
        }

        /** The display name, at most {@value Wire#MAX_NAME_BYTES} bytes of UTF-8. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes > Wire.MAX_NAME_BYTES) {
                throw new IllegalArgumentException("name: " + bytes + " bytes (expected: at most " + Wire.MAX_NAME_BYTES + ")");
            }
            this.name = name;
            return this;
        }

        public Builder token(String token) {
            this.token = Objects.requireNonNull(token, "token");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connect timeout", timeout);
            return this;
        }

        /** The reply timeout; {@link Duration#ZERO} waits for ever. */
        public Builder requestTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "requestTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("request timeout: " + timeout + " (expected: zero or more)");
            }
            this.requestTimeout = timeout;
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

        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /** Sets the first and the longest reconnect delay. */
        public Builder reconnectDelays(Duration initial, Duration max) {
            positive("reconnect initial delay", initial);
            positive("reconnect max delay", max);
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("reconnect max delay: " + max + " (expected: at least the initial delay "
                        + initial + ")");
            }
            this.reconnectInitialDelay = initial;
            this.reconnectMaxDelay = max;
            return this;
        }

        public Builder whileDisconnected(WhileDisconnected policy) {
            this.whileDisconnected = Objects.requireNonNull(policy, "whileDisconnected");
            return this;
        }

        /**
         * Where listeners run. {@code Runnable::run} runs them on the I/O thread (fastest; they
         * must not block); {@code null} (the default) gives each client its own listener thread.
         */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = executor;
            return this;
        }

        public Builder peerAckTimeout(Duration timeout) {
            this.peerAckTimeout = positive("peer ack timeout", timeout);
            return this;
        }

        /**
         * Speak TLS (1.3 or 1.2, the suites of {@link io.switchboard.common.tls.TlsPolicy}). The
         * server's certificate is verified against the JVM's trust store (or {@link #tlsCaFile})
         * and its name against the host (or {@link #tlsServerName}).
         */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** Trust only the PEM CA certificates in this file; {@code null} for the JVM's trust store. */
        public Builder tlsCaFile(Path file) {
            if (file != null && (!Files.isRegularFile(file) || !Files.isReadable(file))) {
                throw new IllegalArgumentException("tls CA file: " + file + " (expected: a readable PEM file)");
            }
            this.tlsCaFile = file;
            return this;
        }

        /** Trust any certificate and skip the name check. Only for tests against a generated certificate. */
        public Builder tlsInsecure(boolean insecure) {
            this.tlsInsecure = insecure;
            return this;
        }

        /** The name to send as SNI and verify instead of the host; {@code null} for the host. */
        public Builder tlsServerName(String name) {
            if (name != null && (name.isBlank() || name.chars().anyMatch(Character::isWhitespace))) {
                throw new IllegalArgumentException("tls server name: '" + name + "' (expected: a host name)");
            }
            this.tlsServerName = name;
            return this;
        }

        private static Duration positive(String what, Duration value) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(what + ": " + value + " (expected: more than zero)");
            }
            return value;
        }

        public ClientOptions build() {
            return new ClientOptions(this);
        }
    }
}
