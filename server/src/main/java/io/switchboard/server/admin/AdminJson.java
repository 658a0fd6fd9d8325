package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;

/** The admin API's JSON: one mapper, bodies to and from buffers. */
final class AdminJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AdminJson() {
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    /** {@code node} as UTF-8 JSON in a new unpooled buffer. */
    static ByteBuf write(JsonNode node) {
        try {
            return Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JSON in {@code body} (not released), or {@code null} when it is not JSON. */
    static JsonNode read(ByteBuf body) {
        try (InputStream in = new ByteBufInputStream(body.duplicate())) {
            return MAPPER.readTree(in);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
