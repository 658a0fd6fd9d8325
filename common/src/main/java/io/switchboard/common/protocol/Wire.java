package io.switchboard.common.protocol;

/** Constants of the wire format; {@code docs/protocol.md} is the full description. */
public final class Wire {
    /** The protocol version this code speaks. */
    public static final int PROTOCOL_VERSION = 1;
    /** Bytes of the length field. */
    public static final int LENGTH_FIELD_BYTES = 4;
    /** Bytes after the length field before the body: opcode (1), flags (1), request id (4). */
    public static final int MIN_LENGTH = 6;
    /** Bytes before the body: length field plus {@link #MIN_LENGTH}. */
    public static final int HEADER_BYTES = LENGTH_FIELD_BYTES + MIN_LENGTH;
    /** The default maximum of the length field: 1 MiB. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 1 << 20;
    /** The largest maximum a receiver may configure: 64 MiB. */
    public static final int MAX_MAX_FRAME_LENGTH = 64 << 20;
    /** The longest display name in HELLO, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 64;
    /** The longest string field (u16 length prefix). */
    public static final int MAX_STRING_BYTES = 0xFFFF;

    private Wire() {
    }
}
