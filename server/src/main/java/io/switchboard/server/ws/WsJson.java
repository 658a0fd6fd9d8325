package io.switchboard.server.ws;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.switchboard.common.Version;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.server.settings.WsConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The JSON text of the WebSocket bridge ({@code docs/websocket.md}): reads a client message into a
 * tree with typed field accessors that fail as {@link BadMessage}, and writes server messages
 * straight into a {@link TextWebSocketFrame}. Session ids are written as decimal strings, because
 * they do not fit a JavaScript number. Stateless and thread-safe.
 */
final class WsJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final JsonFactory FACTORY = MAPPER.getFactory();
    /** The largest request id: ids are unsigned 32-bit, as in the framed protocol. */
    static final long MAX_ID = 0xFFFF_FFFFL;

    private WsJson() {
    }

    /** A client message that cannot be processed, answered with an error message. */
    static final class BadMessage extends Exception {
        final ErrorCode code;

        BadMessage(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    /** Writes the fields of one server message; the braces are written around it. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    // ---- reading ----

    /** Parses one client message: a JSON object. */
    static JsonNode parse(String text) throws BadMessage {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "expected a JSON object");
        }
        return root;
    }

    /** The request id, or {@code null} when the message has none. */
    static Long id(JsonNode message) throws BadMessage {
        JsonNode id = message.get("id");
        if (id == null || id.isNull()) {
            return null;
        }
        if (!id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 0 || id.asLong() > MAX_ID) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "id: " + id + " (expected: an integer 0.." + MAX_ID + ")");
        }
        return id.asLong();
    }

    /** A string field; {@code fallback} when absent, an error when absent and {@code fallback} is null. */
    static String string(JsonNode message, String field, String fallback) throws BadMessage {
        JsonNode value = message.get(field);
        if (value == null || value.isNull()) {
            if (fallback == null) {
                throw new BadMessage(ErrorCode.MALFORMED_BODY, "'" + field + "' is missing");
            }
            return fallback;
        }
        if (!value.isTextual()) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "'" + field + "' must be a string");
        }
        return value.textValue();
    }

    /** A boolean field, false when absent. */
    static boolean flag(JsonNode message, String field) throws BadMessage {
        JsonNode value = message.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "'" + field + "' must be true or false");
        }
        return value.booleanValue();
    }

    /** The {@code limit} of a members page: 1..{@link Members#MAX_LIMIT}, or 0 when absent (the whole room). */
    static int pageLimit(JsonNode message) throws BadMessage {
        JsonNode value = message.get("limit");
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1
                || value.intValue() > Members.MAX_LIMIT) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "'limit' must be an integer 1.." + Members.MAX_LIMIT);
        }
        return value.intValue();
    }

    /** A session id: a decimal string (as the server writes them) or an integer. */
    static long session(JsonNode message, String field) throws BadMessage {
        JsonNode value = message.get(field);
        try {
            if (value != null && value.isTextual()) {
                return Long.parseUnsignedLong(value.textValue());
            }
            if (value != null && value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0) {
                return value.asLong();
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new BadMessage(ErrorCode.MALFORMED_BODY, "'" + field + "' must be a session id (a decimal string)");
    }

    /**
     * The {@code data} field as bytes: the UTF-8 of the string, or the decoded string when
     * {@code "encoding":"base64"}. Empty when absent.
     */
    static byte[] data(JsonNode message) throws BadMessage {
        String data = string(message, "data", "");
        String encoding = string(message, "encoding", "utf-8");
        switch (encoding) {
            case "utf-8":
            case "text":
                return data.getBytes(StandardCharsets.UTF_8);
            case "base64":
                try {
                    return Base64.getDecoder().decode(data);
                } catch (IllegalArgumentException e) {
                    throw new BadMessage(ErrorCode.MALFORMED_BODY, "'data' is not base64: " + e.getMessage());
                }
            default:
                throw new BadMessage(ErrorCode.MALFORMED_BODY, "encoding: '" + encoding + "' (expected: utf-8 or base64)");
        }
    }

    // ---- writing ----

    /** One server message of {@code type} as a text frame the caller owns. */
    static TextWebSocketFrame frame(ByteBufAllocator alloc, String type, Body body) {
        return new TextWebSocketFrame(bytes(alloc, type, body));
    }

    /** One server message of {@code type}: its UTF-8 JSON text, which the caller owns. */
    static ByteBuf bytes(ByteBufAllocator alloc, String type, Body body) {
        ByteBuf buf = alloc.buffer();
        try (JsonGenerator json = FACTORY.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            json.writeStartObject();
            json.writeStringField("type", type);
            body.write(json);
            json.writeEndObject();
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        return buf;
    }

    /** The {@code welcome} message: the session id and the limits the client must keep to. */
    static TextWebSocketFrame welcome(ByteBufAllocator alloc, long sessionId, WsConfig config) {
        return frame(alloc, "welcome", json -> {
            writeSession(json, "session", sessionId);
            json.writeStringField("server", Version.product());
            json.writeNumberField("maxMessageBytes", config.maxMessageBytes());
            json.writeNumberField("maxPayloadBytes", config.session().maxPayloadBytes());
            json.writeNumberField("maxRoomNameBytes", config.session().maxRoomNameBytes());
            json.writeNumberField("maxEventNameBytes", config.session().maxEventNameBytes());
            json.writeNumberField("maxNameBytes", Wire.MAX_NAME_BYTES);
            json.writeNumberField("maxRoomsPerSession", config.session().maxRoomsPerSession());
            json.writeNumberField("idleTimeoutMillis", config.idleTimeout().toMillis());
        });
    }

    /**
     * The {@code members} answer: the room's sessions with their names; for a page, {@code next}
     * is the cursor of the next page ("0" after the last), {@code null} for the whole room.
     */
    static TextWebSocketFrame members(ByteBufAllocator alloc, Long id, String room, List<MemberInfo> members, Long next) {
        return frame(alloc, "members", json -> {
            writeId(json, id);
            json.writeStringField("room", room);
            if (next != null) {
                writeSession(json, "next", next);
            }
            json.writeArrayFieldStart("members");
            for (MemberInfo m : members) {
                json.writeStartObject();
                writeSession(json, "session", m.sessionId());
                json.writeStringField("name", m.name());
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    /** Writes {@code "id"}, unsigned, when there is one. */
    static void writeId(JsonGenerator json, Long id) throws IOException {
        if (id != null) {
            json.writeNumberField("id", id);
        }
    }

    /** Writes a session id as a decimal string. */
    static void writeSession(JsonGenerator json, String field, long session) throws IOException {
        json.writeStringField(field, Long.toUnsignedString(session));
    }

    /**
     * Writes {@code payload} (not consumed) as {@code "data"}: a string when it is well-formed
     * UTF-8, otherwise base64 with {@code "encoding":"base64"}.
     */
    static void writeData(JsonGenerator json, ByteBuf payload) throws IOException {
        writeData(json, payload, 0);
    }

    /**
     * Like {@link #writeData(JsonGenerator, ByteBuf)} for an event's payload with its format flags:
     * {@link Flags#JSON} (Socket.IO arguments) is written as the array {@code "args"}, and
     * {@link Flags#BINARY} always as base64.
     */
    static void writeData(JsonGenerator json, ByteBuf payload, int flags) throws IOException {
        int index = payload.readerIndex();
        int length = payload.readableBytes();
        if (Flags.has(flags, Flags.JSON)) {
            json.writeFieldName("args");
            json.writeRawValue(payload.toString(index, length, StandardCharsets.UTF_8));
        } else if (!Flags.has(flags, Flags.BINARY) && ByteBufUtil.isText(payload, index, length, StandardCharsets.UTF_8)) {
            json.writeStringField("data", payload.toString(index, length, StandardCharsets.UTF_8));
        } else {
            json.writeStringField("data", Base64.getEncoder().encodeToString(ByteBufUtil.getBytes(payload, index, length)));
            json.writeStringField("encoding", "base64");
        }
    }

    /** An error message. */
    static TextWebSocketFrame error(ByteBufAllocator alloc, Long id, int code, String message) {
        ErrorCode known = ErrorCode.of(code);
        return frame(alloc, "error", json -> {
            if (id != null) {
                json.writeNumberField("id", id);
            } else {
                json.writeNullField("id");
            }
            json.writeNumberField("code", code);
            json.writeStringField("name", known == null ? Integer.toString(code) : known.name());
            json.writeStringField("message", message);
        });
    }
}
