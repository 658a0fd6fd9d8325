package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;

/**
 * One Engine.IO session, seen from the layer above. Its methods may be called from any thread;
 * work is done on {@link #eventLoop()}, the loop every {@link EngineListener} callback for this
 * socket runs on. Sends from the event loop itself are queued and flushed once per loop task
 * batch; sends after the session closed are dropped (and released).
 */
public interface EngineSocket {
    /** The session id (the {@code sid}): 20 random bytes, base64url. */
    String id();

    /** The event loop this session lives on. */
    EventLoop eventLoop();

    /** Sends a text message (packet type 4). */
    void send(String text);

    /**
     * Sends a text message (packet type 4) whose WebSocket frame is already made by
     * {@link #webSocketMessage}, typically once for every recipient of a broadcast: takes ownership
     * of {@code frame} (a retained duplicate of the shared one). A WebSocket without extensions gets
     * the frame as it is; polling and a compressed WebSocket send {@code text} and release it.
     */
    void send(String text, ByteBuf frame);

    /**
     * The complete WebSocket frame of the text message {@code text} (type 4), into a new buffer from
     * {@code alloc} the caller owns: to be made once and shared by {@link #send(String, ByteBuf)}.
     */
    static ByteBuf webSocketMessage(io.netty.buffer.ByteBufAllocator alloc, String text) {
        return EngineCodec.webSocketText(alloc, PacketType.MESSAGE, text);
    }

    /** Sends a binary message; takes ownership of {@code data}. */
    void send(ByteBuf data);

    /** Flushes what is queued, then closes the session; {@link EngineListener#onClose} follows with "forced close". */
    void close();

    /** The current transport: {@code "polling"} or {@code "websocket"}. Read on the event loop for an exact answer. */
    String transport();

    /** Whether the session upgraded from polling to WebSocket. */
    boolean upgraded();

    /** Whether the session is still open. */
    boolean isOpen();

    /** What the opening request carried: query, headers, remote address, URL. */
    Handshake handshake();

    /**
     * What this session received and sent (messages and their bytes), counted on its event loop;
     * the Socket.IO sockets on it count into the same.
     */
    io.switchboard.server.session.SessionCounters counters();

    /**
     * Attaches the layer above's object for this session (its Socket.IO connection), so that each
     * message finds it without a lookup. On {@link #eventLoop()}, like what reads it.
     */
    void attach(Object attachment);

    /** What {@link #attach} attached, or {@code null}. On {@link #eventLoop()}. */
    Object attachment();
}
