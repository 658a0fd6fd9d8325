package io.switchboard.common.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/** Building, encoding, decoding and comparing frames for the codec tests. */
final class CodecTestSupport {
    private CodecTestSupport() {
    }

    /** A pooled (hence leak-tracked) buffer holding {@code bytes}. */
    static ByteBuf pooled(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.buffer(Math.max(bytes.length, 1)).writeBytes(bytes);
    }

    /** {@code n} bytes of a pattern that changes with every position and with {@code seed}. */
    static byte[] pattern(int n, int seed) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return bytes;
    }

    /** A payload frame whose payload is a pooled copy of {@code payload}. */
    static PayloadFrame payloadFrame(Opcode opcode, int requestId, byte[] payload) {
        return PayloadFrame.of(opcode, requestId, pooled(payload));
    }

    /** Parses hex such as {@code "00 0a ff"}; whitespace is ignored. */
    static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replaceAll("\\s+", ""));
    }

    /** Lower-case hex pairs separated by single spaces. */
    static String spacedHex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A str16 field: u16 length, then the bytes. */
    static byte[] str16(byte[] bytes) {
        return concat(new byte[] {(byte) (bytes.length >>> 8), (byte) bytes.length}, bytes);
    }

    static byte[] str16(String s) {
        return str16(utf8(s));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A raw frame: the length field counts opcode, flags, request id and body. */
    static byte[] rawFrame(int opcode, int flags, int requestId, byte[] body) {
        return rawFrame(Wire.MIN_LENGTH + body.length, opcode, flags, requestId, body);
    }

    /** A raw frame with an arbitrary length field (which may disagree with the body). */
    static byte[] rawFrame(long length, int opcode, int flags, int requestId, byte[] body) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.heapBuffer();
        try {
            buf.writeInt((int) length).writeByte(opcode).writeByte(flags).writeInt(requestId).writeBytes(body);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    /** Encodes frames with the real {@link FrameEncoder} and returns the bytes; every buffer is released. */
    static byte[] encode(Frame... frames) {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (Frame frame : frames) {
                assertTrue(channel.writeOutbound(frame), "encoder produced nothing for " + frame);
                for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
                    try {
                        out.writeBytes(ByteBufUtil.getBytes(buf));
                    } finally {
                        buf.release();
                    }
                }
            }
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
        return out.toByteArray();
    }

    /** Everything the channel has decoded so far, in order. */
    static List<Frame> readAll(EmbeddedChannel channel) {
        List<Frame> frames = new ArrayList<>();
        for (Object msg; (msg = channel.readInbound()) != null; ) {
            frames.add(assertInstanceOf(Frame.class, msg));
        }
        return frames;
    }

    /**
     * Feeds the chunks, one write each, to a fresh decoder, hands what it decoded to {@code check},
     * then releases the frames, finishes the decoder and asserts that every input buffer was released.
     */
    static void decodeChunks(int maxFrameLength, List<byte[]> chunks, Consumer<List<Frame>> check) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(maxFrameLength));
        List<ByteBuf> inputs = new ArrayList<>();
        List<Frame> frames = new ArrayList<>();
        try {
            for (byte[] chunk : chunks) {
                ByteBuf in = pooled(chunk);
                inputs.add(in);
                channel.writeInbound(in);
                frames.addAll(readAll(channel));
            }
            check.accept(frames);
        } finally {
            releaseAll(frames);
            channel.finishAndReleaseAll();
        }
        for (ByteBuf in : inputs) {
            assertEquals(0, in.refCnt(), "every input buffer is released");
        }
    }

    static void decode(int maxFrameLength, byte[] bytes, Consumer<List<Frame>> check) {
        decodeChunks(maxFrameLength, List.of(bytes), check);
    }

    /** Decodes input that yields no reference-counted frames (records and invalid frames only). */
    static List<Frame> decode(int maxFrameLength, byte[] bytes) {
        List<Frame> result = new ArrayList<>();
        decode(maxFrameLength, bytes, frames -> {
            for (Frame frame : frames) {
                assertFalse(frame instanceof ReferenceCounted, () -> "use the checking variant for " + frame);
            }
            result.addAll(frames);
        });
        return result;
    }

    static void releaseAll(List<? extends Frame> frames) {
        for (Frame frame : frames) {
            ReferenceCountUtil.release(frame);
        }
    }

    /** Field-by-field equality; payloads are compared by content. */
    static void assertSameFrame(Frame expected, Frame actual) {
        assertEquals(expected.getClass(), actual.getClass(), () -> "expected " + expected + " but got " + actual);
        if (expected instanceof PayloadFrame) {
            PayloadFrame e = (PayloadFrame) expected;
            PayloadFrame a = (PayloadFrame) actual;
            assertEquals(e.opcode(), a.opcode());
            assertEquals(e.requestId(), a.requestId(), "request id");
            assertEquals(e.content().readableBytes(), a.content().readableBytes(), "payload length");
            assertTrue(ByteBufUtil.equals(e.content(), a.content()), "payload bytes differ");
        } else if (expected instanceof Publish) {
            Publish e = (Publish) expected;
            Publish a = (Publish) actual;
            assertEquals(e.requestId(), a.requestId(), "request id");
            assertEquals(e.flags(), a.flags(), "flags");
            assertEquals(e.target(), a.target(), "target");
            assertEquals(e.room(), a.room(), "room");
            assertEquals(e.sessionId(), a.sessionId(), "session id");
            assertEquals(e.event(), a.event(), "event");
            assertSamePayload(e.content(), a.content());
        } else if (expected instanceof Event) {
            Event e = (Event) expected;
            Event a = (Event) actual;
            assertEquals(e.requestId(), a.requestId(), "request id");
            assertEquals(e.flags(), a.flags(), "flags");
            assertEquals(e.senderId(), a.senderId(), "sender id");
            assertEquals(e.target(), a.target(), "target");
            assertEquals(e.room(), a.room(), "room");
            assertEquals(e.event(), a.event(), "event");
            assertSamePayload(e.content(), a.content());
        } else if (expected instanceof Ack) {
            assertEquals(expected.requestId(), actual.requestId(), "request id");
            assertSamePayload(((Ack) expected).content(), ((Ack) actual).content());
        } else {
            // Records: equals() compares every component, including Hello's token.
            assertEquals(expected, actual);
        }
    }

    /**
     * Payload equality by content. (The holders' own equals() compares only the payload, not the
     * other fields, which is why the frames above are compared field by field.)
     */
    static void assertSamePayload(ByteBuf expected, ByteBuf actual) {
        assertEquals(expected.readableBytes(), actual.readableBytes(), "payload length");
        assertTrue(ByteBufUtil.equals(expected, actual), "payload bytes differ");
    }

    static void assertSameFrames(List<? extends Frame> expected, List<? extends Frame> actual) {
        assertEquals(expected.size(), actual.size(), () -> "expected " + expected + " but got " + actual);
        for (int i = 0; i < expected.size(); i++) {
            assertSameFrame(expected.get(i), actual.get(i));
        }
    }
}
