package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.decode;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.pattern;
import static io.switchboard.common.protocol.CodecTestSupport.payloadFrame;
import static io.switchboard.common.protocol.CodecTestSupport.pooled;
import static io.switchboard.common.protocol.CodecTestSupport.spacedHex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The exact bytes {@link FrameEncoder} writes, its copy threshold, and its limits. */
class FrameEncoderTest {
    @Test
    void pingLayout() {
        assertEquals("00 00 00 08 03 00 01 02 03 04 61 62",
                spacedHex(encode(payloadFrame(Opcode.PING, 0x01020304, hex("61 62")))));
    }

    @Test
    void requestIdIsWrittenAsUnsigned32Bits() {
        assertEquals("00 00 00 06 04 00 ff ff ff fe", spacedHex(encode(payloadFrame(Opcode.PONG, -2, new byte[0]))));
    }

    @Test
    void helloLayout() {
        assertEquals("00 00 00 11 01 00 00 00 00 2a 01 00 03 5a c3 ab 00 03 6b 65 79",
                spacedHex(encode(new Hello(42, 1, "Zë", "key"))));
    }

    @Test
    void welcomeLayout() {
        assertEquals("00 00 00 1a 02 00 00 00 00 07 01 01 02 03 04 05 06 07 08 00 10 00 00 00 00 ea 60 00 01 73",
                spacedHex(encode(new Welcome(7, 1, 0x0102030405060708L, 1 << 20, 60_000, "s"))));
    }

    @Test
    void errorAndByeLayout() {
        assertEquals("00 00 00 0b 07 00 00 00 00 05 00 ca 00 01 21",
                spacedHex(encode(new ErrorFrame(5, ErrorCode.HANDSHAKE_REQUIRED, "!"))));
        assertEquals("00 00 00 0a 08 00 00 00 00 00 00 00 00 00", spacedHex(encode(new Bye(0, 0, ""))));
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {0, 1, FrameEncoder.COPY_THRESHOLD})
    void payloadUpToThresholdIsCopiedNextToTheHeader(int size) {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        PayloadFrame frame = payloadFrame(Opcode.ECHO, 1, pattern(size, 1));
        ByteBuf payload = frame.content();
        try {
            assertTrue(channel.writeOutbound(frame));
            assertEquals(0, payload.refCnt(), "copied, so released at once");
            ByteBuf out = channel.readOutbound();
            try {
                assertFalse(out instanceof CompositeByteBuf);
                assertEquals(Wire.HEADER_BYTES + size, out.readableBytes());
                assertArrayEquals(pattern(size, 1), ByteBufUtil.getBytes(out, Wire.HEADER_BYTES, size));
            } finally {
                out.release();
            }
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {FrameEncoder.COPY_THRESHOLD + 1, 64 * 1024})
    void payloadAboveThresholdIsNotCopied(int size) {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        PayloadFrame frame = payloadFrame(Opcode.ECHO_REPLY, 1, pattern(size, 2));
        ByteBuf payload = frame.content();
        try {
            assertTrue(channel.writeOutbound(frame));
            CompositeByteBuf out = assertInstanceOf(CompositeByteBuf.class, channel.readOutbound());
            try {
                assertEquals(2, out.numComponents());
                assertEquals(Wire.HEADER_BYTES + size, out.readableBytes());
                assertEquals(1, payload.refCnt(), "the output holds the payload");
                payload.setByte(0, 0x5a);
                assertEquals(0x5a, out.getByte(Wire.HEADER_BYTES), "the output shares the payload's memory");
            } finally {
                out.release();
            }
            assertEquals(0, payload.refCnt());
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {10, FrameEncoder.COPY_THRESHOLD + 10})
    void onlyTheReadableBytesOfThePayloadAreWritten(int size) {
        ByteBuf buffer = pooled(pattern(size + 7, 3));
        buffer.readerIndex(3).writerIndex(3 + size);
        byte[] encoded = encode(PayloadFrame.of(Opcode.PING, 9, buffer));
        assertEquals(0, buffer.refCnt());
        assertEquals(Wire.HEADER_BYTES + size, encoded.length);
        byte[] expected = java.util.Arrays.copyOfRange(pattern(size + 7, 3), 3, 3 + size);
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(encoded, Wire.HEADER_BYTES, encoded.length));
    }

    @Test
    void stringOf65535BytesIsEncodedAndOneMoreIsRefused() {
        assertEquals(Wire.HEADER_BYTES + 4 + 0xFFFF, encode(new ErrorFrame(1, 0, "é".repeat(0xFFFF / 2) + "x")).length);
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        try {
            EncoderException e = assertThrows(EncoderException.class,
                    () -> channel.writeOutbound(new Hello(1, 1, "a", "é".repeat(0x8000))));
            assertTrue(e.getMessage().contains("string of 65536 bytes exceeds the maximum of 65535"), e.getMessage());
            assertThrows(EncoderException.class, () -> channel.writeOutbound(new Bye(1, 0, "x".repeat(0x10000))));
            assertThrows(EncoderException.class,
                    () -> channel.writeOutbound(new Welcome(1, 1, 1, 1, 1, "x".repeat(0x10000))));
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    /**
     * A Java string is UTF-16 and may hold unpaired surrogates. They must come out as '?' in
     * well-formed UTF-8, never as bytes the receiving decoder rejects.
     */
    @ParameterizedTest(name = "{index}")
    @ValueSource(strings = {"a\uD800", "\uDC00b", "x\uD800\u00e9", "\uD800\u20ac", "\u00e9\uD83D\u00e9\uDE00", "\uD800\uD800"})
    void unpairedSurrogatesAreEncodedAsQuestionMarks(String message) {
        String expected = new String(message.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(expected.contains("?"));
        assertEquals(List.of(new ErrorFrame(1, 7, expected), new Hello(2, 1, expected, expected)),
                decode(Wire.DEFAULT_MAX_FRAME_LENGTH, encode(new ErrorFrame(1, 7, message), new Hello(2, 1, message, message))));
    }

    @Test
    void invalidFrameCannotBeEncoded() {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        try {
            InvalidFrame invalid = new InvalidFrame(1, 0x42, ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x42");
            assertThrows(EncoderException.class, () -> channel.writeOutbound(invalid));
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }
}
