package io.switchboard.server.socketio.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a {@link SioPacket} into its wire form (see {@link SioDecoder} for the format): the text
 * message and, when the data holds {@link com.fasterxml.jackson.databind.node.BinaryNode}s at any
 * depth, one attachment per binary node in depth-first order, each replaced in the text by
 * {@code {"_placeholder":true,"num":i}} and the type made BINARY_EVENT or BINARY_ACK.
 *
 * <p>Stateless and thread-safe: one instance serves the whole server. The attachments are copied
 * out of the packet into buffers from the allocator given here, owned by the returned
 * {@link SioEncoded} (see there for the rules); the packet itself is not changed.
 *
 * <p>Data the wire cannot carry is refused with {@link IllegalArgumentException}: binary in a
 * CONNECT, DISCONNECT or CONNECT_ERROR, non-finite numbers, objects with a
 * {@code "_placeholder"} key, nodes that are not JSON (POJO, missing), nesting deeper than
 * {@value #MAX_DEPTH}.
 */
public final class SioEncoder {
    /** The deepest data the encoder writes; the bound keeps its recursion far from the stack's end. */
    public static final int MAX_DEPTH = 1000;
    private static final String PLACEHOLDER = "_placeholder";
    private static final ByteBuf[] NO_ATTACHMENTS = new ByteBuf[0];
    private static final JsonFactory JSON = JsonFactory.builder()
            .recyclerPool(LoopBufferRecyclers.INSTANCE)
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
            .build();

    private final ByteBufAllocator allocator;

    /** An encoder whose attachment buffers come from {@code allocator}. */
    public SioEncoder(ByteBufAllocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /** The allocator the attachments' buffers (and the shared text bytes of {@link SioEncoded}) come from. */
    public ByteBufAllocator allocator() {
        return allocator;
    }

    /** Encodes {@code packet}; the caller owns the result and must {@link SioEncoded#close()} it. */
    public SioEncoded encode(SioPacket packet) {
        JsonNode data = packet.data();
        String simple = simpleText(packet);
        if (simple != null) {
            return new SioEncoded(simple, NO_ATTACHMENTS, allocator);
        }
        int binaries = data == null ? 0 : countBinary(data, 1);
        SioPacketType wireType = packet.type();
        if (binaries > 0) {
            wireType = switch (packet.type()) {
                case EVENT -> SioPacketType.BINARY_EVENT;
                case ACK -> SioPacketType.BINARY_ACK;
                default -> throw new IllegalArgumentException(packet.type() + " cannot carry binary data");
            };
        }
        StringBuilder text = new StringBuilder(64);
        text.append(wireType.wireChar());
        if (binaries > 0) {
            text.append(binaries).append('-');
        }
        if (!SioPacket.DEFAULT_NAMESPACE.equals(packet.namespace())) {
            text.append(packet.namespace()).append(',');
        }
        if (packet.hasAckId()) {
            text.append(packet.ackId());
        }
        byte[][] blobs = binaries == 0 ? null : new byte[binaries][];
        if (data != null) {
            try (JsonGenerator json = JSON.createGenerator(new StringBuilderWriter(text))) {
                write(json, data, blobs, new int[1]);
            } catch (IOException e) {
                throw new UncheckedIOException("writing to a string cannot fail", e);
            }
        }
        if (binaries == 0) {
            return new SioEncoded(text.toString(), NO_ATTACHMENTS, allocator);
        }
        ByteBuf[] buffers = new ByteBuf[binaries];
        try {
            for (int i = 0; i < binaries; i++) {
                buffers[i] = allocator.buffer(blobs[i].length).writeBytes(blobs[i]);
            }
        } catch (RuntimeException | Error e) {
            for (ByteBuf b : buffers) {
                if (b != null) {
                    b.release();
                }
            }
            throw e;
        }
        return new SioEncoded(text.toString(), buffers, allocator);
    }

    /**
     * The text of a packet whose data is plain (see {@link #appendPlain}), written without a
     * Jackson generator: an acknowledgement such as {@code [null]} or an event of a few strings and
     * numbers, the common case, costs no generator, buffer recycler or writer. The same characters
     * as the generator's (no spaces, fields in order); {@code null} when anything in the data is
     * not plain, and the full path encodes it (and refuses what it refuses).
     */
    private static String simpleText(SioPacket packet) {
        JsonNode data = packet.data();
        StringBuilder text = new StringBuilder(64);
        text.append(packet.type().wireChar());
        if (!SioPacket.DEFAULT_NAMESPACE.equals(packet.namespace())) {
            text.append(packet.namespace()).append(',');
        }
        if (packet.hasAckId()) {
            text.append(packet.ackId());
        }
        if (data != null && !appendPlain(text, data, 1)) {
            return null;
        }
        return text.toString();
    }

    /** How deep {@link #appendPlain} goes before it leaves a tree to the generator. */
    private static final int PLAIN_DEPTH = 32;

    /**
     * Appends {@code node} as JSON when it and everything in it is plain: null, a boolean, an int or
     * long, a string (or field name) of printable ASCII other than {@code "} and {@code \} (what
     * the generator writes unescaped), arrays and objects of these up to {@link #PLAIN_DEPTH} deep,
     * no {@code "_placeholder"} field. False otherwise (what was appended is then left for the
     * caller to drop).
     */
    static boolean appendPlain(StringBuilder out, JsonNode node, int depth) {
        switch (node.getNodeType()) {
            case NULL:
                out.append("null");
                return true;
            case BOOLEAN:
                out.append(node.booleanValue());
                return true;
            case NUMBER:
                switch (node.numberType()) {
                    case INT -> out.append(node.intValue());
                    case LONG -> out.append(node.longValue());
                    default -> {
                        return false;
                    }
                }
                return true;
            case STRING:
                return appendPlainString(out, node.textValue());
            case ARRAY: {
                if (depth > PLAIN_DEPTH) {
                    return false;
                }
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    if (!appendPlain(out, node.get(i), depth + 1)) {
                        return false;
                    }
                }
                out.append(']');
                return true;
            }
            case OBJECT: {
                if (depth > PLAIN_DEPTH || node.has(PLACEHOLDER)) {
                    return false;
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    if (!appendPlainString(out, field.getKey())) {
                        return false;
                    }
                    out.append(':');
                    if (!appendPlain(out, field.getValue(), depth + 1)) {
                        return false;
                    }
                }
                out.append('}');
                return true;
            }
            default:
                return false;
        }
    }

    private static boolean appendPlainString(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        out.append('"').append(s).append('"');
        return true;
    }

    /** Counts the binary nodes in {@code node}, checking on the way that the wire can carry it. */
    static int countBinary(JsonNode node, int depth) {
        switch (node.getNodeType()) {
            case ARRAY: {
                checkDepth(depth);
                int n = 0;
                for (JsonNode child : node) {
                    n += countBinary(child, depth + 1);
                }
                return n;
            }
            case OBJECT: {
                checkDepth(depth);
                if (node.has(PLACEHOLDER)) {
                    throw new IllegalArgumentException("an object with a \"_placeholder\" key cannot be sent");
                }
                int n = 0;
                for (JsonNode child : node) {
                    n += countBinary(child, depth + 1);
                }
                return n;
            }
            case BINARY:
                return 1;
            case NUMBER:
                if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
                    throw new IllegalArgumentException("number: " + node.doubleValue() + " (expected: a finite number)");
                }
                return 0;
            case STRING:
            case BOOLEAN:
            case NULL:
                return 0;
            default:
                throw new IllegalArgumentException("node: " + node.getNodeType() + " (expected: JSON or binary)");
        }
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("nesting depth: more than " + MAX_DEPTH);
        }
    }

    private static void write(JsonGenerator json, JsonNode node, byte[][] blobs, int[] next) throws IOException {
        switch (node.getNodeType()) {
            case ARRAY:
                json.writeStartArray(node, node.size());
                for (JsonNode child : node) {
                    write(json, child, blobs, next);
                }
                json.writeEndArray();
                break;
            case OBJECT:
                json.writeStartObject(node, node.size());
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    json.writeFieldName(field.getKey());
                    write(json, field.getValue(), blobs, next);
                }
                json.writeEndObject();
                break;
            case STRING:
                json.writeString(node.textValue());
                break;
            case NUMBER:
                switch (node.numberType()) {
                    case INT -> json.writeNumber(node.intValue());
                    case LONG -> json.writeNumber(node.longValue());
                    case BIG_INTEGER -> json.writeNumber(node.bigIntegerValue());
                    case FLOAT -> json.writeNumber(node.floatValue());
                    case DOUBLE -> json.writeNumber(node.doubleValue());
                    default -> json.writeNumber(node.decimalValue());
                }
                break;
            case BOOLEAN:
                json.writeBoolean(node.booleanValue());
                break;
            case NULL:
                json.writeNull();
                break;
            case BINARY: {
                int num = next[0]++;
                blobs[num] = node.binaryValue();
                json.writeStartObject();
                json.writeBooleanField(PLACEHOLDER, true);
                json.writeNumberField("num", num);
                json.writeEndObject();
                break;
            }
            default:
                throw new AssertionError(node.getNodeType()); // refused by countBinary
        }
    }

    /** A {@link Writer} appending to a {@link StringBuilder}, without {@link java.io.StringWriter}'s locking. */
    private static final class StringBuilderWriter extends Writer {
        private final StringBuilder out;

        StringBuilderWriter(StringBuilder out) {
            this.out = out;
        }

        @Override
        public void write(char[] chars, int off, int len) {
            out.append(chars, off, len);
        }

        @Override
        public void write(int c) {
            out.append((char) c);
        }

        @Override
        public void write(String s, int off, int len) {
            out.append(s, off, off + len);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
