package io.switchboard.server.socketio.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PlainJson} reads the compact, plain payloads itself and leaves everything else to
 * Jackson: whatever it reads must be exactly Jackson's tree (node classes included), and it must
 * read the plain payloads clients send (else the decoder would gain nothing).
 */
class PlainJsonTest {
    private static final long SEED = 0x9a1a_0019L;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void whatItReadsIsJacksonsTreeAndItReadsPlainPayloads() {
        Random random = new Random(SEED);
        int read = 0;
        int mutated = 0;
        for (int i = 0; i < 50_000; i++) {
            String text = randomJson(random, 0);
            boolean mutatedNow = random.nextInt(3) == 0;
            if (mutatedNow) {
                text = mutate(random, text);
                mutated++;
            }
            String where = "text " + i + " of seed " + SEED + ": " + text;
            JsonNode mine = PlainJson.read("xx" + text, 2, 4);
            if (mine != null) {
                read++;
                JsonNode jackson = jackson(text);
                assertNotNull(jackson, "read what Jackson refuses: " + where);
                assertEquals(jackson, mine, where);
                assertSameClasses(jackson, mine, where);
            } else if (!mutatedNow) {
                // what the generator makes unmutated is plain: declined only for its depth
                assertTrue(depth(text) > 4, "declined a plain payload: " + where);
            }
        }
        assertTrue(mutated > 10_000, "mutated " + mutated);
        assertTrue(read > 20_000, "read " + read);
    }

    @Test
    void theSocketIoEventsOfTheBenchmarkAreReadHere() {
        assertEquals(MAPPER.valueToTree(new Object[] {"sb:publish", "nobody", "load", "x".repeat(100)}),
                PlainJson.read("2[\"sb:publish\",\"nobody\",\"load\",\"" + "x".repeat(100) + "\"]", 1, 32));
        assertEquals(IntNode.valueOf(-2147483648), PlainJson.read("-2147483648", 0, 1));
        assertEquals(LongNode.valueOf(2147483648L), PlainJson.read("2147483648", 0, 1));
        assertEquals(IntNode.valueOf(0), PlainJson.read("-0", 0, 1));
    }

    @Test
    void declinesWhatItDoesNotKnowForJacksonToJudge() {
        for (String text : new String[] {"", "[", "[1,]", "[,1]", "[1 ]", " [1]", "[1] ", "01", "-", "1.5", "1e3",
                "1234567890123456789", "\"a\\\"b\"", "\"é\"", "\"\u0001\"", "{\"a\":1,}", "{\"a\"1}", "{a:1}",
                "nul", "nullx", "truefalse", "[true false]", "{\"_placeholder\":true,\"num\":0}", "[[[[[1]]]]]",
                "\"unterminated", "{\"a\":1}}", "[1]]"}) {
            assertNull(PlainJson.read(text, 0, 4), text);
        }
        assertEquals(MAPPER.valueToTree(new int[][][][] {{{{1}}}}), PlainJson.read("[[[[1]]]]", 0, 4));
        // duplicates: the last value, in the first one's place, as Jackson's tree has it
        assertEquals(jackson("{\"a\":1,\"b\":2,\"a\":3}"), PlainJson.read("{\"a\":1,\"b\":2,\"a\":3}", 0, 4));
        assertEquals("{\"a\":3,\"b\":2}", PlainJson.read("{\"a\":1,\"b\":2,\"a\":3}", 0, 4).toString());
    }

    private static JsonNode jackson(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static void assertSameClasses(JsonNode expected, JsonNode actual, String where) {
        assertEquals(expected.getClass(), actual.getClass(), where);
        for (int i = 0; i < expected.size(); i++) {
            if (expected.isArray()) {
                assertSameClasses(expected.get(i), actual.get(i), where);
            }
        }
        if (expected.isObject()) {
            expected.fieldNames().forEachRemaining(f -> assertSameClasses(expected.get(f), actual.get(f), where));
        }
    }

    private static String randomJson(Random random, int depth) {
        int kind = random.nextInt(depth > 4 ? 6 : 8);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> random.nextBoolean() ? "true" : "false";
            case 2 -> Integer.toString(random.nextInt(2001) - 1000);
            case 3 -> Long.toString(random.nextLong() >> (4 + random.nextInt(60))); // at most 18 digits
            case 4, 5 -> "\"" + randomChars(random) + "\"";
            case 6 -> {
                StringBuilder a = new StringBuilder("[");
                for (int i = random.nextInt(4); i > 0; i--) {
                    a.append(a.length() > 1 ? "," : "").append(randomJson(random, depth + 1));
                }
                yield a.append(']').toString();
            }
            default -> {
                StringBuilder o = new StringBuilder("{");
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.append(o.length() > 1 ? "," : "").append('"').append(randomChars(random)).append("\":")
                            .append(randomJson(random, depth + 1));
                }
                yield o.append('}').toString();
            }
        };
    }

    private static String randomChars(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(8); i > 0; i--) {
            s.append((char) (0x20 + random.nextInt(0x5f)));
        }
        return s.toString().replace("\\", "/").replace("\"", "'");
    }

    /** A mutation: a character replaced, inserted or deleted (any of them may leave it plain, or not JSON). */
    private static String mutate(Random random, String text) {
        char[] pool = {' ', '"', '\\', ',', ']', '[', '{', '}', ':', '0', '1', '.', 'e', '-', 'é', '\n', 'a'};
        int at = random.nextInt(text.length() + 1);
        char c = pool[random.nextInt(pool.length)];
        return switch (random.nextInt(3)) {
            case 0 -> text.substring(0, at) + c + text.substring(at);
            case 1 -> at < text.length() ? text.substring(0, at) + c + text.substring(at + 1) : text;
            default -> at < text.length() ? text.substring(0, at) + text.substring(at + 1) : text;
        };
    }



    private static int depth(String text) {
        int depth = 0;
        int max = 0;
        boolean inString = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                inString = !inString;
            } else if (!inString && (c == '[' || c == '{')) {
                max = Math.max(max, ++depth);
            } else if (!inString && (c == ']' || c == '}')) {
                depth--;
            }
        }
        return max;
    }
}
