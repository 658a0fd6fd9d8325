package io.switchboard.server.socketio.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One Socket.IO v5 packet, independent of its wire form: a pure value that owns no buffer.
 *
 * <p>Binary data lives inside {@link #data()} as Jackson {@link com.fasterxml.jackson.databind.node.BinaryNode}s,
 * wherever the application put it (an argument, a field, an array element). The type is always the
 * logical one: {@link SioPacketType#EVENT} or {@link SioPacketType#ACK} whether or not the data
 * holds binary ({@link SioPacketType#BINARY_EVENT} and {@link SioPacketType#BINARY_ACK} given to the
 * constructor are turned into them); the encoder picks the wire type from the data.
 *
 * <p>The constructor checks the shape the protocol allows for each type and throws
 * {@link IllegalArgumentException} otherwise:
 * <ul>
 *   <li>{@code CONNECT}: data absent ({@code null}) or an object (the auth payload from a client,
 *       {@code {"sid":...}} from the server); no ack id.</li>
 *   <li>{@code DISCONNECT}: no data, no ack id.</li>
 *   <li>{@code CONNECT_ERROR}: an object (usually {@code {"message":...}}); no ack id.</li>
 *   <li>{@code EVENT}: a non-empty array whose first element is the event name (a string); ack id
 *       optional.</li>
 *   <li>{@code ACK}: an array (possibly empty) and an ack id.</li>
 * </ul>
 * The namespace starts with {@code '/'} and holds neither a comma (it ends the namespace on the
 * wire) nor control characters. Ack ids run from 0 to {@link #MAX_ACK_ID}; {@link #NO_ACK} means
 * none. No object in the data may have a {@code "_placeholder"} key: the wire form uses such
 * objects for binary attachments, so they could not travel unchanged ({@link SioEncoder} refuses
 * them and {@link SioDecoder} never produces them).
 *
 * <p>The data tree is not copied: treat it as immutable once it is in a packet.
 *
 * @param type the logical type (never {@code BINARY_*})
 * @param namespace the namespace, {@code "/"} by default
 * @param ackId the acknowledgement id, or {@link #NO_ACK}
 * @param data the JSON payload, or {@code null} when the packet has none
 */
public record SioPacket(SioPacketType type, String namespace, long ackId, JsonNode data) {
    /** The main namespace, left out on the wire. */
    public static final String DEFAULT_NAMESPACE = "/";
    /** The ack id of a packet without one. */
    public static final long NO_ACK = -1;
    /** The largest ack id: JavaScript peers count them in doubles, exact up to 2^53 - 1. */
    public static final long MAX_ACK_ID = (1L << 53) - 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public SioPacket {
        Objects.requireNonNull(type, "type");
        type = type.logical();
        String nspProblem = namespaceProblem(namespace, Integer.MAX_VALUE);
        if (nspProblem != null) {
            throw new IllegalArgumentException(nspProblem);
        }
        if (ackId < NO_ACK || ackId > MAX_ACK_ID) {
            throw new IllegalArgumentException("ackId: " + ackId + " (expected: -1 for none, or 0 to " + MAX_ACK_ID + ")");
        }
        String ackProblem = ackProblem(type, ackId != NO_ACK);
        if (ackProblem != null) {
            throw new IllegalArgumentException(ackProblem);
        }
        String shapeProblem = shapeProblem(type, data);
        if (shapeProblem != null) {
            throw new IllegalArgumentException(shapeProblem);
        }
    }

    // ---- factories ----

    /** A CONNECT to {@code namespace}, with an auth (client) or {@code {"sid":...}} (server) object, or none. */
    public static SioPacket connect(String namespace, ObjectNode payload) {
        return new SioPacket(SioPacketType.CONNECT, namespace, NO_ACK, payload);
    }

    /** A DISCONNECT from {@code namespace}. */
    public static SioPacket disconnect(String namespace) {
        return new SioPacket(SioPacketType.DISCONNECT, namespace, NO_ACK, null);
    }

    /** A CONNECT_ERROR with the object the client's {@code connect_error} handler receives. */
    public static SioPacket connectError(String namespace, ObjectNode payload) {
        return new SioPacket(SioPacketType.CONNECT_ERROR, namespace, NO_ACK, payload);
    }

    /** A CONNECT_ERROR with {@code {"message": message}}. */
    public static SioPacket connectError(String namespace, String message) {
        return connectError(namespace, NODES.objectNode().put("message", message));
    }

    /**
     * An EVENT: {@code data} is the event name followed by its arguments (see
     * {@link SioArgs#event(String, Object...)}); {@code ackId} is {@link #NO_ACK} when no
     * acknowledgement is wanted.
     */
    public static SioPacket event(String namespace, ArrayNode data, long ackId) {
        return new SioPacket(SioPacketType.EVENT, namespace, ackId, data);
    }

    /** An ACK answering {@code ackId} with {@code args} (see {@link SioArgs#args(Object...)}). */
    public static SioPacket ack(String namespace, long ackId, ArrayNode args) {
        return new SioPacket(SioPacketType.ACK, namespace, ackId, args);
    }

    // ---- accessors ----

    /** Whether the packet carries an ack id. */
    public boolean hasAckId() {
        return ackId != NO_ACK;
    }

    /** The event name of an EVENT. */
    public String eventName() {
        if (type != SioPacketType.EVENT) {
            throw new IllegalStateException("not an EVENT: " + type);
        }
        return data.get(0).textValue();
    }

    /** Whether the data holds binary anywhere, so that the packet travels as BINARY_EVENT or BINARY_ACK. */
    public boolean hasBinary() {
        return data != null && SioEncoder.countBinary(data, 1) > 0;
    }

    // ---- the rules, shared with the decoder ----

    /** Why {@code namespace} is no valid namespace, or null when it is one. */
    static String namespaceProblem(String namespace, int maxLength) {
        if (namespace == null) {
            return "namespace: null (expected: a string starting with '/')";
        }
        if (namespace.isEmpty() || namespace.charAt(0) != '/') {
            return "namespace: " + SioDecodeException.quote(namespace) + " (expected: a string starting with '/')";
        }
        if (namespace.length() > maxLength) {
            return "namespace: " + namespace.length() + " characters (expected: at most " + maxLength + ")";
        }
        for (int i = 1; i < namespace.length(); i++) {
            char c = namespace.charAt(i);
            if (c == ',' || c < 0x20 || c == 0x7f) {
                return "namespace: " + SioDecodeException.quote(namespace)
                        + " (expected: no comma and no control character)";
            }
        }
        return null;
    }

    /** Why a packet of {@code type} may or may not carry an ack id, or null when it is right. */
    static String ackProblem(SioPacketType type, boolean hasAck) {
        return switch (type.logical()) {
            case EVENT -> null;
            case ACK -> hasAck ? null : "ACK without an ack id";
            default -> hasAck ? type + " with an ack id" : null;
        };
    }

    /** Why {@code data} is no valid payload for {@code type}, or null when it is one. */
    static String shapeProblem(SioPacketType type, JsonNode data) {
        return switch (type.logical()) {
            case CONNECT -> data == null || data.isObject() ? null
                    : "CONNECT payload: " + data.getNodeType() + " (expected: an object or none)";
            case DISCONNECT -> data == null ? null : "DISCONNECT payload: " + data.getNodeType() + " (expected: none)";
            case CONNECT_ERROR -> data != null && data.isObject() ? null
                    : "CONNECT_ERROR payload: " + nodeType(data) + " (expected: an object)";
            case EVENT -> {
                if (data == null || !data.isArray() || data.isEmpty()) {
                    yield "EVENT payload: " + describe(data) + " (expected: an array starting with the event name)";
                }
                yield data.get(0).isTextual() ? null
                        : "EVENT name: " + data.get(0).getNodeType() + " (expected: a string)";
            }
            case ACK -> data != null && data.isArray() ? null
                    : "ACK payload: " + nodeType(data) + " (expected: an array)";
            default -> throw new AssertionError(type);
        };
    }

    private static String nodeType(JsonNode data) {
        return data == null ? "none" : data.getNodeType().toString();
    }

    private static String describe(JsonNode data) {
        return data != null && data.isArray() ? "an empty array" : nodeType(data);
    }
}
