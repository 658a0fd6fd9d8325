package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;

/**
 * What the layer above Engine.IO (Socket.IO) implements. Every callback for one socket runs on
 * that socket's {@link EngineSocket#eventLoop()}, in the order the events happened: {@code onOpen}
 * first, {@code onClose} last and exactly once. Callbacks must not block. An exception thrown by a
 * callback is logged and otherwise ignored.
 */
public interface EngineListener {
    /** A session was opened (the open packet is already on its way to the client). */
    void onOpen(EngineSocket socket);

    /** A text message (packet type 4) arrived; {@code text} is its payload without the type digit. */
    void onMessage(EngineSocket socket, String text);

    /**
     * A binary message arrived (a raw binary WebSocket frame, or a {@code b<base64>} polling
     * packet). Ownership of {@code data} passes to the listener, which must release it.
     */
    void onBinary(EngineSocket socket, ByteBuf data);

    /**
     * The session is closed; nothing more will be delivered and sends are dropped. Reasons as the
     * reference server names them: {@code "transport close"} (the client closed), {@code "transport
     * error"}, {@code "ping timeout"}, {@code "parse error"}, {@code "forced close"} (the server
     * called {@link EngineSocket#close()}), {@code "buffer full"}, {@code "server shutting down"}.
     */
    void onClose(EngineSocket socket, String reason);
}
