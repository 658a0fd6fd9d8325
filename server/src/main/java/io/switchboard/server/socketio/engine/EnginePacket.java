package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * One Engine.IO packet: a type and either text data (possibly empty) or, for binary messages, a
 * buffer this packet owns until {@link #release()} or until the buffer is handed on.
 */
final class EnginePacket {
    static final EnginePacket PING = new EnginePacket(PacketType.PING, "", null);
    static final EnginePacket PONG = new EnginePacket(PacketType.PONG, "", null);
    static final EnginePacket CLOSE = new EnginePacket(PacketType.CLOSE, "", null);
    static final EnginePacket NOOP = new EnginePacket(PacketType.NOOP, "", null);
    static final EnginePacket UPGRADE = new EnginePacket(PacketType.UPGRADE, "", null);
    static final EnginePacket PROBE_PONG = new EnginePacket(PacketType.PONG, "probe", null);

    final PacketType type;
    /** The text after the type digit; {@code null} for binary messages. */
    final String text;
    /** The data of a binary message; {@code null} otherwise. */
    ByteBuf binary;
    /**
     * A text message's complete WebSocket frame, made once for every recipient (a retained
     * duplicate this packet owns until {@link #release()} or {@link #takeFrame()}); {@code null}
     * when the frame is to be encoded from {@link #text} for this recipient alone.
     */
    private ByteBuf frame;

    private EnginePacket(PacketType type, String text, ByteBuf binary) {
        this.type = type;
        this.text = text;
        this.binary = binary;
    }

    static EnginePacket text(PacketType type, String text) {
        return new EnginePacket(type, text, null);
    }

    static EnginePacket message(String text) {
        return new EnginePacket(PacketType.MESSAGE, text, null);
    }

    /** A text message with its WebSocket frame already made ({@link EngineCodec#webSocketText}); owns {@code frame}. */
    static EnginePacket message(String text, ByteBuf frame) {
        EnginePacket p = new EnginePacket(PacketType.MESSAGE, text, null);
        p.frame = frame;
        return p;
    }

    /** A binary message owning {@code data}. */
    static EnginePacket binary(ByteBuf data) {
        return new EnginePacket(PacketType.MESSAGE, null, data);
    }

    boolean isBinary() {
        return binary != null;
    }

    /** Hands the binary data on: this packet no longer owns it. */
    ByteBuf takeBinary() {
        ByteBuf b = binary;
        binary = null;
        return b;
    }

    /** Hands the made WebSocket frame on (or {@code null} when there is none): this packet no longer owns it. */
    ByteBuf takeFrame() {
        ByteBuf f = frame;
        frame = null;
        return f;
    }

    /** Releases the binary data and the made frame, if this packet still owns them. */
    void release() {
        ByteBuf b = binary;
        if (b != null) {
            binary = null;
            b.release();
        }
        ByteBuf f = frame;
        if (f != null) {
            frame = null;
            f.release();
        }
    }

    /** The bytes this packet adds to a buffer, roughly (UTF-16 length for text). */
    int weight() {
        return binary != null ? binary.readableBytes() : text.length() + 1;
    }

    boolean isProbe() {
        return "probe".equals(text);
    }

    @Override
    public String toString() {
        return binary != null ? "binary(" + binary.readableBytes() + ")" : type.digit + text;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
