package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.assertSameFrame;
import static io.switchboard.common.protocol.CodecTestSupport.assertSameFrames;
import static io.switchboard.common.protocol.CodecTestSupport.decodeChunks;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.pattern;
import static io.switchboard.common.protocol.CodecTestSupport.payloadFrame;
import static io.switchboard.common.protocol.CodecTestSupport.pooled;
import static io.switchboard.common.protocol.CodecTestSupport.rawFrame;
import static io.switchboard.common.protocol.CodecTestSupport.readAll;
import static io.switchboard.common.protocol.CodecTestSupport.releaseAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link FrameEncoder} to {@link FrameDecoder}: every opcode, and input split at every byte. */
class FrameCodecTest {
    /** Payload sizes on both sides of {@link FrameEncoder#COPY_THRESHOLD}, and 64 KiB. */
    static final int[] PAYLOAD_SIZES = {0, 1, FrameEncoder.COPY_THRESHOLD, FrameEncoder.COPY_THRESHOLD + 1, 64 * 1024};

    @Test
    void copyThresholdIsWhatTheSizesAssume() {
        assertEquals(1024, FrameEncoder.COPY_THRESHOLD);
    }

    static Stream<Arguments> frames() {
        List<Arguments> cases = new ArrayList<>();
        add(cases, "HELLO non-ASCII name", () -> new Hello(1, 1, "Zoë Ωmega 東京 🚀", "tøken-🔑"));
        add(cases, "HELLO empty name and token", () -> new Hello(0, 1, "", ""));
        add(cases, "HELLO version 255, 64-byte name", () -> new Hello(-1, 255, "n".repeat(64), "t"));
        add(cases, "HELLO token of 65535 bytes", () -> new Hello(9, 1, "big", "k".repeat(0xFFFF)));
        add(cases, "WELCOME large session id", () -> new Welcome(7, 1, Long.MAX_VALUE, 1 << 20, 60_000, "switchboard/0.1.0"));
        add(cases, "WELCOME session id 2^64-1", () -> new Welcome(0x7FFF_FFFF, 1, -1L, Integer.MAX_VALUE, 0, ""));
        add(cases, "WELCOME session id 0x0123456789abcdef",
                () -> new Welcome(0x8000_0000, 1, 0x0123_4567_89AB_CDEFL, 64, Integer.MAX_VALUE, "sérveur"));
        for (ErrorCode code : ErrorCode.values()) {
            add(cases, "ERROR " + code, () -> new ErrorFrame(code.code() * 3, code, code + ": détails ✓"));
        }
        add(cases, "ERROR unknown code 65535, empty message", () -> new ErrorFrame(0, 0xFFFF, ""));
        add(cases, "ERROR code 0, message of 65535 bytes", () -> new ErrorFrame(42, 0, "m".repeat(0xFFFF)));
        add(cases, "BYE normal", () -> new Bye(0, 0, ""));
        add(cases, "BYE with code and message", () -> new Bye(0xCAFE_BABE, 503, "going away — bye"));
        int[] requestIds = {0, 1, -1, Integer.MIN_VALUE, 0x1234_5678};
        int n = 0;
        for (Opcode opcode : new Opcode[] {Opcode.PING, Opcode.PONG, Opcode.ECHO, Opcode.ECHO_REPLY}) {
            for (int size : PAYLOAD_SIZES) {
                int requestId = requestIds[n++ % requestIds.length];
                byte[] payload = pattern(size, opcode.code());
                add(cases, opcode + " " + size + " B", () -> payloadFrame(opcode, requestId, payload));
            }
        }
        return cases.stream();
    }

    private static void add(List<Arguments> cases, String name, Supplier<Frame> sample) {
        cases.add(Arguments.of(name, sample));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frames")
    void roundTrips(String name, Supplier<Frame> sample) {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        Frame original = sample.get();
        ByteBuf source = original instanceof PayloadFrame ? ((PayloadFrame) original).content() : null;
        Frame expected = sample.get();
        Frame decoded = null;
        try {
            assertTrue(encoder.writeOutbound(original));
            ByteBuf wire = encoder.readOutbound();
            assertNull(encoder.readOutbound(), "one buffer per frame");
            assertEquals(wire.readableBytes() - Wire.LENGTH_FIELD_BYTES, wire.getInt(wire.readerIndex()),
                    "the length field counts every byte after itself");
            assertEquals(expected.opcode().code(), wire.getUnsignedByte(wire.readerIndex() + 4), "opcode byte");
            assertEquals(0, wire.getUnsignedByte(wire.readerIndex() + 5), "flags");
            assertEquals(expected.requestId(), wire.getInt(wire.readerIndex() + 6), "request id");

            assertTrue(decoder.writeInbound(wire));
            decoded = decoder.readInbound();
            assertNull(decoder.readInbound(), "exactly one frame");
            assertSameFrame(expected, decoded);
            ReferenceCountUtil.release(decoded);
            decoded = null;
            assertEquals(0, wire.refCnt(), "the encoded buffer is released once the decoded frame is");
            if (source != null) {
                assertEquals(0, source.refCnt(), "the original payload is released");
            }
        } finally {
            ReferenceCountUtil.release(expected);
            ReferenceCountUtil.release(decoded);
            assertFalse(encoder.finishAndReleaseAll());
            assertFalse(decoder.finishAndReleaseAll());
        }
    }

    /** A stream of several frames of every kind, a payload above the copy threshold among them. */
    private static List<Frame> streamFrames() {
        return List.of(
                new Hello(1, 1, "Zoë", "secret"),
                new Welcome(1, 1, 0x1_0000_0001L, 1 << 20, 60_000, "switchboard/0.1.0"),
                payloadFrame(Opcode.PING, 2, new byte[0]),
                payloadFrame(Opcode.ECHO, 3, pattern(1, 3)),
                payloadFrame(Opcode.PONG, 4, pattern(17, 4)),
                new ErrorFrame(5, ErrorCode.HANDSHAKE_REQUIRED, "ECHO before HELLO"),
                payloadFrame(Opcode.ECHO_REPLY, -6, pattern(FrameEncoder.COPY_THRESHOLD + 1, 6)),
                new Bye(0, 0, "done"));
    }

    private static List<byte[]> split(byte[] bytes, int... points) {
        List<byte[]> chunks = new ArrayList<>();
        int from = 0;
        for (int point : points) {
            chunks.add(Arrays.copyOfRange(bytes, from, point));
            from = point;
        }
        chunks.add(Arrays.copyOfRange(bytes, from, bytes.length));
        return chunks;
    }

    @Test
    void streamSplitInTwoAtEveryByteDecodesToTheSameFrames() {
        byte[] stream = encode(streamFrames().toArray(new Frame[0]));
        List<Frame> expected = streamFrames();
        try {
            for (int point = 0; point <= stream.length; point++) {
                try {
                    decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, split(stream, point),
                            decoded -> assertSameFrames(expected, decoded));
                } catch (AssertionError e) {
                    throw new AssertionError("split at byte " + point + " of " + stream.length, e);
                }
            }
        } finally {
            releaseAll(expected);
        }
    }

    @Test
    void streamFedOneByteAtATimeDecodesToTheSameFrames() {
        byte[] stream = encode(streamFrames().toArray(new Frame[0]));
        List<byte[]> chunks = new ArrayList<>();
        for (byte b : stream) {
            chunks.add(new byte[] {b});
        }
        List<Frame> expected = streamFrames();
        try {
            decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, chunks, decoded -> assertSameFrames(expected, decoded));
        } finally {
            releaseAll(expected);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void streamInRandomChunksDecodesToTheSameFrames(int seed) {
        byte[] stream = encode(streamFrames().toArray(new Frame[0]));
        Random random = new Random(seed);
        List<byte[]> chunks = new ArrayList<>();
        for (int from = 0; from < stream.length; ) {
            int to = Math.min(stream.length, from + 1 + random.nextInt(seed * 40));
            chunks.add(Arrays.copyOfRange(stream, from, to));
            from = to;
        }
        List<Frame> expected = streamFrames();
        try {
            decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, chunks, decoded -> assertSameFrames(expected, decoded));
        } finally {
            releaseAll(expected);
        }
    }

    /** Non-fatal invalid frames are part of the stream too: splitting must not change them either. */
    @Test
    void streamWithNonFatalErrorsSplitAtEveryByteDecodesToTheSameFrames() {
        byte[] stream = CodecTestSupport.concat(
                rawFrame(0x09, 0, 11, hex("00 00 00 0a 03 00 00 00 00 63")),
                rawFrame(Opcode.PING.code(), 0x01, 12, hex("aa bb")),
                rawFrame(Opcode.HELLO.code(), 0, 13, hex("01 00 02 c3 28 00 00")),
                rawFrame(Opcode.ERROR.code(), 0, 14, hex("00")),
                encode(payloadFrame(Opcode.PING, 15, hex("01 02 03"))));
        for (int point = 0; point <= stream.length; point++) {
            decodeChunks(Wire.DEFAULT_MAX_FRAME_LENGTH, split(stream, point), decoded -> {
                assertEquals(5, decoded.size(), () -> "split at " + decoded);
                assertEquals(new InvalidFrame(11, 0x09, ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x09"), decoded.get(0));
                assertEquals(ErrorCode.RESERVED_FLAGS, ((InvalidFrame) decoded.get(1)).error());
                assertEquals(12, decoded.get(1).requestId());
                assertEquals(ErrorCode.MALFORMED_BODY, ((InvalidFrame) decoded.get(2)).error());
                assertEquals(13, decoded.get(2).requestId());
                assertEquals(ErrorCode.MALFORMED_BODY, ((InvalidFrame) decoded.get(3)).error());
                assertEquals(14, decoded.get(3).requestId());
                PayloadFrame ping = assertInstanceOf(PayloadFrame.class, decoded.get(4));
                assertEquals(15, ping.requestId());
                assertEquals(Unpooled.wrappedBuffer(hex("01 02 03")), ping.content());
            });
        }
    }

    @Test
    void framesInOneBufferDecodeInOrderAsSlicesOfTheInput() {
        byte[] bytes = encode(
                payloadFrame(Opcode.ECHO, 1, pattern(10, 1)),
                payloadFrame(Opcode.ECHO, 2, pattern(20, 2)),
                payloadFrame(Opcode.PING, 3, pattern(2000, 3)));
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        ByteBuf in = pooled(bytes);
        List<Frame> decoded = new ArrayList<>();
        try {
            assertTrue(channel.writeInbound(in));
            decoded.addAll(readAll(channel));
            assertEquals(List.of(1, 2, 3), decoded.stream().map(Frame::requestId).toList());
            assertTrue(in.refCnt() > 0, "payloads are retained slices of the input, not copies");
            for (int i = 0; i < decoded.size(); i++) {
                assertTrue(in.refCnt() > 0);
                ReferenceCountUtil.release(decoded.get(i));
            }
            decoded.clear();
            assertEquals(0, in.refCnt(), "the input is released with the last payload");
        } finally {
            releaseAll(decoded);
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @Test
    void partialFrameAtEndOfInputDecodesToNothingAndIsReleased() {
        byte[] frame = encode(new Hello(1, 1, "alice", ""));
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        ByteBuf in = pooled(Arrays.copyOf(frame, frame.length - 1));
        assertFalse(channel.writeInbound(in));
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(0, in.refCnt());
    }

    @Test
    void payloadFrameReplyKeepsRequestIdAndPayload() {
        PayloadFrame ping = payloadFrame(Opcode.PING, 77, hex("01 02"));
        ByteBuf payload = ping.content();
        PayloadFrame pong = ping.reply();
        assertEquals(Opcode.PONG, pong.opcode());
        assertEquals(77, pong.requestId());
        assertTrue(pong.content() == payload, "the reply holds the same buffer");
        PayloadFrame echo = payloadFrame(Opcode.ECHO, 78, new byte[0]);
        PayloadFrame echoReply = echo.reply();
        assertEquals(Opcode.ECHO_REPLY, echoReply.opcode());
        assertEquals(78, echoReply.requestId());
        try {
            assertEquals("PONG has no reply",
                    assertThrows(IllegalStateException.class, pong::reply).getMessage());
        } finally {
            pong.release();
            echoReply.release();
        }
        assertEquals(0, payload.refCnt());
    }

    @Test
    void payloadFrameRejectsOpcodesWithoutPayload() {
        ByteBuf payload = pooled(new byte[1]);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PayloadFrame.of(Opcode.HELLO, 1, payload));
            assertEquals("opcode: HELLO (expected: PING, PONG, ECHO or ECHO_REPLY)", e.getMessage());
        } finally {
            payload.release();
        }
    }
}
