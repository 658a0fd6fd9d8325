package io.switchboard.server.socketio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.switchboard.common.protocol.Flags;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;

/**
 * Socket.IO arguments to and from the payload of an event in the rooms, so that every protocol
 * sees a Socket.IO emit in its own terms and Socket.IO recipients get the arguments back as sent:
 * <ul>
 *   <li>one string argument: its UTF-8 bytes (format 0: text for framed and WebSocket clients);
 *   <li>one binary argument: its bytes, with {@link Flags#BINARY};
 *   <li>anything else (no arguments, several, numbers, objects): the JSON array of the arguments,
 *       with {@link Flags#JSON}; binary values inside it as {@code {"_binary":"<base64>"}}.
 * </ul>
 * And back: a {@link Flags#JSON} payload is the argument array, a {@link Flags#BINARY} payload one
 * binary argument, any other payload one string argument when it is valid UTF-8, else one binary.
 */
final class Payloads {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String BINARY_KEY = "_binary";

    private Payloads() {
    }

    /** A payload and its format flags. */
    record Payload(ByteBuf bytes, int format) {
    }

    static Payload fromArgs(ArrayNode args) {
        if (args.size() == 1 && args.get(0).isTextual()) {
            return new Payload(Unpooled.wrappedBuffer(args.get(0).textValue().getBytes(StandardCharsets.UTF_8)), 0);
        }
        if (args.size() == 1 && args.get(0).isBinary()) {
            return new Payload(Unpooled.wrappedBuffer(binary(args.get(0))), Flags.BINARY);
        }
        try {
            return new Payload(Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(withoutBinary(args))), Flags.JSON);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("arguments cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The arguments a payload stands for; does not consume it. */
    static ArrayNode toArgs(ByteBuf payload, int flags) {
        int index = payload.readerIndex();
        int length = payload.readableBytes();
        if (Flags.has(flags, Flags.JSON)) {
            try {
                JsonNode node = MAPPER.readTree(payload.toString(index, length, StandardCharsets.UTF_8));
                if (node != null && node.isArray()) {
                    return (ArrayNode) withBinary(node);
                }
            } catch (JsonProcessingException e) {
                // a framed client's JSON flag over something that is not JSON: shown as it is
            }
        }
        ArrayNode args = NODES.arrayNode(1);
        if (!Flags.has(flags, Flags.BINARY) && ByteBufUtil.isText(payload, index, length, StandardCharsets.UTF_8)) {
            args.add(payload.toString(index, length, StandardCharsets.UTF_8));
        } else {
            args.add(NODES.binaryNode(ByteBufUtil.getBytes(payload, index, length)));
        }
        return args;
    }

    private static byte[] binary(JsonNode node) {
        try {
            return node.binaryValue();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode withoutBinary(JsonNode node) {
        if (node.isBinary()) {
            ObjectNode o = NODES.objectNode();
            o.put(BINARY_KEY, Base64.getEncoder().encodeToString(binary(node)));
            return o;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode(node.size());
            for (JsonNode child : node) {
                out.add(withoutBinary(child));
            }
            return out;
        }
        if (node.isObject()) {
            ObjectNode out = NODES.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), withoutBinary(e.getValue()));
            }
            return out;
        }
        return node;
    }

    private static JsonNode withBinary(JsonNode node) {
        if (node.isObject()) {
            if (node.size() == 1 && node.get(BINARY_KEY) != null && node.get(BINARY_KEY).isTextual()) {
                try {
                    return NODES.binaryNode(Base64.getDecoder().decode(node.get(BINARY_KEY).textValue()));
                } catch (IllegalArgumentException e) {
                    return node;
                }
            }
            ObjectNode out = NODES.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), withBinary(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode(node.size());
            for (JsonNode child : node) {
                out.add(withBinary(child));
            }
            return out;
        }
        return node;
    }
}
