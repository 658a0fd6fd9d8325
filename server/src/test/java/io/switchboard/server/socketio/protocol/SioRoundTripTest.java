package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioTestSupport.decode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.PooledByteBufAllocator;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Encoding then decoding gives the packet back: each type by hand, then random packets. */
class SioRoundTripTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long SEED = 0x50C3E710L;
    private static final int PACKETS = 2_000;

    private final SioEncoder encoder = new SioEncoder(PooledByteBufAllocator.DEFAULT);
    // a peer decoding what the server sends: reserved names are not refused there
    private final SioDecoder decoder = new SioDecoder(SioDecoderOptions.builder().rejectReservedEvents(false).build());

    @Test
    void everyType() throws Exception {
        ObjectNode auth = NODES.objectNode().put("token", "t\u00e9\"\\/\n");
        List<SioPacket> packets = List.of(
                SioPacket.connect("/", null),
                SioPacket.connect("/admin", auth),
                SioPacket.disconnect("/"),
                SioPacket.disconnect("/x/y"),
                SioPacket.connectError("/", "Not authorized"),
                SioPacket.connectError("/nsp", NODES.objectNode().put("message", "no").set("data", auth)),
                SioPacket.event("/", SioArgs.event("e", 1, -2L, 3.5, true, null, "s"), SioPacket.NO_ACK),
                SioPacket.event("/chat", SioArgs.event("e"), 0),
                SioPacket.event("/", SioArgs.event("e", new byte[0], new byte[] {1}), SioPacket.MAX_ACK_ID),
                SioPacket.ack("/", 1, SioArgs.args()),
                SioPacket.ack("/a", 99, SioArgs.args(List.of(1, List.of("x")))),
                SioPacket.ack("/a", 100, SioArgs.args("x", new byte[] {1, 2}, java.util.Map.of("b", new byte[3]))));
        for (SioPacket packet : packets) {
            try (SioEncoded encoded = encoder.encode(packet)) {
                assertEquals(packet, decode(decoder, encoded), encoded.text());
            }
        }
    }

    /**
     * Random packets of every type with random nested payloads (strings with escapes and
     * non-ASCII, integers of every width, doubles, binary at any depth): each comes back equal,
     * and its wire form re-encodes to the same text.
     */
    @Test
    void randomPackets() throws Exception {
        Random random = new Random(SEED);
        int[] byType = new int[SioPacketType.values().length];
        int custom = 0;
        for (int i = 0; i < PACKETS; i++) {
            SioPacket packet = randomPacket(random);
            byType[packet.hasBinary() ? packet.type().ordinal() + 3 : packet.type().ordinal()]++;
            custom += packet.namespace().equals("/") ? 0 : 1;
            try (SioEncoded encoded = encoder.encode(packet)) {
                String where = "packet " + i + " of seed " + SEED + ": " + encoded.text();
                SioPacket decoded = decode(decoder, encoded);
                assertEquals(packet, decoded, where);
                try (SioEncoded again = encoder.encode(decoded)) {
                    assertEquals(encoded.text(), again.text(), where);
                }
            }
        }
        // the generator really covers every wire type and custom namespaces
        for (SioPacketType type : SioPacketType.values()) {
            assertTrue(byType[type.ordinal()] > PACKETS / 50, type + ": " + byType[type.ordinal()]);
        }
        assertTrue(custom > PACKETS / 2, "custom namespaces: " + custom);
    }

    private static SioPacket randomPacket(Random r) {
        String namespace = r.nextInt(3) == 0 ? "/" : "/" + randomString(r, 1 + r.nextInt(8)).replace(',', '.')
                .replaceAll("[\\x00-\\x1f\\x7f]", "_");
        long ackId = switch (r.nextInt(4)) {
            case 0 -> SioPacket.NO_ACK;
            case 1 -> r.nextInt(10);
            case 2 -> r.nextInt(Integer.MAX_VALUE);
            default -> (r.nextLong() >>> 1) % (SioPacket.MAX_ACK_ID + 1);
        };
        return switch (r.nextInt(5)) {
            case 0 -> SioPacket.connect(namespace, r.nextBoolean() ? null : randomObject(r, 1, false));
            case 1 -> SioPacket.disconnect(namespace);
            case 2 -> SioPacket.connectError(namespace, randomObject(r, 1, false));
            case 3 -> {
                ArrayNode data = NODES.arrayNode().add(randomString(r, r.nextInt(10)));
                int args = r.nextInt(5);
                for (int a = 0; a < args; a++) {
                    data.add(randomValue(r, 2, true));
                }
                yield SioPacket.event(namespace, data, ackId);
            }
            default -> {
                ArrayNode data = NODES.arrayNode();
                int args = r.nextInt(5);
                for (int a = 0; a < args; a++) {
                    data.add(randomValue(r, 2, true));
                }
                yield SioPacket.ack(namespace, ackId == SioPacket.NO_ACK ? 7 : ackId, data);
            }
        };
    }

    private static JsonNode randomValue(Random r, int depth, boolean binary) {
        int kinds = depth >= 6 ? 9 : 11;
        switch (r.nextInt(kinds)) {
            case 0: return NODES.textNode(randomString(r, r.nextInt(12)));
            case 1: return NODES.numberNode(r.nextInt());
            case 2: return NODES.numberNode(r.nextBoolean() ? r.nextLong() | (1L << 40) : r.nextLong());
            case 3: return NODES.numberNode(new BigInteger(64 + r.nextInt(40), r).add(BigInteger.ONE.shiftLeft(64)));
            case 4: {
                double d;
                do {
                    d = r.nextBoolean() ? r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20)
                            : Double.longBitsToDouble(r.nextLong());
                } while (!Double.isFinite(d));
                return NODES.numberNode(d);
            }
            case 5: return NODES.booleanNode(r.nextBoolean());
            case 6: return NODES.nullNode();
            case 7:
            case 8: {
                if (!binary) {
                    return NODES.textNode("no binary here");
                }
                byte[] bytes = new byte[r.nextInt(20)];
                r.nextBytes(bytes);
                return NODES.binaryNode(bytes);
            }
            case 9: {
                ArrayNode array = NODES.arrayNode();
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    array.add(randomValue(r, depth + 1, binary));
                }
                return array;
            }
            default:
                return randomObject(r, depth, binary);
        }
    }

    private static ObjectNode randomObject(Random r, int depth, boolean binary) {
        ObjectNode object = NODES.objectNode();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            object.set(randomString(r, r.nextInt(6)), randomValue(r, depth + 1, binary));
        }
        return object;
    }

    /** Printable ASCII, JSON escapes, control characters, accents and a character outside the BMP. */
    private static String randomString(Random r, int length) {
        String alphabet = "abcXYZ09 _-/,.\"\\\n\t\u0000\u001f\u007f\u00e9\u4e2d\ud83d\ude00[]{}";
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            int i = r.nextInt(alphabet.length());
            char c = alphabet.charAt(i);
            if (Character.isHighSurrogate(c)) {
                b.append(c).append(alphabet.charAt(i + 1));
            } else if (!Character.isLowSurrogate(c)) {
                b.append(c);
            }
        }
        return b.toString();
    }
}
