package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioTestSupport.buffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.socketio.protocol.SioDecodeException.Reason;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every malformed text message is refused with its own reason, and the decoder is usable again
 * afterwards (the session closes the connection, but a refusal must not leave state behind).
 */
class SioDecoderErrorsTest {
    private static final String PH0 = "{\"_placeholder\":true,\"num\":0}";

    static Stream<Arguments> malformed() {
        return Stream.of(
                bad("", Reason.EMPTY_MESSAGE),
                // test-suite.js: "4abc" (Engine.IO message "abc")
                bad("abc", Reason.UNKNOWN_TYPE),
                bad("7[\"a\"]", Reason.UNKNOWN_TYPE),
                bad("-1[\"a\"]", Reason.UNKNOWN_TYPE),
                bad(" 2[\"a\"]", Reason.UNKNOWN_TYPE),
                bad("5[\"a\"," + PH0 + "]", Reason.BAD_ATTACHMENT_COUNT),
                bad("5-[\"a\"," + PH0 + "]", Reason.BAD_ATTACHMENT_COUNT),
                bad("51[\"a\"," + PH0 + "]", Reason.BAD_ATTACHMENT_COUNT),
                bad("5x-[\"a\"," + PH0 + "]", Reason.BAD_ATTACHMENT_COUNT),
                bad("50-[\"a\"]", Reason.BAD_ATTACHMENT_COUNT),
                bad("501-[\"a\"," + PH0 + "]", Reason.BAD_ATTACHMENT_COUNT),
                bad("61", Reason.BAD_ATTACHMENT_COUNT),
                bad("517-[\"a\"," + PH0 + "]", Reason.TOO_MANY_ATTACHMENTS),
                bad("599999999999999999999-[\"a\"]", Reason.TOO_MANY_ATTACHMENTS),
                bad("2admin,[\"a\"]", Reason.BAD_NAMESPACE),
                bad("0admin,", Reason.BAD_NAMESPACE),
                bad("51-admin,[\"a\"," + PH0 + "]", Reason.BAD_NAMESPACE),
                bad("2/a\u0001b,[\"a\"]", Reason.BAD_NAMESPACE),
                bad("2/" + "x".repeat(256) + ",[\"a\"]", Reason.BAD_NAMESPACE),
                // test-suite.js: '42abc["message-with-ack",1,"2",{"3":[false]}]'
                bad("2abc[\"message-with-ack\",1,\"2\",{\"3\":[false]}]", Reason.BAD_ACK_ID),
                bad("2-1[\"a\"]", Reason.BAD_ACK_ID),
                bad("212a[\"a\"]", Reason.BAD_ACK_ID),
                bad("2 12[\"a\"]", Reason.BAD_ACK_ID),
                bad("2012[\"a\"]", Reason.BAD_ACK_ID),
                bad("29007199254740992[\"a\"]", Reason.BAD_ACK_ID),
                bad("299999999999999999999999[\"a\"]", Reason.BAD_ACK_ID),
                bad("3[\"a\"]", Reason.BAD_ACK_ID),
                bad("3/admin,[]", Reason.BAD_ACK_ID),
                bad("012{\"token\":\"x\"}", Reason.BAD_ACK_ID),
                bad("17", Reason.BAD_ACK_ID),
                bad("43{\"message\":\"x\"}", Reason.BAD_ACK_ID),
                bad("2[\"a\"", Reason.INVALID_JSON),
                bad("2[\"a\"]]", Reason.INVALID_JSON),
                bad("2[\"a\"][\"b\"]", Reason.INVALID_JSON),
                bad("2[\"a\"] x", Reason.INVALID_JSON),
                bad("2['a']", Reason.INVALID_JSON),
                bad("2[\"a\",NaN]", Reason.INVALID_JSON),
                bad("2[\"a\",1e999]", Reason.INVALID_JSON),
                bad("2[\"a\",01]", Reason.INVALID_JSON),
                bad("2[\"a\",{a:1}]", Reason.INVALID_JSON),
                bad("0{\"token\":}", Reason.INVALID_JSON),
                // test-suite.js: '42{}'
                bad("2{}", Reason.INVALID_PAYLOAD),
                bad("2[]", Reason.INVALID_PAYLOAD),
                bad("2[1,\"a\"]", Reason.INVALID_PAYLOAD),
                bad("2[null]", Reason.INVALID_PAYLOAD),
                bad("2\"hello\"", Reason.INVALID_PAYLOAD),
                bad("2", Reason.INVALID_PAYLOAD),
                bad("2/admin,", Reason.INVALID_PAYLOAD),
                bad("21", Reason.INVALID_PAYLOAD),
                bad("31{}", Reason.INVALID_PAYLOAD),
                bad("31", Reason.INVALID_PAYLOAD),
                bad("0[]", Reason.INVALID_PAYLOAD),
                bad("0\"token\"", Reason.INVALID_PAYLOAD),
                bad("1{}", Reason.INVALID_PAYLOAD),
                bad("4\"Not authorized\"", Reason.INVALID_PAYLOAD),
                bad("4", Reason.INVALID_PAYLOAD),
                bad("51-{\"a\":" + PH0 + "}", Reason.INVALID_PAYLOAD),
                bad("2[\"connect\"]", Reason.RESERVED_EVENT),
                bad("2[\"connect_error\",1]", Reason.RESERVED_EVENT),
                bad("2/admin,5[\"disconnect\"]", Reason.RESERVED_EVENT),
                bad("2[\"disconnecting\"]", Reason.RESERVED_EVENT),
                bad("2[\"newListener\"]", Reason.RESERVED_EVENT),
                bad("2[\"removeListener\"]", Reason.RESERVED_EVENT),
                bad("51-[\"removeListener\"," + PH0 + "]", Reason.RESERVED_EVENT),
                bad("51-[\"a\",{\"_placeholder\":true,\"num\":1}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":true,\"num\":-1}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":true,\"num\":0.5}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":true,\"num\":4294967296}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":true}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":1,\"num\":0}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":false,\"num\":0}]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\",{\"_placeholder\":true,\"num\":0,\"x\":1}]", Reason.BAD_PLACEHOLDER),
                bad("52-[\"a\"," + PH0 + "," + PH0 + "]", Reason.BAD_PLACEHOLDER),
                bad("52-[\"a\"," + PH0 + "]", Reason.BAD_PLACEHOLDER),
                bad("51-[\"a\"]", Reason.BAD_PLACEHOLDER),
                bad("2[\"a\"," + PH0 + "]", Reason.BAD_PLACEHOLDER),
                bad("0{\"auth\":" + PH0 + "}", Reason.BAD_PLACEHOLDER),
                bad("0" + PH0, Reason.BAD_PLACEHOLDER),
                bad("2[\"a\"," + "[".repeat(32) + "]".repeat(32) + "]", Reason.NESTING_TOO_DEEP),
                bad("2[\"a\"," + "{\"k\":".repeat(32) + "1" + "}".repeat(32) + "]", Reason.NESTING_TOO_DEEP),
                bad("2[\"a\"," + "[".repeat(100_000), Reason.NESTING_TOO_DEEP));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformed")
    void refusedWithItsReason(String text, Reason reason) throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        SioDecodeException e = assertThrows(SioDecodeException.class, () -> decoder.decodeText(text));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith(reason + ": "), e.getMessage());
        assertFalse(decoder.isAwaitingAttachments());
        assertEquals(SioPacket.event("/", SioArgs.event("ok"), SioPacket.NO_ACK), decoder.decodeText("2[\"ok\"]"),
                "the decoder works again after a refusal");
    }

    @Test
    void theDepthLimitIsExact() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.builder().maxNestingDepth(3).build());
        // depth 3: the top-level array, one array, one object
        assertEquals(1, decoder.decodeText("2[\"a\",[{\"k\":1}]]").data().get(1).get(0).get("k").intValue());
        assertEquals(Reason.NESTING_TOO_DEEP,
                assertThrows(SioDecodeException.class, () -> decoder.decodeText("2[\"a\",[{\"k\":[]}]]")).reason());
    }

    @Test
    void theAttachmentLimitIsConfigurable() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.builder().maxAttachments(2).build());
        assertNull(decoder.decodeText("52-[\"a\"," + PH0 + ",{\"_placeholder\":true,\"num\":1}]"));
        decoder.reset();
        SioDecodeException e = assertThrows(SioDecodeException.class,
                () -> decoder.decodeText("53-[\"a\"," + PH0 + "]"));
        assertEquals(Reason.TOO_MANY_ATTACHMENTS, e.reason());
        assertTrue(e.getMessage().contains("\"3\"") && e.getMessage().contains("at most 2"), e.getMessage());
    }

    @Test
    void reservedEventsPassWhenTheCheckIsOff() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.builder().rejectReservedEvents(false).build());
        assertEquals("connect", decoder.decodeText("2[\"connect\"]").eventName());
    }

    @Test
    void theLargestAckIdIsAccepted() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        assertEquals(SioPacket.MAX_ACK_ID, decoder.decodeText("29007199254740991[\"a\"]").ackId());
        assertEquals(0, decoder.decodeText("20[\"a\"]").ackId());
    }

    @Test
    void theMessageNamesTheBadValue() {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        assertTrue(assertThrows(SioDecodeException.class, () -> decoder.decodeText("2x1[\"a\"]"))
                .getMessage().contains("\"x1\""));
        assertTrue(assertThrows(SioDecodeException.class, () -> decoder.decodeText("9"))
                .getMessage().contains("\"9\""));
        String control = assertThrows(SioDecodeException.class, () -> decoder.decodeText("2/a\nb,[\"a\"]")).getMessage();
        assertFalse(control.contains("\n"), "control characters are escaped: " + control);
    }

    @Test
    void binaryWhenNoneIsExpected() {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        io.netty.buffer.ByteBuf buf = buffer(new byte[] {1, 2});
        assertEquals(Reason.UNEXPECTED_BINARY,
                assertThrows(SioDecodeException.class, () -> decoder.decodeBinary(buf)).reason());
        assertEquals(0, buf.refCnt(), "refused attachment released");
        assertEquals(Reason.UNEXPECTED_BINARY,
                assertThrows(SioDecodeException.class, () -> decoder.decodeBinary(new byte[1])).reason());
    }

    @Test
    void binaryAfterACompletePacket() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        assertNull(decoder.decodeText("51-[\"a\"," + PH0 + "]"));
        assertEquals(1, decoder.pendingAttachments());
        decoder.decodeBinary(buffer(new byte[] {1}));
        assertEquals(0, decoder.pendingAttachments());
        assertEquals(Reason.UNEXPECTED_BINARY, assertThrows(SioDecodeException.class,
                () -> decoder.decodeBinary(buffer(new byte[] {2}))).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2[\"a\"]", "52-[\"a\"," + PH0 + ",{\"_placeholder\":true,\"num\":1}]", ""})
    void textWhileAttachmentsAreExpected(String next) throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        assertNull(decoder.decodeText("52-[\"a\"," + PH0 + ",{\"_placeholder\":true,\"num\":1}]"));
        assertNull(decoder.decodeBinary(buffer(new byte[] {1})));
        assertEquals(Reason.UNEXPECTED_TEXT,
                assertThrows(SioDecodeException.class, () -> decoder.decodeText(next)).reason());
        assertFalse(decoder.isAwaitingAttachments(), "the partial packet is dropped");
        assertEquals("ok", decoder.decodeText("2[\"ok\"]").eventName());
    }

    private static Arguments bad(String text, Reason reason) {
        return Arguments.of(text, reason);
    }
}
