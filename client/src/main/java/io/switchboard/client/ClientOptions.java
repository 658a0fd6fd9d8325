package io.switchboard.client;

import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
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

    @Override
    public String toString() {
        return "ClientOptions[" + host + ":" + port + ", transport=" + transport.id()
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
