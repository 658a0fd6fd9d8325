package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioTestSupport.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.math.BigInteger;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The encoder writes plain data (null, booleans, ints, longs, printable ASCII strings, arrays and
 * objects of these) without a Jackson generator: the text must be exactly the generator's for
 * every tree, plain or not, and what the generator path refuses stays refused.
 */
class SioEncoderPlainTest {
    private static final long SEED = 0x5109_0019L;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final SioEncoder encoder = new SioEncoder(UnpooledByteBufAllocator.DEFAULT);

    @Test
    void plainAndOtherDataEncodeAsJacksonWritesThem() throws Exception {
        Random random = new Random(SEED);
        int plain = 0;
        for (int i = 0; i < 20_000; i++) {
            ArrayNode data = NODES.arrayNode();
            int n = random.nextInt(4);
            for (int k = 0; k < n; k++) {
                data.add(randomNode(random, 0));
            }
            plain += SioEncoder.appendPlain(new StringBuilder(), data, 1) ? 1 : 0;
            long ackId = random.nextInt(1000);
            String namespace = random.nextBoolean() ? "/" : "/admin";
            SioPacket packet = SioPacket.ack(namespace, ackId, data);
            String header = "3" + ("/".equals(namespace) ? "" : namespace + ",") + ackId;
            try (SioEncoded encoded = encoder.encode(packet)) {
                assertEquals(header + MAPPER.writeValueAsString(data), encoded.text(), "tree " + i + " of seed " + SEED);
            }
        }
        // both paths are really taken
        assertTrue(plain > 2_000 && plain < 18_000, "plain trees: " + plain);
    }

    @Test
    void theCommonAcknowledgementsAreExact() {
        assertText("31[null]", SioPacket.ack("/", 1, NODES.arrayNode().addNull()));
        assertText("3/room,42[]", SioPacket.ack("/room", 42, NODES.arrayNode()));
        assertText("37[null,{\"members\":[{\"session\":\"18446744073709551615\",\"name\":\"a b\"}],\"next\":\"0\"}]",
                SioPacket.ack("/", 7, (ArrayNode) json(
                        "[null,{\"members\":[{\"session\":\"18446744073709551615\",\"name\":\"a b\"}],\"next\":\"0\"}]")));
        assertText("20[\"echo\",true,false,-2147483648,9223372036854775807,\"~ !#$%&'()*+,-./:;<=>?@[]^_`{|}\"]",
                SioPacket.event("/", (ArrayNode) json(
                        "[\"echo\",true,false,-2147483648,9223372036854775807,\"~ !#$%&'()*+,-./:;<=>?@[]^_`{|}\"]"), 0));
        // escapes, non-ASCII, fractions and big numbers go through the generator
        assertText("2[\"q\\\"b\\\\n\\n\",\"é\",1.5,18446744073709551616]", SioPacket.event("/",
                NODES.arrayNode().add("q\"b\\n\n").add("é").add(1.5).add(new BigInteger("18446744073709551616")),
                SioPacket.NO_ACK));
    }

    @Test
    void whatTheGeneratorPathRefusesIsStillRefused() {
        ArrayNode placeholder = NODES.arrayNode();
        placeholder.addObject().put("_placeholder", true).put("num", 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(SioPacket.ack("/", 1, placeholder)));
        assertEquals("an object with a \"_placeholder\" key cannot be sent", e.getMessage());

        ArrayNode deep = NODES.arrayNode();
        ArrayNode inner = deep;
        for (int i = 0; i < SioEncoder.MAX_DEPTH; i++) {
            inner = inner.addArray();
        }
        e = assertThrows(IllegalArgumentException.class, () -> encoder.encode(SioPacket.ack("/", 1, deep)));
        assertEquals("nesting depth: more than " + SioEncoder.MAX_DEPTH, e.getMessage());
        assertFalse(SioEncoder.appendPlain(new StringBuilder(), deep, 1));
    }

    @Test
    void encodesAndDecodesOnAnEventLoopThreadAsElsewhere() throws Exception {
        // Jackson's buffers come from the loop's own recycler on netty's threads (LoopBufferRecyclers).
        String text = "2[\"hello\",\"q\\\"\",1.5,{\"a\":[1,2,{\"b\":null}]}]";
        AtomicReference<Object> result = new AtomicReference<>();
        Thread loop = new FastThreadLocalThread(() -> {
            try {
                SioDecoder decoder = new SioDecoder(SioDecoderOptions.defaults());
                for (int i = 0; i < 3; i++) {
                    SioPacket p = decoder.decodeText(text);
                    try (SioEncoded again = encoder.encode(p)) {
                        result.set(again.text());
                    }
                }
            } catch (Throwable t) {
                result.set(t);
            }
        });
        loop.start();
        loop.join();
        assertEquals(text, result.get());
    }

    private void assertText(String expected, SioPacket packet) {
        try (SioEncoded encoded = encoder.encode(packet)) {
            assertEquals(expected, encoded.text());
        }
    }

    private static JsonNode randomNode(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 7 : 9);
        return switch (kind) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt());
            case 3 -> NODES.numberNode(random.nextLong());
            case 4 -> random.nextInt(20) == 0 ? NODES.numberNode(random.nextDouble() * 1e6)
                    : NODES.numberNode(BigInteger.valueOf(random.nextLong()).shiftLeft(random.nextInt(3) * 64));
            case 5, 6 -> NODES.textNode(randomString(random));
            case 7 -> {
                ArrayNode a = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.add(randomNode(random, depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = NODES.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(randomString(random), randomNode(random, depth + 1));
                }
                yield o;
            }
        };
    }

    /** Mostly printable ASCII; now and then a quote, a backslash, a control, a non-ASCII character or a lone surrogate. */
    private static String randomString(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            int pick = random.nextInt(60);
            s.append(switch (pick) {
                case 0 -> '"';
                case 1 -> '\\';
                case 2 -> (char) random.nextInt(0x20);
                case 3 -> (char) (0x7f + random.nextInt(0x100));
                case 4 -> (char) (0xd800 + random.nextInt(0x800));
                default -> (char) (0x20 + random.nextInt(0x5f));
            });
        }
        return s.toString();
    }
}
