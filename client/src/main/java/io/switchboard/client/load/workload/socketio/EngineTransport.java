package io.switchboard.client.load.workload.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;

/**
 * How one {@link SioConnection} reaches the server: a WebSocket ({@link WsTransport}) or HTTP
 * long-polling ({@link PollingTransport}). The transport delivers each Engine.IO packet it reads
 * to {@link SioConnection#onPacket}, and tells it when it opened, failed or closed. Every method
 * runs on the connection's event loop.
 */
interface EngineTransport {
    /**
     * A buffer for one packet of about {@code capacity} bytes (it may grow), to be written from its
     * reader index and passed to {@link #send}: a WebSocket keeps room for the frame's header in
     * front of it, so the frame is made in place, without a copy.
     */
    ByteBuf buffer(int capacity);

    /** Queues one Engine.IO packet (its text; ownership passes to the transport), without flushing. */
    void send(ByteBuf packet);

    /**
     * Sends what {@link #send} queued, and runs {@code written} on the event loop once all of it is
     * written to the socket (or failed): one completion for the whole batch.
     */
    void flushThen(Runnable written);

    /** The open packet arrived: the session id (polling puts it in every request) and the server's maxPayload. */
    default void opened(String sid, long maxPayload) {
    }

    /** Sends what {@link #send} queued. */
    void flush();

    /** Closes the transport; {@link SioConnection#onClosed} follows. */
    void close();

    /** The allocator of the connection's channel. */
    ByteBufAllocator alloc();

    /** The connection's event loop. */
    EventExecutor executor();

    /** Wire bytes a packet of {@code length} bytes costs on this transport (framing included). */
    long wireBytes(int length);
}
