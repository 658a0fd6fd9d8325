package io.switchboard.server.socketio.protocol;

/**
 * The seven Socket.IO v5 packet types, with the digit that starts a packet on the wire.
 *
 * <p>{@link SioPacket} holds only the logical types: an event or an acknowledgement whose data
 * contains binary is still {@link #EVENT} or {@link #ACK} in the model; {@link #BINARY_EVENT} and
 * {@link #BINARY_ACK} exist on the wire only, chosen by {@link SioEncoder} and undone by
 * {@link SioDecoder}.
 */
public enum SioPacketType {
    CONNECT,
    DISCONNECT,
    EVENT,
    ACK,
    CONNECT_ERROR,
    BINARY_EVENT,
    BINARY_ACK;

    private static final SioPacketType[] BY_CODE = values();

    /** The digit of this type on the wire, {@code '0'} to {@code '6'}. */
    public char wireChar() {
        return (char) ('0' + ordinal());
    }

    /** The type whose wire digit is {@code c}, or null when {@code c} is no packet type. */
    public static SioPacketType fromWireChar(char c) {
        int code = c - '0';
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Whether packets of this type carry binary attachments on the wire. */
    public boolean isBinary() {
        return this == BINARY_EVENT || this == BINARY_ACK;
    }

    /** The model type: {@link #EVENT} for {@link #BINARY_EVENT}, {@link #ACK} for {@link #BINARY_ACK}. */
    public SioPacketType logical() {
        return switch (this) {
            case BINARY_EVENT -> EVENT;
            case BINARY_ACK -> ACK;
            default -> this;
        };
    }
}
