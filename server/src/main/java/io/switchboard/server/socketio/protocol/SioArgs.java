package io.switchboard.server.socketio.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * Builds event and acknowledgement arguments from plain Java values, for the embedding API.
 *
 * <p>Accepted values, by type, without reflection:
 * <table>
 *   <caption>Java value to JSON</caption>
 *   <tr><td>{@code null}</td><td>null</td></tr>
 *   <tr><td>{@link CharSequence}, {@link Character}</td><td>string</td></tr>
 *   <tr><td>{@link Boolean}</td><td>boolean</td></tr>
 *   <tr><td>{@link Byte}, {@link Short}, {@link Integer}, {@link Long}, {@link BigInteger}</td><td>integer</td></tr>
 *   <tr><td>{@link Float}, {@link Double} (finite only), {@link BigDecimal}</td><td>number</td></tr>
 *   <tr><td>{@code byte[]}</td><td>binary (copied)</td></tr>
 *   <tr><td>{@link ByteBuf}</td><td>binary: its readable bytes, copied; the buffer is neither
 *       consumed nor released, the caller keeps it</td></tr>
 *   <tr><td>{@link Map} with {@link CharSequence} keys</td><td>object, in the map's order</td></tr>
 *   <tr><td>{@link Iterable}, {@code Object[]}</td><td>array</td></tr>
 *   <tr><td>{@link JsonNode}</td><td>itself, not copied</td></tr>
 * </table>
 * Integers get the narrowest node (int, then long, then big) and floating-point numbers a double
 * node, as {@link SioDecoder} reads them, so that a packet built here equals its decoded form.
 * Anything else, and containers nested deeper than {@link SioEncoder#MAX_DEPTH} (a container
 * holding itself, say), is refused with {@link IllegalArgumentException} naming the type.
 */
public final class SioArgs {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private SioArgs() {
    }

    /** The arguments of an EVENT: {@code [name, args...]}. */
    public static ArrayNode event(String name, Object... args) {
        if (name == null) {
            throw new IllegalArgumentException("event name: null (expected: a string)");
        }
        ArrayNode array = NODES.arrayNode(args.length + 1).add(name);
        for (Object arg : args) {
            array.add(toJson(arg, 2));
        }
        return array;
    }

    /** The arguments of an ACK (or of an event after its name): {@code [args...]}. */
    public static ArrayNode args(Object... args) {
        ArrayNode array = NODES.arrayNode(args.length);
        for (Object arg : args) {
            array.add(toJson(arg, 2));
        }
        return array;
    }

    /** One Java value as JSON, by the table above. */
    public static JsonNode toJson(Object value) {
        return toJson(value, 1);
    }

    private static JsonNode toJson(Object value, int depth) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof JsonNode node) {
            return node;
        }
        if (value instanceof CharSequence || value instanceof Character) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return NODES.numberNode(((Number) value).intValue());
        }
        if (value instanceof Long l) {
            return integer(l);
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw new IllegalArgumentException("number: " + d + " (expected: a finite number)");
            }
            return NODES.numberNode(d);
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < Long.SIZE ? integer(big.longValue()) : NODES.numberNode(big);
        }
        if (value instanceof BigDecimal big) {
            return NODES.numberNode(big);
        }
        if (value instanceof byte[] bytes) {
            return BinaryNode.valueOf(bytes.clone());
        }
        if (value instanceof ByteBuf buf) {
            return BinaryNode.valueOf(ByteBufUtil.getBytes(buf));
        }
        if (value instanceof Map<?, ?> map) {
            checkDepth(depth);
            ObjectNode object = NODES.objectNode();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof CharSequence key)) {
                    throw new IllegalArgumentException("map key: " + typeName(e.getKey()) + " (expected: a string)");
                }
                object.set(key.toString(), toJson(e.getValue(), depth + 1));
            }
            return object;
        }
        if (value instanceof Iterable<?> items) {
            checkDepth(depth);
            ArrayNode array = NODES.arrayNode();
            for (Object item : items) {
                array.add(toJson(item, depth + 1));
            }
            return array;
        }
        if (value instanceof Object[] items) {
            checkDepth(depth);
            ArrayNode array = NODES.arrayNode(items.length);
            for (Object item : items) {
                array.add(toJson(item, depth + 1));
            }
            return array;
        }
        throw new IllegalArgumentException("argument: " + typeName(value)
                + " (expected: null, string, number, boolean, byte[], ByteBuf, Map, Iterable, array or JsonNode)");
    }

    /** The smallest integer node, as Jackson's parser makes it, so that a built packet equals its decoded form. */
    private static JsonNode integer(long value) {
        return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
    }

    private static void checkDepth(int depth) {
        if (depth > SioEncoder.MAX_DEPTH) {
            throw new IllegalArgumentException("nesting depth: more than " + SioEncoder.MAX_DEPTH
                    + " (a container that holds itself?)");
        }
    }

    private static String typeName(Object value) {
        return value == null ? "null" : value.getClass().getName();
    }
}
