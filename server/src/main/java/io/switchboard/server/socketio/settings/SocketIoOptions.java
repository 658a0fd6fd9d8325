package io.switchboard.server.socketio.settings;

import io.switchboard.server.socketio.protocol.SioDecoderOptions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Settings of the Socket.IO layer above Engine.IO.
 *
 * @param relay whether the reserved {@code sb:*} events (join, leave, publish, broadcast, send,
 *     members) are served on namespaces that do not turn them off: the standalone server's behaviour
 * @param connectTimeout how long an Engine.IO session may stay without connecting to a namespace
 * @param ackTimeout the default timeout of {@link io.switchboard.server.socketio.SioSocket#emitWithAck}
 * @param handlerExecutor where event handlers run: {@code null} runs them on the socket's event
 *     loop; otherwise on this executor, still one at a time and in order per socket
 * @param decoder the packet decoder's limits
 * @param recovery connection state recovery, for namespaces that do not set their own
 *     ({@link io.switchboard.server.socketio.Namespace#recovery}); off by default
 */
public record SocketIoOptions(boolean relay, Duration connectTimeout, Duration ackTimeout, Executor handlerExecutor,
        SioDecoderOptions decoder, Recovery recovery) {
    public SocketIoOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(ackTimeout, "ackTimeout");
        Objects.requireNonNull(decoder, "decoder");
        Objects.requireNonNull(recovery, "recovery");
    }

    /**
     * Connection state recovery (socket.io 4.6+): a socket whose transport is lost keeps its id,
     * its rooms and the events it would have received for {@code maxDisconnection}, and a client
     * that reconnects in time with its private id and last offset gets them back
     * (docs/socketio-recovery.md).
     *
     * @param maxDisconnection how long a socket is kept after its transport is lost; zero turns recovery off
     * @param maxEvents packets one socket retains for a replay (recent events sent, and everything
     *     produced while it is disconnected)
     * @param maxBytes bytes one socket retains for a replay
     */
    public record Recovery(Duration maxDisconnection, int maxEvents, long maxBytes) {
        /** Off; the limits that apply once a duration is set. */
        public static final Recovery OFF = new Recovery(Duration.ZERO, 1000, 1 << 20);

        public Recovery {
            Objects.requireNonNull(maxDisconnection, "maxDisconnection");
            if (maxDisconnection.isNegative() || maxEvents < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("recovery: negative duration or limits below 1");
            }
        }

        /** Whether recovery is on. */
        public boolean enabled() {
            return !maxDisconnection.isZero();
        }

        public Recovery withMaxDisconnection(Duration d) {
            return new Recovery(d, maxEvents, maxBytes);
        }

        public Recovery withMaxEvents(int n) {
            return new Recovery(maxDisconnection, n, maxBytes);
        }

        public Recovery withMaxBytes(long n) {
            return new Recovery(maxDisconnection, maxEvents, n);
        }
    }

    /** The standalone server's: relay on, 45 s to connect (the reference's default), 10 s acks, handlers on the event loop. */
    public static SocketIoOptions defaults() {
        return new SocketIoOptions(true, Duration.ofSeconds(45), Duration.ofSeconds(10), null, SioDecoderOptions.defaults(),
                Recovery.OFF);
    }

    public SocketIoOptions withRelay(boolean on) {
        return new SocketIoOptions(on, connectTimeout, ackTimeout, handlerExecutor, decoder, recovery);
    }

    public SocketIoOptions withConnectTimeout(Duration timeout) {
        return new SocketIoOptions(relay, timeout, ackTimeout, handlerExecutor, decoder, recovery);
    }

    public SocketIoOptions withAckTimeout(Duration timeout) {
        return new SocketIoOptions(relay, connectTimeout, timeout, handlerExecutor, decoder, recovery);
    }

    public SocketIoOptions withHandlerExecutor(Executor executor) {
        return new SocketIoOptions(relay, connectTimeout, ackTimeout, executor, decoder, recovery);
    }

    public SocketIoOptions withRecovery(Recovery r) {
        return new SocketIoOptions(relay, connectTimeout, ackTimeout, handlerExecutor, decoder, r);
    }
}
