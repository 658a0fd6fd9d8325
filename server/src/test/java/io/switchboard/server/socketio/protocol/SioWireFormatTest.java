package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioTestSupport.attachmentBytes;
import static io.switchboard.server.socketio.protocol.SioTestSupport.decode;
import static io.switchboard.server.socketio.protocol.SioTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The exact wire forms of the protocol's examples (socket.io-protocol v5 README) and of the
 * official test suite ({@code test-suite.js}, its messages without the Engine.IO type {@code 4}):
 * each decodes to the packet named beside it, and that packet encodes back to the same text and
 * attachments.
 */
class SioWireFormatTest {
    private static final byte[] B123 = {1, 2, 3};
    private static final byte[] B456 = {4, 5, 6};
    private static final byte[] B1234 = {1, 2, 3, 4};

    private final SioEncoder encoder = new SioEncoder(PooledByteBufAllocator.DEFAULT);

    static Stream<Arguments> canonical() {
        return Stream.of(
                // the protocol document
                wire("0", SioPacket.connect("/", null)),
                wire("0/admin,{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}",
                        SioPacket.connect("/admin", obj("{\"sid\":\"oSO0OpakMV_3jnilAAAA\"}"))),
                wire("4{\"message\":\"Not authorized\"}", SioPacket.connectError("/", "Not authorized")),
                wire("1/admin,", SioPacket.disconnect("/admin")),
                wire("1", SioPacket.disconnect("/")),
                wire("2[\"foo\"]", SioPacket.event("/", arr("[\"foo\"]"), SioPacket.NO_ACK)),
                wire("2/admin,[\"bar\"]", SioPacket.event("/admin", arr("[\"bar\"]"), SioPacket.NO_ACK)),
                wire("212[\"foo\"]", SioPacket.event("/", arr("[\"foo\"]"), 12)),
                wire("3/admin,13[\"bar\"]", SioPacket.ack("/admin", 13, arr("[\"bar\"]"))),
                wire("51-[\"baz\",{\"_placeholder\":true,\"num\":0}]",
                        SioPacket.event("/", SioArgs.event("baz", B1234), SioPacket.NO_ACK), B1234),
                wire("52-/admin,[\"baz\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
                        SioPacket.event("/admin", SioArgs.event("baz", new byte[] {1, 2}, new byte[] {3, 4}),
                                SioPacket.NO_ACK),
                        new byte[] {1, 2}, new byte[] {3, 4}),
                wire("61-15[\"bar\",{\"_placeholder\":true,\"num\":0}]",
                        SioPacket.ack("/", 15, SioArgs.args("bar", B1234)), B1234),
                // the brief's shorthand
                wire("2[\"hello\",1]", SioPacket.event("/", SioArgs.event("hello", 1), SioPacket.NO_ACK)),
                wire("21[\"hello\"]", SioPacket.event("/", SioArgs.event("hello"), 1)),
                wire("51-[\"hello\",{\"_placeholder\":true,\"num\":0}]",
                        SioPacket.event("/", SioArgs.event("hello", B123), SioPacket.NO_ACK), B123),
                wire("0/custom,{\"token\":\"123\"}", SioPacket.connect("/custom", obj("{\"token\":\"123\"}"))),
                // the official test suite
                wire("0{\"token\":\"123\"}", SioPacket.connect("/", obj("{\"token\":\"123\"}"))),
                wire("0/custom,{\"token\":\"abc\"}", SioPacket.connect("/custom", obj("{\"token\":\"abc\"}"))),
                wire("2[\"auth\",{}]", SioPacket.event("/", arr("[\"auth\",{}]"), SioPacket.NO_ACK)),
                wire("2/custom,[\"auth\",{\"token\":\"abc\"}]",
                        SioPacket.event("/custom", arr("[\"auth\",{\"token\":\"abc\"}]"), SioPacket.NO_ACK)),
                wire("4/random,{\"message\":\"Invalid namespace\"}",
                        SioPacket.connectError("/random", "Invalid namespace")),
                wire("2[\"message\",1,\"2\",{\"3\":[true]}]",
                        SioPacket.event("/", arr("[\"message\",1,\"2\",{\"3\":[true]}]"), SioPacket.NO_ACK)),
                wire("2[\"message-back\",\"message to main namespace\"]",
                        SioPacket.event("/", SioArgs.event("message-back", "message to main namespace"),
                                SioPacket.NO_ACK)),
                wire("2456[\"message-with-ack\",1,\"2\",{\"3\":[false]}]",
                        SioPacket.event("/", arr("[\"message-with-ack\",1,\"2\",{\"3\":[false]}]"), 456)),
                wire("3456[1,\"2\",{\"3\":[false]}]", SioPacket.ack("/", 456, arr("[1,\"2\",{\"3\":[false]}]"))),
                wire("52-[\"message\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
                        SioPacket.event("/", SioArgs.event("message", B123, B456), SioPacket.NO_ACK), B123, B456),
                wire("52-789[\"message-with-ack\",{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
                        SioPacket.event("/", SioArgs.event("message-with-ack", B123, B456), 789), B123, B456),
                wire("62-789[{\"_placeholder\":true,\"num\":0},{\"_placeholder\":true,\"num\":1}]",
                        SioPacket.ack("/", 789, SioArgs.args(B123, B456)), B123, B456),
                // binary nested inside an object, attachments numbered depth first
                wire("62-/admin,7[{\"a\":{\"_placeholder\":true,\"num\":0},\"b\":[{\"_placeholder\":true,\"num\":1}]}]",
                        SioPacket.ack("/admin", 7, SioArgs.args(orderedMap("a", B123, "b", List.of(B456)))),
                        B123, B456));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("canonical")
    void decodesToThePacket(String text, SioPacket expected, byte[][] attachments) throws Exception {
        SioPacket decoded = decode(new SioDecoder(SioDecoderOptions.defaults()), text, attachments);
        assertEquals(expected, decoded);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("canonical")
    void encodesToTheSameWire(String text, SioPacket packet, byte[][] attachments) {
        try (SioEncoded encoded = encoder.encode(packet)) {
            assertEquals(text, encoded.text());
            List<byte[]> bytes = attachmentBytes(encoded);
            assertEquals(attachments.length, bytes.size());
            for (int i = 0; i < attachments.length; i++) {
                assertArrayEquals(attachments[i], bytes.get(i), "attachment " + i);
            }
        }
    }

    /** Forms the reference parser accepts that our encoder does not produce. */
    @Test
    void acceptsANamespaceWithoutTheComma() throws Exception {
        SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
        // test-suite.js sends "40/custom" and "41/custom"
        assertEquals(SioPacket.connect("/custom", null), decoder.decodeText("0/custom"));
        assertEquals(SioPacket.disconnect("/custom"), decoder.decodeText("1/custom"));
        assertEquals(SioPacket.connect("/", null), decoder.decodeText("0/,"));
    }

    @Test
    void binaryInsideObjectsIsFoundAtAnyDepth() throws Exception {
        ArrayNode args = SioArgs.args(Map.of("deep", List.of(List.of(B123))));
        SioPacket packet = SioPacket.ack("/", 3, args);
        assertTrue(packet.hasBinary());
        try (SioEncoded encoded = encoder.encode(packet)) {
            assertEquals("61-3[{\"deep\":[[{\"_placeholder\":true,\"num\":0}]]}]", encoded.text());
            assertEquals(packet, decode(new SioDecoder(SioDecoderOptions.defaults()), encoded));
        }
    }

    private static Arguments wire(String text, SioPacket packet, byte[]... attachments) {
        return Arguments.of(text, packet, attachments);
    }

    private static Map<String, Object> orderedMap(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(k1, v1);
        map.put(k2, v2);
        return map;
    }

    private static ObjectNode obj(String json) {
        return (ObjectNode) json(json);
    }

    private static ArrayNode arr(String json) {
        JsonNode node = json(json);
        return (ArrayNode) node;
    }
}
