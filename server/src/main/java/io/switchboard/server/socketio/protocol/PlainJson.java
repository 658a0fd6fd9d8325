package io.switchboard.server.socketio.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Reads the payload of a packet when it is plain, compact JSON, the form Socket.IO clients send
 * an event in, without a Jackson parser: strings without escapes, of characters from U+0020 to
 * U+007E other than the quote and the backslash; integers of up to 18 digits; {@code true},
 * {@code false}, {@code null}; arrays and objects of these, with no whitespace, no field named
 * {@code "_placeholder"}, no deeper than the limit given. Anything else, valid or not, is not
 * read here ({@link #read} answers {@code null}) and goes to the Jackson parser of
 * {@link SioDecoder}, which gives the same tree for what this reads (the same node classes: an
 * {@link IntNode} when the value fits an int, else a {@link LongNode}; the last of duplicate
 * fields, in the first one's place) and alone speaks for malformed input.
 */
final class PlainJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String PLACEHOLDER = "_placeholder";
    /** Longest integer read here: 18 digits always fit a long. */
    private static final int MAX_DIGITS = 18;

    private final String text;
    private final int maxDepth;
    private int pos;

    private PlainJson(String text, int start, int maxDepth) {
        this.text = text;
        this.pos = start;
        this.maxDepth = maxDepth;
    }

    /**
     * The value that makes up {@code text} from {@code start} to its end, or {@code null} when
     * that is not plain (or not JSON, or nested deeper than {@code maxDepth} arrays and objects).
     */
    static JsonNode read(String text, int start, int maxDepth) {
        PlainJson p = new PlainJson(text, start, maxDepth);
        JsonNode value = p.value(1);
        return value != null && p.pos == text.length() ? value : null;
    }

    private JsonNode value(int depth) {
        if (pos >= text.length()) {
            return null;
        }
        char c = text.charAt(pos);
        switch (c) {
            case '"': {
                String s = string();
                return s == null ? null : TextNode.valueOf(s);
            }
            case '[':
                return depth > maxDepth ? null : array(depth);
            case '{':
                return depth > maxDepth ? null : object(depth);
            case 't':
                return literal("true") ? BooleanNode.TRUE : null;
            case 'f':
                return literal("false") ? BooleanNode.FALSE : null;
            case 'n':
                return literal("null") ? NullNode.instance : null;
            default:
                return c == '-' || (c >= '0' && c <= '9') ? integer() : null;
        }
    }

    private ArrayNode array(int depth) {
        ArrayNode array = NODES.arrayNode();
        pos++; // '['
        if (pos < text.length() && text.charAt(pos) == ']') {
            pos++;
            return array;
        }
        while (true) {
            JsonNode child = value(depth + 1);
            if (child == null || pos >= text.length()) {
                return null;
            }
            array.add(child);
            char c = text.charAt(pos++);
            if (c == ']') {
                return array;
            }
            if (c != ',') {
                return null;
            }
        }
    }

    private ObjectNode object(int depth) {
        ObjectNode object = NODES.objectNode();
        pos++; // '{'
        if (pos < text.length() && text.charAt(pos) == '}') {
            pos++;
            return object;
        }
        while (true) {
            if (pos >= text.length() || text.charAt(pos) != '"') {
                return null;
            }
            String name = string();
            if (name == null || name.equals(PLACEHOLDER) || pos >= text.length() || text.charAt(pos) != ':') {
                return null;
            }
            pos++;
            JsonNode child = value(depth + 1);
            if (child == null || pos >= text.length()) {
                return null;
            }
            object.set(name, child);
            char c = text.charAt(pos++);
            if (c == '}') {
                return object;
            }
            if (c != ',') {
                return null;
            }
        }
    }

    /** A string at {@code pos} (its opening quote), without escapes and of printable ASCII; null otherwise. */
    private String string() {
        int from = pos + 1;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                pos = i + 1;
                return text.substring(from, i);
            }
            if (c < 0x20 || c > 0x7e || c == '\\') {
                return null;
            }
        }
        return null;
    }

    private boolean literal(String word) {
        if (!text.startsWith(word, pos)) {
            return false;
        }
        pos += word.length();
        return endsValue();
    }

    /** An integer: an optional minus, then {@code 0} or a digit 1-9 and more digits; no fraction, no exponent. */
    private JsonNode integer() {
        int from = pos;
        int i = pos;
        if (text.charAt(i) == '-') {
            i++;
        }
        int digitsFrom = i;
        while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
            i++;
        }
        int digits = i - digitsFrom;
        if (digits == 0 || digits > MAX_DIGITS || (digits > 1 && text.charAt(digitsFrom) == '0')) {
            return null;
        }
        pos = i;
        if (!endsValue()) {
            return null; // a fraction, an exponent, or not JSON
        }
        long value = Long.parseLong(text, from, i, 10);
        return value == (int) value ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
    }

    /** Whether what follows a scalar can follow a value here: the end, a comma, a closing bracket or brace. */
    private boolean endsValue() {
        if (pos == text.length()) {
            return true;
        }
        char c = text.charAt(pos);
        return c == ',' || c == ']' || c == '}';
    }
}
