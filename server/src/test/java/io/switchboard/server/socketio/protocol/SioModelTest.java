package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packet's own rules, the argument helper, the encoder's refusals and the options' checks. */
class SioModelTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final SioEncoder encoder = new SioEncoder(PooledByteBufAllocator.DEFAULT);

    @Test
    void argsFromJavaValues() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("n", null);
        map.put("list", List.of(1, "two", false));
        ArrayNode args = SioArgs.event("e", "s", 'c', 1, (short) 2, (byte) 3, 4L, 5_000_000_000L, 1.5, 2.5f,
                true, null, map, new Object[] {1, "x"}, new BigInteger("123456789012345678901234567890"),
                BigInteger.TEN, new BigDecimal("1.25"), json("{\"k\":[1]}"));
        assertEquals(json("[\"e\",\"s\",\"c\",1,2,3,4,5000000000,1.5,2.5,true,null,{\"n\":null,\"list\":[1,\"two\",false]},"
                + "[1,\"x\"],123456789012345678901234567890,10,1.25,{\"k\":[1]}]").toString(), args.toString());
        // integers get the node a decoder makes, so built and decoded packets are equal
        assertTrue(args.get(6).isInt() && args.get(7).isLong() && args.get(15).isInt());
        assertTrue(args.get(9).isDouble());
    }

    @Test
    void binaryArgsAreCopiedAndTheBufferStaysTheCallers() throws Exception {
        byte[] bytes = {1, 2, 3};
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(new byte[] {9, 4, 5});
        buf.readerIndex(1);
        try {
            ArrayNode args = SioArgs.args(bytes, buf);
            bytes[0] = 42;
            assertArrayEquals(new byte[] {1, 2, 3}, args.get(0).binaryValue());
            assertArrayEquals(new byte[] {4, 5}, args.get(1).binaryValue());
            assertEquals(1, buf.refCnt());
            assertEquals(2, buf.readableBytes(), "the buffer is not consumed");
        } finally {
            buf.release();
        }
    }

    @Test
    void argsRefuseWhatJsonCannotHold() {
        assertMessage("argument: java.lang.Thread", () -> SioArgs.args(Thread.currentThread()));
        assertMessage("map key: java.lang.Integer", () -> SioArgs.args(Map.of(1, "x")));
        assertMessage("number: NaN", () -> SioArgs.args(Double.NaN));
        assertMessage("number: Infinity", () -> SioArgs.args(Float.POSITIVE_INFINITY));
        assertMessage("event name: null", () -> SioArgs.event(null));
        List<Object> selfish = new ArrayList<>();
        selfish.add(selfish);
        assertMessage("nesting depth", () -> SioArgs.args(selfish));
    }

    @Test
    void thePacketChecksItsShape() {
        ArrayNode event = SioArgs.event("e");
        assertMessage("namespace: \"chat\"", () -> SioPacket.event("chat", event, -1));
        assertMessage("namespace: \"/a,b\"", () -> SioPacket.event("/a,b", event, -1));
        assertMessage("namespace: null", () -> SioPacket.event(null, event, -1));
        assertMessage("ackId: -2", () -> SioPacket.event("/", event, -2));
        assertMessage("ackId: 9007199254740992", () -> SioPacket.event("/", event, SioPacket.MAX_ACK_ID + 1));
        assertMessage("ACK without an ack id", () -> SioPacket.ack("/", -1, SioArgs.args()));
        assertMessage("CONNECT with an ack id", () -> new SioPacket(SioPacketType.CONNECT, "/", 1, null));
        assertMessage("EVENT payload: an empty array", () -> SioPacket.event("/", SioArgs.args(), -1));
        assertMessage("EVENT name: NUMBER", () -> SioPacket.event("/", SioArgs.args(1), -1));
        assertMessage("CONNECT_ERROR payload: none", () -> SioPacket.connectError("/", (ObjectNode) null));
        assertMessage("DISCONNECT payload: OBJECT",
                () -> new SioPacket(SioPacketType.DISCONNECT, "/", -1, NODES.objectNode()));
        assertMessage("CONNECT payload: ARRAY", () -> new SioPacket(SioPacketType.CONNECT, "/", -1, NODES.arrayNode()));
    }

    @Test
    void binaryTypesAreTheLogicalOnesInTheModel() {
        SioPacket packet = new SioPacket(SioPacketType.BINARY_ACK, "/", 3, SioArgs.args(new byte[] {1}));
        assertSame(SioPacketType.ACK, packet.type());
        assertTrue(packet.hasBinary());
        assertFalse(SioPacket.ack("/", 3, SioArgs.args("x")).hasBinary());
        assertEquals("e", SioPacket.event("/", SioArgs.event("e"), -1).eventName());
        assertThrows(IllegalStateException.class, () -> SioPacket.disconnect("/").eventName());
    }

    @Test
    void theEncoderRefusesWhatTheWireCannotCarry() {
        ObjectNode withBinary = NODES.objectNode().put("blob", new byte[] {1});
        assertMessage("CONNECT cannot carry binary data", () -> encoder.encode(SioPacket.connect("/", withBinary)));
        assertMessage("\"_placeholder\" key", () -> encoder.encode(SioPacket.event("/",
                SioArgs.event("e", json("{\"_placeholder\":true,\"num\":0}")), -1)));
        assertMessage("\"_placeholder\" key", () -> encoder.encode(SioPacket.event("/",
                SioArgs.event("e", json("[{\"x\":{\"_placeholder\":false}}]")), -1)));
        assertMessage("number: NaN", () -> encoder.encode(SioPacket.event("/",
                SioArgs.event("e", NODES.numberNode(Double.NaN)), -1)));
        assertMessage("node: POJO", () -> encoder.encode(SioPacket.event("/",
                SioArgs.event("e", NODES.pojoNode(new Object())), -1)));
        JsonNode deep = NODES.arrayNode();
        for (int i = 0; i < SioEncoder.MAX_DEPTH; i++) {
            deep = NODES.arrayNode().add(deep);
        }
        JsonNode tooDeep = deep;
        assertMessage("nesting depth", () -> encoder.encode(SioPacket.event("/", SioArgs.event("e", tooDeep), -1)));
    }

    @Test
    void optionsNameTheBadValue() {
        assertMessage("maxAttachments: 0 (expected: 1 to 1000)", () -> SioDecoderOptions.builder().maxAttachments(0));
        assertMessage("maxNestingDepth: 1001 (expected: 1 to 1000)",
                () -> SioDecoderOptions.builder().maxNestingDepth(1001));
        assertMessage("maxNamespaceLength: -1", () -> SioDecoderOptions.builder().maxNamespaceLength(-1));
        SioDecoderOptions d = SioDecoderOptions.defaults();
        assertEquals(List.of(16, 32, 256, true),
                List.of(d.maxAttachments(), d.maxNestingDepth(), d.maxNamespaceLength(), d.rejectReservedEvents()));
    }

    @Test
    void reasonLabelsForMetrics() {
        assertEquals("bad_ack_id", SioDecodeException.Reason.BAD_ACK_ID.label());
    }

    private static void assertMessage(String expectedPart, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expectedPart), "\"" + e.getMessage() + "\" should contain \"" + expectedPart + "\"");
    }
}
