package io.switchboard.common.protocol;

import static io.switchboard.common.protocol.CodecTestSupport.concat;
import static io.switchboard.common.protocol.CodecTestSupport.decode;
import static io.switchboard.common.protocol.CodecTestSupport.decodeChunks;
import static io.switchboard.common.protocol.CodecTestSupport.encode;
import static io.switchboard.common.protocol.CodecTestSupport.hex;
import static io.switchboard.common.protocol.CodecTestSupport.payloadFrame;
import static io.switchboard.common.protocol.CodecTestSupport.pooled;
import static io.switchboard.common.protocol.CodecTestSupport.rawFrame;
import static io.switchboard.common.protocol.CodecTestSupport.readAll;
import static io.switchboard.common.protocol.CodecTestSupport.str16;
import static io.switchboard.common.protocol.CodecTestSupport.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Malformed input: each case yields the documented {@link InvalidFrame}, and every buffer is released. */
class FrameDecoderErrorsTest {
    private static final int MAX = 1024;
    private static final int RID = 0xDEAD_BEEF;
    private static final byte[] GOOD_PING = encode(payloadFrame(Opcode.PING, 99, hex("c0 ff ee")));

    private static InvalidFrame single(List<Frame> frames) {
        assertEquals(1, frames.size(), () -> "expected one frame, got " + frames);
        return assertInstanceOf(InvalidFrame.class, frames.get(0));
    }

    private static void assertGoodPing(Frame frame) {
        PayloadFrame ping = assertInstanceOf(PayloadFrame.class, frame);
        assertEquals(Opcode.PING, ping.opcode());
        assertEquals(99, ping.requestId());
        assertEquals("c0ffee", ByteBufUtil.hexDump(ping.content()));
    }

    // ---------------------------------------------------------------- fatal: length field out of range

    @Test
    void lengthAboveMaximumIsReportedBeforeTheBodyArrivesAndEverythingAfterIsDiscarded() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
        byte[] frame = rawFrame(Opcode.ECHO.code(), 0, RID, new byte[MAX - Wire.MIN_LENGTH + 1]);
        ByteBuf header = pooled(Arrays.copyOf(frame, Wire.HEADER_BYTES));
        ByteBuf body = pooled(Arrays.copyOfRange(frame, Wire.HEADER_BYTES, frame.length));
        ByteBuf next = pooled(GOOD_PING);
        try {
            assertTrue(channel.writeInbound(header), "emitted on the header alone");
            InvalidFrame invalid = single(readAll(channel));
            assertEquals(new InvalidFrame(RID, Opcode.ECHO.code(), ErrorCode.FRAME_TOO_LARGE,
                    "frame length 1025 exceeds the maximum of 1024"), invalid);
            assertTrue(invalid.fatal());
            assertEquals(0, header.refCnt());

            assertFalse(channel.writeInbound(body), "the body is discarded");
            assertFalse(channel.writeInbound(next), "a valid frame after it is discarded too");
            assertEquals(0, body.refCnt());
            assertEquals(0, next.refCnt());
            assertTrue(channel.isOpen(), "closing is the handler's job");
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @Test
    void lengthAboveMaximumInOneBufferWithValidFramesAfterItDiscardsThemAll() {
        byte[] bytes = concat(GOOD_PING, rawFrame(MAX + 1, Opcode.PING.code(), 0, 5, new byte[0]), GOOD_PING, GOOD_PING);
        decode(MAX, bytes, frames -> {
            assertEquals(2, frames.size(), () -> frames.toString());
            assertGoodPing(frames.get(0));
            assertEquals(ErrorCode.FRAME_TOO_LARGE, assertInstanceOf(InvalidFrame.class, frames.get(1)).error());
            assertEquals(5, frames.get(1).requestId());
        });
    }

    @Test
    void lengthExactlyAtMaximumIsAccepted() {
        byte[] payload = new byte[MAX - Wire.MIN_LENGTH];
        decode(MAX, encode(payloadFrame(Opcode.ECHO, 1, payload)), frames -> assertEquals(MAX - Wire.MIN_LENGTH,
                assertInstanceOf(PayloadFrame.class, frames.get(0)).content().readableBytes()));
    }

    @Test
    void lengthIsUnsigned() {
        InvalidFrame invalid = single(decode(MAX, hex("ff ff ff ff 03 00 00 00 00 07")));
        assertEquals(new InvalidFrame(7, 3, ErrorCode.FRAME_TOO_LARGE,
                "frame length 4294967295 exceeds the maximum of 1024"), invalid);
    }

    @ParameterizedTest(name = "length {0}")
    @ValueSource(ints = {0, 5})
    void lengthBelowSixIsFatal(int length) {
        byte[] bytes = concat(rawFrame(length, Opcode.PING.code(), 0, RID, new byte[0]), GOOD_PING);
        InvalidFrame invalid = single(decode(MAX, bytes));
        assertEquals(new InvalidFrame(RID, Opcode.PING.code(), ErrorCode.FRAME_TOO_SHORT,
                "frame length " + length + " is below the minimum of 6"), invalid);
        assertTrue(invalid.fatal());
        assertEquals(ErrorCode.FRAME_TOO_SHORT.code(), invalid.toError().code());
    }

    @Test
    void fatalErrorOnTheLengthFieldAloneCarriesNoRequestIdOrOpcode() {
        InvalidFrame invalid = single(decode(MAX, hex("00 00 00 00")));
        assertEquals(0, invalid.requestId());
        assertEquals(-1, invalid.opcodeByte());
        assertEquals(ErrorCode.FRAME_TOO_SHORT, invalid.error());

        invalid = single(decode(MAX, hex("7f 00 00 00")));
        assertEquals(new InvalidFrame(0, -1, ErrorCode.FRAME_TOO_LARGE,
                "frame length 2130706432 exceeds the maximum of 1024"), invalid);
    }

    @Test
    void fatalErrorWithPartOfTheHeaderCarriesTheOpcodeButNoRequestId() {
        byte[] header = rawFrame(MAX + 1, Opcode.ECHO.code(), 0, RID, new byte[0]);
        for (int readable = 5; readable < Wire.HEADER_BYTES; readable++) {
            InvalidFrame invalid = single(decode(MAX, Arrays.copyOf(header, readable)));
            assertEquals(0, invalid.requestId(), "request id is not readable yet");
            assertEquals(Opcode.ECHO.code(), invalid.opcodeByte());
        }
        InvalidFrame invalid = single(decode(MAX, header));
        assertEquals(RID, invalid.requestId());
    }

    // ---------------------------------------------------------------- non-fatal: the frame is skipped

    static Stream<Arguments> nonFatal() {
        byte[] helloBody = concat(new byte[] {1}, str16("alice"), str16("tok"));
        byte[] welcomeHead = hex("01 00 00 00 00 00 00 00 01");
        return Stream.of(
                Arguments.of("unknown opcode 0x00", rawFrame(0x00, 0, RID, new byte[0]),
                        ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x00"),
                Arguments.of("unknown opcode 0x09 with a body that looks like a frame",
                        rawFrame(0x09, 0, RID, GOOD_PING), ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x09"),
                Arguments.of("unknown opcode 0x30", rawFrame(0x30, 0, RID, hex("01")),
                        ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x30"),
                Arguments.of("unknown opcode 0x7f", rawFrame(0x7f, 0, RID, new byte[300]),
                        ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x7f"),
                Arguments.of("unknown opcode 0x80", rawFrame(0x80, 0, RID, hex("01")),
                        ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0x80"),
                Arguments.of("unknown opcode 0xff with flags", rawFrame(0xff, 0xff, RID, hex("01")),
                        ErrorCode.UNKNOWN_OPCODE, "unknown opcode 0xff"),
                Arguments.of("PING with flags 0x01", rawFrame(Opcode.PING.code(), 0x01, RID, hex("01 02")),
                        ErrorCode.RESERVED_FLAGS, "flags 0x01 are not defined for PING"),
                Arguments.of("HELLO with flags 0x80", rawFrame(Opcode.HELLO.code(), 0x80, RID, helloBody),
                        ErrorCode.RESERVED_FLAGS, "flags 0x80 are not defined for HELLO"),
                Arguments.of("HELLO with an empty body", rawFrame(Opcode.HELLO.code(), 0, RID, new byte[0]),
                        ErrorCode.MALFORMED_BODY, "HELLO: body ends inside field 'version' (needs 1 bytes, 0 left)"),
                Arguments.of("HELLO truncated inside the name length",
                        rawFrame(Opcode.HELLO.code(), 0, RID, hex("01 00")),
                        ErrorCode.MALFORMED_BODY, "HELLO: body ends inside field 'name length' (needs 2 bytes, 1 left)"),
                Arguments.of("HELLO truncated inside the name",
                        rawFrame(Opcode.HELLO.code(), 0, RID, Arrays.copyOf(helloBody, 5)),
                        ErrorCode.MALFORMED_BODY, "HELLO: body ends inside field 'name' (needs 5 bytes, 2 left)"),
                Arguments.of("HELLO without a token",
                        rawFrame(Opcode.HELLO.code(), 0, RID, Arrays.copyOf(helloBody, 8)),
                        ErrorCode.MALFORMED_BODY, "HELLO: body ends inside field 'token length' (needs 2 bytes, 0 left)"),
                Arguments.of("HELLO truncated inside the token",
                        rawFrame(Opcode.HELLO.code(), 0, RID, Arrays.copyOf(helloBody, helloBody.length - 1)),
                        ErrorCode.MALFORMED_BODY, "HELLO: body ends inside field 'token' (needs 3 bytes, 2 left)"),
                Arguments.of("HELLO with 1 byte left over",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(helloBody, hex("00"))),
                        ErrorCode.MALFORMED_BODY, "HELLO: 1 bytes left over after the last field"),
                Arguments.of("HELLO with 4 bytes left over",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(helloBody, hex("de ad be ef"))),
                        ErrorCode.MALFORMED_BODY, "HELLO: 4 bytes left over after the last field"),
                Arguments.of("HELLO name not UTF-8 (c3 28)",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(hex("01"), str16(hex("c3 28")), str16(""))),
                        ErrorCode.MALFORMED_BODY, "HELLO: field 'name' is not valid UTF-8"),
                Arguments.of("HELLO name with an overlong NUL (c0 80)",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(hex("01"), str16(hex("c0 80")), str16(""))),
                        ErrorCode.MALFORMED_BODY, "HELLO: field 'name' is not valid UTF-8"),
                Arguments.of("HELLO name with an encoded surrogate (ed a0 80)",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(hex("01"), str16(hex("ed a0 80")), str16(""))),
                        ErrorCode.MALFORMED_BODY, "HELLO: field 'name' is not valid UTF-8"),
                Arguments.of("HELLO name above U+10FFFF (f4 90 80 80)",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(hex("01"), str16(hex("f4 90 80 80")), str16(""))),
                        ErrorCode.MALFORMED_BODY, "HELLO: field 'name' is not valid UTF-8"),
                Arguments.of("HELLO token with a lone continuation byte",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(hex("01"), str16("a"), str16(hex("61 80")))),
                        ErrorCode.MALFORMED_BODY, "HELLO: field 'token' is not valid UTF-8"),
                Arguments.of("HELLO token ending inside a sequence (e2 82)",
                        rawFrame(Opcode.HELLO.code(), 0, RID, concat(hex("01"), str16("a"), str16(hex("e2 82")))),
                        ErrorCode.MALFORMED_BODY, "HELLO: field 'token' is not valid UTF-8"),
                Arguments.of("ERROR with an empty body", rawFrame(Opcode.ERROR.code(), 0, RID, new byte[0]),
                        ErrorCode.MALFORMED_BODY, "ERROR: body ends inside field 'code' (needs 2 bytes, 0 left)"),
                Arguments.of("ERROR with 1 byte", rawFrame(Opcode.ERROR.code(), 0, RID, hex("00")),
                        ErrorCode.MALFORMED_BODY, "ERROR: body ends inside field 'code' (needs 2 bytes, 1 left)"),
                Arguments.of("ERROR with 3 bytes", rawFrame(Opcode.ERROR.code(), 0, RID, hex("00 c9 00")),
                        ErrorCode.MALFORMED_BODY, "ERROR: body ends inside field 'message length' (needs 2 bytes, 1 left)"),
                Arguments.of("ERROR message shorter than its length",
                        rawFrame(Opcode.ERROR.code(), 0, RID, hex("00 c9 00 05 61 62")),
                        ErrorCode.MALFORMED_BODY, "ERROR: body ends inside field 'message' (needs 5 bytes, 2 left)"),
                Arguments.of("ERROR message not UTF-8",
                        rawFrame(Opcode.ERROR.code(), 0, RID, hex("00 c9 00 01 ff")),
                        ErrorCode.MALFORMED_BODY, "ERROR: field 'message' is not valid UTF-8"),
                Arguments.of("BYE with 1 byte", rawFrame(Opcode.BYE.code(), 0, RID, hex("00")),
                        ErrorCode.MALFORMED_BODY, "BYE: body ends inside field 'code' (needs 2 bytes, 1 left)"),
                Arguments.of("BYE with 1 byte left over", rawFrame(Opcode.BYE.code(), 0, RID, hex("00 00 00 00 00")),
                        ErrorCode.MALFORMED_BODY, "BYE: 1 bytes left over after the last field"),
                Arguments.of("WELCOME max frame length 2^31",
                        rawFrame(Opcode.WELCOME.code(), 0, RID, concat(welcomeHead, hex("80 00 00 00 00 00 ea 60"), str16("s"))),
                        ErrorCode.MALFORMED_BODY,
                        "WELCOME: field 'max frame length' is 2147483648 (expected: at most 2147483647)"),
                Arguments.of("WELCOME idle timeout 2^32-1",
                        rawFrame(Opcode.WELCOME.code(), 0, RID, concat(welcomeHead, hex("00 10 00 00 ff ff ff ff"), str16("s"))),
                        ErrorCode.MALFORMED_BODY,
                        "WELCOME: field 'idle timeout' is 4294967295 (expected: at most 2147483647)"),
                Arguments.of("WELCOME truncated inside the session id",
                        rawFrame(Opcode.WELCOME.code(), 0, RID, hex("01 00 00 00")),
                        ErrorCode.MALFORMED_BODY, "WELCOME: body ends inside field 'session id' (needs 8 bytes, 3 left)"),
                Arguments.of("WELCOME server not UTF-8",
                        rawFrame(Opcode.WELCOME.code(), 0, RID, concat(welcomeHead, hex("00 10 00 00 00 00 ea 60"), str16(hex("fe")))),
                        ErrorCode.MALFORMED_BODY, "WELCOME: field 'server' is not valid UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonFatal")
    void malformedFrameIsReportedWithItsRequestId(String name, byte[] bad, ErrorCode error, String message) {
        InvalidFrame invalid = single(decode(MAX, bad));
        assertEquals(new InvalidFrame(RID, bad[4] & 0xff, error, message), invalid);
        assertFalse(invalid.fatal());
        assertNull(invalid.opcode(), "an invalid frame has no valid opcode");
        assertEquals(new ErrorFrame(RID, error.code(), message), invalid.toError());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nonFatal")
    void decodingRecoversAfterANonFatalError(String name, byte[] bad, ErrorCode error, String message) {
        // In one buffer, and with the next frame in a later read.
        List<List<byte[]>> feeds = List.of(List.of(concat(bad, GOOD_PING, bad, GOOD_PING)),
                List.of(bad, GOOD_PING, bad, GOOD_PING));
        for (List<byte[]> feed : feeds) {
            decodeChunks(MAX, feed, frames -> {
                assertEquals(4, frames.size(), () -> frames.toString());
                assertEquals(error, assertInstanceOf(InvalidFrame.class, frames.get(0)).error());
                assertGoodPing(frames.get(1));
                assertEquals(error, assertInstanceOf(InvalidFrame.class, frames.get(2)).error());
                assertGoodPing(frames.get(3));
            });
        }
    }

    @Test
    void malformedFramesReleaseTheirInput() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX));
        List<ByteBuf> inputs = new ArrayList<>();
        try {
            for (Object[] args : nonFatal().map(Arguments::get).toList()) {
                ByteBuf in = pooled((byte[]) args[1]);
                inputs.add(in);
                assertTrue(channel.writeInbound(in));
                assertInstanceOf(InvalidFrame.class, channel.readInbound());
            }
            for (ByteBuf in : inputs) {
                assertEquals(0, in.refCnt());
            }
        } finally {
            assertFalse(channel.finishAndReleaseAll());
        }
    }

    @Test
    void welcomeFieldsAtIntegerMaxValueAreAccepted() {
        byte[] body = concat(hex("01 00 00 00 00 00 00 00 01 7f ff ff ff 7f ff ff ff"), str16("s"));
        List<Frame> frames = decode(MAX, rawFrame(Opcode.WELCOME.code(), 0, 1, body));
        assertEquals(List.of(new Welcome(1, 1, 1, Integer.MAX_VALUE, Integer.MAX_VALUE, "s")), frames);
    }

    @Test
    void fatalErrorAfterNonFatalOnesEndsDecoding() {
        byte[] bytes = concat(rawFrame(0x9a, 0, 1, new byte[0]), GOOD_PING,
                rawFrame(3, Opcode.PING.code(), 0, 2, new byte[0]), GOOD_PING);
        decode(MAX, bytes, frames -> {
            assertEquals(3, frames.size(), () -> frames.toString());
            assertEquals(ErrorCode.UNKNOWN_OPCODE, ((InvalidFrame) frames.get(0)).error());
            assertGoodPing(frames.get(1));
            assertEquals(ErrorCode.FRAME_TOO_SHORT, ((InvalidFrame) frames.get(2)).error());
        });
    }

    // ---------------------------------------------------------------- constructor

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 5, (64 << 20) + 1, Integer.MAX_VALUE})
    void maxFrameLengthOutOfRangeIsRejectedNamingTheValue(int maxFrameLength) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FrameDecoder(maxFrameLength));
        assertEquals("maxFrameLength: " + maxFrameLength + " (expected: 6..67108864)", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {6, 64, 1 << 20, 64 << 20})
    void maxFrameLengthInRangeIsAccepted(int maxFrameLength) {
        assertEquals(maxFrameLength, new FrameDecoder(maxFrameLength).maxFrameLength());
    }

    @Test
    void defaultMaxFrameLengthIsOneMebibyte() {
        assertEquals(1_048_576, new FrameDecoder().maxFrameLength());
        assertEquals(Wire.DEFAULT_MAX_FRAME_LENGTH, new FrameDecoder().maxFrameLength());
    }

    @Test
    void smallestMaximumAcceptsOnlyEmptyBodies() {
        byte[] bytes = concat(encode(payloadFrame(Opcode.PING, 1, new byte[0])),
                encode(payloadFrame(Opcode.PING, 2, new byte[1])));
        decode(Wire.MIN_LENGTH, bytes, frames -> {
            assertEquals(2, frames.size());
            assertEquals(0, assertInstanceOf(PayloadFrame.class, frames.get(0)).content().readableBytes());
            assertEquals(new InvalidFrame(2, Opcode.PING.code(), ErrorCode.FRAME_TOO_LARGE,
                    "frame length 7 exceeds the maximum of 6"), frames.get(1));
        });
    }

    @Test
    void invalidFrameRequiresErrorAndMessage() {
        assertThrows(NullPointerException.class, () -> new InvalidFrame(0, 1, null, "m"));
        assertThrows(NullPointerException.class, () -> new InvalidFrame(0, 1, ErrorCode.MALFORMED_BODY, null));
    }

    @Test
    void utf8InStringsIsDecoded() {
        byte[] body = concat(hex("01"), str16(utf8("Zoë 🚀")), str16(""));
        assertEquals(List.of(new Hello(3, 1, "Zoë 🚀", "")), decode(MAX, rawFrame(Opcode.HELLO.code(), 0, 3, body)));
    }
}
