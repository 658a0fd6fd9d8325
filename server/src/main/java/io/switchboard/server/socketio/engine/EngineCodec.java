package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Engine.IO v4 packet and payload encoding. A packet is a type digit followed by its text; a
 * binary message is sent raw over WebSocket and as {@code b<base64>} in polling payloads. A
 * polling payload is packets joined by the record separator {@code \x1e}.
 */
final class EngineCodec {
    static final byte SEPARATOR = 0x1e;
    private static final byte BINARY_PREFIX = 'b';
    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DECODE = new byte[256];

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            DECODE[ALPHABET[i]] = (byte) i;
        }
    }

    private EngineCodec() {
    }

    /**
     * Decodes a polling payload. On success the caller owns the binary data of the returned
     * packets; on failure nothing is left allocated.
     */
    static List<EnginePacket> decodePayload(ByteBuf payload, ByteBufAllocator alloc) throws EngineProtocolException {
        List<EnginePacket> packets = new ArrayList<>(2);
        int index = payload.readerIndex();
        int end = payload.writerIndex();
        try {
            while (true) {
                int sep = payload.indexOf(index, end, SEPARATOR);
                int segmentEnd = sep < 0 ? end : sep;
                packets.add(decodePacket(payload, index, segmentEnd - index, alloc));
                if (sep < 0) {
                    return packets;
                }
                index = sep + 1;
            }
        } catch (EngineProtocolException e) {
            for (EnginePacket p : packets) {
                p.release();
            }
            throw e;
        }
    }

    /** Decodes one packet from {@code length} bytes at {@code index} (a text frame, or one segment of a payload). */
    static EnginePacket decodePacket(ByteBuf buf, int index, int length, ByteBufAllocator alloc)
            throws EngineProtocolException {
        if (length == 0) {
            throw new EngineProtocolException(Malformed.EMPTY_PACKET, "empty packet");
        }
        byte first = buf.getByte(index);
        if (first == BINARY_PREFIX) {
            return EnginePacket.binary(decodeBase64(buf, index + 1, length - 1, alloc));
        }
        PacketType type = PacketType.of(first);
        if (type == null) {
            throw new EngineProtocolException(Malformed.BAD_PACKET_TYPE, "unknown packet type " + (first & 0xff));
        }
        String text = length == 1 ? "" : buf.toString(index + 1, length - 1, StandardCharsets.UTF_8);
        return EnginePacket.text(type, text);
    }

    /** Encodes packets as a polling payload into a new buffer from {@code alloc}; the packets are not released. */
    static ByteBuf encodePayload(Collection<EnginePacket> packets, ByteBufAllocator alloc) {
        // Exact sizes: writeCharSequence(UTF_8) would reserve 3 bytes a character and grow the buffer.
        int[] utf8 = new int[packets.size()];
        int size = 0;
        int i = 0;
        for (EnginePacket p : packets) {
            if (p.isBinary()) {
                size += 2 + (p.binary.readableBytes() + 2) / 3 * 4;
            } else {
                utf8[i] = ByteBufUtil.utf8Bytes(p.text);
                size += 2 + utf8[i];
            }
            i++;
        }
        ByteBuf out = alloc.buffer(Math.max(0, size - 1));
        i = 0;
        for (EnginePacket p : packets) {
            if (i > 0) {
                out.writeByte(SEPARATOR);
            }
            if (p.isBinary()) {
                out.writeByte(BINARY_PREFIX);
                encodeBase64(p.binary, out);
            } else {
                out.writeByte(p.type.digit);
                ByteBufUtil.reserveAndWriteUtf8(out, p.text, utf8[i]);
            }
            i++;
        }
        return out;
    }

    /** Encodes a text packet as the content of a WebSocket text frame. */
    static ByteBuf encodeText(EnginePacket p, ByteBufAllocator alloc) {
        // The exact size: writeCharSequence(UTF_8) would reserve 3 bytes a character, so a buffer
        // of one byte a character grew (a second allocation and a copy) for every packet sent to
        // every recipient.
        int utf8 = ByteBufUtil.utf8Bytes(p.text);
        ByteBuf out = alloc.buffer(1 + utf8);
        out.writeByte(p.type.digit);
        ByteBufUtil.reserveAndWriteUtf8(out, p.text, utf8);
        return out;
    }

    /**
     * The complete WebSocket frame of the text packet {@code type} + {@code text} as a server sends
     * it (final, opcode text, unmasked, the shortest length form), into a buffer of its exact size:
     * made once, it is written as it is to every recipient of a broadcast over a WebSocket that
     * negotiated no extension, where netty's frame encoder would copy header and payload again for
     * each (under 1 KiB) or add a header buffer.
     */
    static ByteBuf webSocketText(ByteBufAllocator alloc, PacketType type, String text) {
        int utf8 = ByteBufUtil.utf8Bytes(text);
        int payload = 1 + utf8;
        int header = payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
        ByteBuf out = alloc.buffer(header + payload);
        out.writeByte(0x81);
        if (payload < 126) {
            out.writeByte(payload);
        } else if (payload <= 0xFFFF) {
            out.writeByte(126).writeShort(payload);
        } else {
            out.writeByte(127).writeLong(payload);
        }
        out.writeByte(type.digit);
        ByteBufUtil.reserveAndWriteUtf8(out, text, utf8);
        return out;
    }

    /** Standard base64 with padding, of {@code src}'s readable bytes (not consumed), onto {@code dst}. */
    static void encodeBase64(ByteBuf src, ByteBuf dst) {
        int i = src.readerIndex();
        int end = src.writerIndex();
        dst.ensureWritable((end - i + 2) / 3 * 4);
        while (end - i >= 3) {
            int n = (src.getByte(i) & 0xff) << 16 | (src.getByte(i + 1) & 0xff) << 8 | (src.getByte(i + 2) & 0xff);
            dst.writeByte(ALPHABET[n >>> 18]).writeByte(ALPHABET[(n >>> 12) & 63])
                    .writeByte(ALPHABET[(n >>> 6) & 63]).writeByte(ALPHABET[n & 63]);
            i += 3;
        }
        int rest = end - i;
        if (rest == 1) {
            int n = (src.getByte(i) & 0xff) << 16;
            dst.writeByte(ALPHABET[n >>> 18]).writeByte(ALPHABET[(n >>> 12) & 63]).writeByte('=').writeByte('=');
        } else if (rest == 2) {
            int n = (src.getByte(i) & 0xff) << 16 | (src.getByte(i + 1) & 0xff) << 8;
            dst.writeByte(ALPHABET[n >>> 18]).writeByte(ALPHABET[(n >>> 12) & 63])
                    .writeByte(ALPHABET[(n >>> 6) & 63]).writeByte('=');
        }
    }

    /**
     * Strict standard base64 (RFC 4648 alphabet; padding optional but, when present, correct; no
     * whitespace) of {@code length} bytes at {@code index}, into a new buffer from {@code alloc}.
     */
    static ByteBuf decodeBase64(ByteBuf src, int index, int length, ByteBufAllocator alloc)
            throws EngineProtocolException {
        int len = length;
        if (len > 0 && src.getByte(index + len - 1) == '=') {
            len--;
            if (len > 0 && src.getByte(index + len - 1) == '=') {
                len--;
            }
            if (length % 4 != 0) {
                throw new EngineProtocolException(Malformed.BAD_BASE64, "bad base64 padding");
            }
        }
        if (len % 4 == 1) {
            throw new EngineProtocolException(Malformed.BAD_BASE64, "bad base64 length");
        }
        ByteBuf out = alloc.buffer(len * 3 / 4);
        int bits = 0;
        int count = 0;
        for (int i = 0; i < len; i++) {
            int v = DECODE[src.getByte(index + i) & 0xff];
            if (v < 0) {
                out.release();
                throw new EngineProtocolException(Malformed.BAD_BASE64, "bad base64 character");
            }
            bits = bits << 6 | v;
            if (++count == 4) {
                out.writeByte(bits >>> 16).writeByte(bits >>> 8).writeByte(bits);
                bits = 0;
                count = 0;
            }
        }
        if (count == 2) {
            out.writeByte(bits >>> 4);
        } else if (count == 3) {
            out.writeByte(bits >>> 10).writeByte(bits >>> 2);
        }
        return out;
    }
}
