package io.switchboard.server.socketio.protocol;

import static io.switchboard.server.socketio.protocol.SioDecodeException.quote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.switchboard.server.socketio.protocol.SioDecodeException.Reason;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Turns the Engine.IO messages of one connection into {@link SioPacket}s. Stateful: make one per
 * connection and call it from that connection's thread.
 *
 * <h2>Wire form of a text message</h2>
 * <pre>
 * +------+---------------------+---------------------+----------+----------------+
 * | type | attachments '-'     | namespace ','       | ack id   | JSON payload   |
 * | 0..6 | only for types 5, 6 | only if not "/"     | optional | optional       |
 * +------+---------------------+---------------------+----------+----------------+
 *   2["hello",1]                     EVENT "hello" with argument 1
 *   21["hello"]                      EVENT with ack id 1
 *   3/admin,12["ok"]                 ACK 12 in namespace /admin
 *   0/custom,{"token":"123"}         CONNECT to /custom with an auth payload
 *   51-["up",{"_placeholder":true,"num":0}]   BINARY_EVENT, then one binary message
 * </pre>
 * The attachment count is a positive decimal without leading zeros, at most
 * {@link SioDecoderOptions#maxAttachments()}. The namespace runs from {@code '/'} to the first
 * comma or the end of the message. The ack id is decimal digits without leading zeros, at most
 * {@link SioPacket#MAX_ACK_ID}; the payload starts at the first {@code '['}, <code>'{'</code> or
 * {@code '"'} and must be exactly one JSON value of the shape {@link SioPacket} documents for the
 * type, nested at most {@link SioDecoderOptions#maxNestingDepth()} deep.
 *
 * <h2>Binary packets</h2>
 * A BINARY_EVENT or BINARY_ACK announcing N attachments is followed by N binary messages, given
 * to {@link #decodeBinary(ByteBuf)} in order. Each {@code {"_placeholder":true,"num":i}} in the
 * payload (exactly those two keys; each {@code i} from 0 to N-1 exactly once) is replaced by a
 * {@link BinaryNode} holding attachment i, and the packet is returned with the last attachment.
 *
 * <h2>Ownership</h2>
 * {@link #decodeBinary(ByteBuf)} takes ownership of the buffer and releases it before it returns
 * or throws, in every case; its bytes are copied into the packet. A decoder therefore never holds
 * a buffer, and a decoded {@link SioPacket} owns none: nothing needs releasing when the
 * connection closes mid-packet ({@link #reset()} only forgets the partial packet).
 *
 * <h2>Errors</h2>
 * Every malformed input throws {@link SioDecodeException} with its {@link Reason}; the decoder is
 * then back to its initial state (any partial packet dropped). The session is expected to close
 * the connection.
 */
public final class SioDecoder {
    /** Jackson's own depth limit sits above ours, so that ours is the one that speaks. */
    private static final JsonFactory JSON = JsonFactory.builder()
            .recyclerPool(LoopBufferRecyclers.INSTANCE)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(SioDecoderOptions.MAX_NESTING_DEPTH_LIMIT + 1).build())
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String PLACEHOLDER = "_placeholder";
    private static final Set<String> RESERVED_EVENTS = Set.of(
            "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener");
    /** Decimal digits of {@link SioPacket#MAX_ACK_ID}. */
    private static final int MAX_ACK_DIGITS = 16;

    private final SioDecoderOptions options;

    // The binary packet waiting for attachments; slots == null when none is.
    private SioPacketType pendingType;
    private String pendingNamespace;
    private long pendingAckId;
    private JsonNode pendingData;
    private Slot[] slots;
    private int received;

    public SioDecoder(SioDecoderOptions options) {
        this.options = java.util.Objects.requireNonNull(options, "options");
    }

    /** Whether a binary packet is waiting for attachments. */
    public boolean isAwaitingAttachments() {
        return slots != null;
    }

    /** How many attachments are still expected, 0 when none. */
    public int pendingAttachments() {
        return slots == null ? 0 : slots.length - received;
    }

    /** Drops a partial binary packet, if any. */
    public void reset() {
        pendingType = null;
        pendingNamespace = null;
        pendingData = null;
        slots = null;
        received = 0;
    }

    /**
     * Decodes a text message: returns the packet, or null when it is a binary packet whose
     * attachments must follow.
     */
    public SioPacket decodeText(String message) throws SioDecodeException {
        if (slots != null) {
            int missing = pendingAttachments();
            reset();
            throw new SioDecodeException(Reason.UNEXPECTED_TEXT,
                    "text message while " + missing + " attachment(s) are expected: " + quote(message));
        }
        int len = message.length();
        if (len == 0) {
            throw new SioDecodeException(Reason.EMPTY_MESSAGE, "empty message");
        }
        SioPacketType type = SioPacketType.fromWireChar(message.charAt(0));
        if (type == null) {
            throw new SioDecodeException(Reason.UNKNOWN_TYPE,
                    "packet type: " + quote(message.substring(0, 1)) + " (expected: 0 to 6) in " + quote(message));
        }
        int pos = 1;

        int attachments = 0;
        if (type.isBinary()) {
            int dash = pos;
            while (dash < len && isDigit(message.charAt(dash))) {
                dash++;
            }
            if (dash == pos || dash == len || message.charAt(dash) != '-') {
                throw new SioDecodeException(Reason.BAD_ATTACHMENT_COUNT,
                        "attachment count: " + quote(message) + " (expected: digits and '-' after the type)");
            }
            if (message.charAt(pos) == '0') {
                throw new SioDecodeException(Reason.BAD_ATTACHMENT_COUNT, "attachment count: "
                        + quote(message.substring(pos, dash)) + " (expected: a positive number without leading zeros)");
            }
            if (dash - pos > 4 || (attachments = Integer.parseInt(message, pos, dash, 10)) > options.maxAttachments()) {
                throw new SioDecodeException(Reason.TOO_MANY_ATTACHMENTS, "attachment count: "
                        + quote(message.substring(pos, dash)) + " (expected: at most " + options.maxAttachments() + ")");
            }
            pos = dash + 1;
        }

        String namespace = SioPacket.DEFAULT_NAMESPACE;
        boolean hadNamespace = false;
        if (pos < len && message.charAt(pos) == '/') {
            int end = pos;
            int limit = Math.min(len, pos + options.maxNamespaceLength() + 1);
            while (end < limit && message.charAt(end) != ',') {
                end++;
            }
            if (end - pos > options.maxNamespaceLength()) {
                throw new SioDecodeException(Reason.BAD_NAMESPACE, "namespace: " + quote(message.substring(pos, end))
                        + " (expected: at most " + options.maxNamespaceLength() + " characters)");
            }
            if (end - pos > 1) {
                namespace = message.substring(pos, end);
                String problem = SioPacket.namespaceProblem(namespace, options.maxNamespaceLength());
                if (problem != null) {
                    throw new SioDecodeException(Reason.BAD_NAMESPACE, problem);
                }
            }
            hadNamespace = true;
            pos = end == len ? len : end + 1;
        }

        // Between the namespace and the payload: the ack id, if any.
        long ackId = SioPacket.NO_ACK;
        int fieldStart = pos;
        while (pos < len && !startsPayload(message.charAt(pos))) {
            pos++;
        }
        if (pos > fieldStart) {
            int comma = hadNamespace ? -1 : message.indexOf(',', fieldStart);
            if (comma >= 0 && comma < pos) {
                throw new SioDecodeException(Reason.BAD_NAMESPACE, "namespace: "
                        + quote(message.substring(fieldStart, comma)) + " (expected: a string starting with '/')");
            }
            ackId = parseAckId(message, fieldStart, pos);
        }
        String ackProblem = SioPacket.ackProblem(type, ackId != SioPacket.NO_ACK);
        if (ackProblem != null) {
            throw new SioDecodeException(Reason.BAD_ACK_ID, ackProblem + ": " + quote(message));
        }

        Slot[] newSlots = attachments == 0 ? null : new Slot[attachments];
        JsonNode data = pos < len ? parsePayload(message, pos, newSlots) : null;
        String shapeProblem = SioPacket.shapeProblem(type, data);
        if (shapeProblem != null) {
            throw new SioDecodeException(Reason.INVALID_PAYLOAD, shapeProblem + ": " + quote(message));
        }
        if (type.logical() == SioPacketType.EVENT && options.rejectReservedEvents()
                && RESERVED_EVENTS.contains(data.get(0).textValue())) {
            throw new SioDecodeException(Reason.RESERVED_EVENT,
                    "event name: " + quote(data.get(0).textValue()) + " (reserved by Socket.IO)");
        }
        if (newSlots == null) {
            return new SioPacket(type, namespace, ackId, data);
        }
        for (int i = 0; i < newSlots.length; i++) {
            if (newSlots[i] == null) {
                throw new SioDecodeException(Reason.BAD_PLACEHOLDER,
                        "attachment " + i + " of " + newSlots.length + " has no placeholder: " + quote(message));
            }
        }
        pendingType = type;
        pendingNamespace = namespace;
        pendingAckId = ackId;
        pendingData = data;
        slots = newSlots;
        received = 0;
        return null;
    }

    /**
     * Takes the next attachment of a binary packet: returns the packet when this was the last
     * one, null while more are expected. Always releases {@code attachment}.
     */
    public SioPacket decodeBinary(ByteBuf attachment) throws SioDecodeException {
        try {
            if (slots == null) {
                throw unexpectedBinary(attachment.readableBytes());
            }
            return fill(ByteBufUtil.getBytes(attachment));
        } finally {
            attachment.release();
        }
    }

    /**
     * Takes the next attachment as an array, for transports that decode it themselves (base64 in
     * HTTP long-polling). The array goes into the packet without a copy: do not reuse it.
     */
    public SioPacket decodeBinary(byte[] attachment) throws SioDecodeException {
        if (slots == null) {
            throw unexpectedBinary(attachment.length);
        }
        return fill(attachment);
    }

    private static SioDecodeException unexpectedBinary(int size) {
        return new SioDecodeException(Reason.UNEXPECTED_BINARY,
                "binary message of " + size + " bytes when no attachment is expected");
    }

    private SioPacket fill(byte[] bytes) {
        slots[received].fill(BinaryNode.valueOf(bytes));
        if (++received < slots.length) {
            return null;
        }
        SioPacket packet = new SioPacket(pendingType, pendingNamespace, pendingAckId, pendingData);
        reset();
        return packet;
    }

    // ---- header pieces ----

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean startsPayload(char c) {
        return c == '[' || c == '{' || c == '"';
    }

    private static long parseAckId(String message, int start, int end) throws SioDecodeException {
        for (int i = start; i < end; i++) {
            if (!isDigit(message.charAt(i))) {
                throw new SioDecodeException(Reason.BAD_ACK_ID,
                        "ack id: " + quote(message.substring(start, end)) + " (expected: decimal digits)");
            }
        }
        if (end - start > 1 && message.charAt(start) == '0') {
            throw new SioDecodeException(Reason.BAD_ACK_ID,
                    "ack id: " + quote(message.substring(start, end)) + " (expected: no leading zeros)");
        }
        long id = end - start > MAX_ACK_DIGITS ? Long.MAX_VALUE : Long.parseLong(message, start, end, 10);
        if (id > SioPacket.MAX_ACK_ID) {
            throw new SioDecodeException(Reason.BAD_ACK_ID, "ack id: " + quote(message.substring(start, end))
                    + " (expected: at most " + SioPacket.MAX_ACK_ID + ")");
        }
        return id;
    }

    // ---- the payload ----

    private JsonNode parsePayload(String message, int start, Slot[] slotsOrNull) throws SioDecodeException {
        if (slotsOrNull == null) {
            // The common event, compact and plain, read without a parser; anything else below.
            JsonNode plain = PlainJson.read(message, start, options.maxNestingDepth());
            if (plain != null) {
                return plain;
            }
        }
        StringReader reader = new StringReader(message);
        try (JsonParser parser = JSON.createParser(reader)) {
            reader.skip(start);
            JsonToken first = parser.nextToken();
            JsonNode root = readValue(parser, first, 1, slotsOrNull);
            if (isPlaceholder(root)) {
                throw new SioDecodeException(Reason.BAD_PLACEHOLDER, "a placeholder cannot be the whole payload");
            }
            JsonToken extra = parser.nextToken();
            if (extra != null) {
                throw new SioDecodeException(Reason.INVALID_JSON,
                        "trailing " + extra + " after the payload: " + quote(message));
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new SioDecodeException(Reason.INVALID_JSON, e.getOriginalMessage() + " in " + quote(message));
        } catch (IOException e) {
            throw new UncheckedIOException("reading a string cannot fail", e);
        }
    }

    private JsonNode readValue(JsonParser p, JsonToken token, int depth, Slot[] slotsOrNull)
            throws IOException, SioDecodeException {
        if (token == null) {
            throw new SioDecodeException(Reason.INVALID_JSON, "unexpected end of the payload");
        }
        switch (token) {
            case START_ARRAY: {
                checkDepth(depth);
                ArrayNode array = NODES.arrayNode();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    JsonNode child = readValue(p, t, depth + 1, slotsOrNull);
                    if (isPlaceholder(child)) {
                        claim(slotsOrNull, (ObjectNode) child, new Slot(array, array.size(), null));
                    }
                    array.add(child);
                }
                return array;
            }
            case START_OBJECT: {
                checkDepth(depth);
                ObjectNode object = NODES.objectNode();
                String name;
                while ((name = p.nextFieldName()) != null) {
                    JsonNode child = readValue(p, p.nextToken(), depth + 1, slotsOrNull);
                    if (isPlaceholder(child)) {
                        claim(slotsOrNull, (ObjectNode) child, new Slot(object, -1, name));
                    }
                    object.set(name, child);
                }
                if (p.currentToken() != JsonToken.END_OBJECT) {
                    throw new SioDecodeException(Reason.INVALID_JSON, "unexpected " + p.currentToken() + " in an object");
                }
                return object;
            }
            case VALUE_STRING:
                return TextNode.valueOf(p.getText());
            case VALUE_NUMBER_INT:
                return switch (p.getNumberType()) {
                    case INT -> IntNode.valueOf(p.getIntValue());
                    case LONG -> LongNode.valueOf(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                if (!Double.isFinite(d)) {
                    throw new SioDecodeException(Reason.INVALID_JSON, "number out of range: " + quote(p.getText()));
                }
                return DoubleNode.valueOf(d);
            }
            case VALUE_TRUE:
                return BooleanNode.TRUE;
            case VALUE_FALSE:
                return BooleanNode.FALSE;
            case VALUE_NULL:
                return NullNode.instance;
            default:
                throw new SioDecodeException(Reason.INVALID_JSON, "unexpected " + token);
        }
    }

    private void checkDepth(int depth) throws SioDecodeException {
        if (depth > options.maxNestingDepth()) {
            throw new SioDecodeException(Reason.NESTING_TOO_DEEP,
                    "nesting depth: more than " + options.maxNestingDepth() + " (expected: at most "
                            + options.maxNestingDepth() + ")");
        }
    }

    private static boolean isPlaceholder(JsonNode node) {
        return node instanceof ObjectNode && node.has(PLACEHOLDER);
    }

    /** Checks a placeholder and records where attachment {@code num} goes. */
    private static void claim(Slot[] slotsOrNull, ObjectNode placeholder, Slot slot) throws SioDecodeException {
        if (slotsOrNull == null) {
            throw new SioDecodeException(Reason.BAD_PLACEHOLDER,
                    "placeholder " + quote(placeholder.toString()) + " in a packet without attachments");
        }
        JsonNode num = placeholder.get("num");
        if (placeholder.size() != 2 || !placeholder.get(PLACEHOLDER).isBoolean()
                || !placeholder.get(PLACEHOLDER).booleanValue() || num == null || !num.isIntegralNumber()
                || !num.canConvertToInt()) {
            throw new SioDecodeException(Reason.BAD_PLACEHOLDER, "placeholder: " + quote(placeholder.toString())
                    + " (expected: {\"_placeholder\":true,\"num\":N})");
        }
        int n = num.intValue();
        if (n < 0 || n >= slotsOrNull.length) {
            throw new SioDecodeException(Reason.BAD_PLACEHOLDER, "placeholder num: " + n
                    + " (expected: 0 to " + (slotsOrNull.length - 1) + ")");
        }
        if (slotsOrNull[n] != null) {
            throw new SioDecodeException(Reason.BAD_PLACEHOLDER, "placeholder num: " + n + " appears twice");
        }
        slotsOrNull[n] = slot;
    }

    /** Where one attachment goes: an index of an array or a field of an object. */
    private record Slot(ContainerNode<?> parent, int index, String field) {
        void fill(BinaryNode value) {
            if (parent instanceof ArrayNode array) {
                array.set(index, value);
            } else {
                ((ObjectNode) parent).set(field, value);
            }
        }
    }
}
