package io.switchboard.server.socketio;

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
 * @param ackTimeout the default timeout of {@link SioSocket#emitWithAck}
 * @param handlerExecutor where event handlers run: {@code null} runs them on the socket's event
 *     loop; otherwise on this executor, still one at a time and in order per socket
 * @param decoder the packet decoder's limits
 */
public record SocketIoOptions(boolean relay, Duration connectTimeout, Duration ackTimeout, Executor handlerExecutor,
        SioDecoderOptions decoder) {
    public SocketIoOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(ackTimeout, "ackTimeout");
        Objects.requireNonNull(decoder, "decoder");
    }

    /** The standalone server's: relay on, 45 s to connect (the reference's default), 10 s acks, handlers on the event loop. */
    public static SocketIoOptions defaults() {
        return new SocketIoOptions(true, Duration.ofSeconds(45), Duration.ofSeconds(10), null, SioDecoderOptions.defaults());
    }

    public SocketIoOptions withRelay(boolean on) {
        return new SocketIoOptions(on, connectTimeout, ackTimeout, handlerExecutor, decoder);
    }

    public SocketIoOptions withConnectTimeout(Duration timeout) {
        return new SocketIoOptions(relay, timeout, ackTimeout, handlerExecutor, decoder);
    }

    public SocketIoOptions withAckTimeout(Duration timeout) {
        return new SocketIoOptions(relay, connectTimeout, timeout, handlerExecutor, decoder);
    }

    public SocketIoOptions withHandlerExecutor(Executor executor) {
        return new SocketIoOptions(relay, connectTimeout, ackTimeout, executor, decoder);
    }
}
