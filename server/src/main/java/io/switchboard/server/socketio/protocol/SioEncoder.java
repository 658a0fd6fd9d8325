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
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_DEPTH + 1).build())
            .build();

    private final ByteBufAllocator allocator;

    /** An encoder whose attachment buffers come from {@code allocator}. */
    public SioEncoder(ByteBufAllocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /** Encodes {@code packet}; the caller owns the result and must {@link SioEncoded#close()} it. */
    public SioEncoded encode(SioPacket packet) {
        JsonNode data = packet.data();
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
