package io.switchboard.common.protocol;

/**
 * Frame types of the Switchboard framed protocol. The byte values are part of the wire format
 * (see {@code docs/protocol.md}) and never change meaning.
 */
public enum Opcode {
    HELLO(0x01, Direction.TO_SERVER, 0),
    WELCOME(0x02, Direction.TO_CLIENT, 0),
    PING(0x03, Direction.BOTH, 0),
    PONG(0x04, Direction.BOTH, 0),
    ECHO(0x05, Direction.TO_SERVER, 0),
    ECHO_REPLY(0x06, Direction.TO_CLIENT, 0),
    ERROR(0x07, Direction.TO_CLIENT, 0),
    BYE(0x08, Direction.BOTH, 0),

    JOIN(0x10, Direction.TO_SERVER, Flags.ACK | Flags.PRESENCE),
    LEAVE(0x11, Direction.TO_SERVER, Flags.ACK),
    PUBLISH(0x12, Direction.TO_SERVER, Flags.ACK | Flags.INCLUDE_SELF | Flags.PEER_ACK | Flags.JSON | Flags.BINARY),
    EVENT(0x13, Direction.TO_CLIENT, Flags.PEER_ACK | Flags.JSON | Flags.BINARY),
    ACK(0x14, Direction.BOTH, 0),
    MEMBERS(0x15, Direction.TO_SERVER, 0),
    MEMBERS_REPLY(0x16, Direction.TO_CLIENT, 0),
    JOINED(0x17, Direction.TO_CLIENT, 0),
    LEFT(0x18, Direction.TO_CLIENT, 0);

    /** Who may send a frame of this type. */
    public enum Direction { TO_SERVER, TO_CLIENT, BOTH }

    private static final Opcode[] BY_CODE = new Opcode[256];

    static {
        for (Opcode opcode : values()) {
            BY_CODE[opcode.code] = opcode;
        }
    }

    private final int code;
    private final Direction direction;
    private final int allowedFlags;

    Opcode(int code, Direction direction, int allowedFlags) {
        this.code = code;
        this.direction = direction;
        this.allowedFlags = allowedFlags;
    }

    /** The {@link Flags} bits this frame type may carry; any other bit is an error. */
    public int allowedFlags() {
        return allowedFlags;
    }

    /** The opcode byte on the wire. */
    public int code() {
        return code;
    }

    /** Who may send this frame type. */
    public Direction direction() {
        return direction;
    }

    /** Whether a client may send this frame type to a server. */
    public boolean clientMaySend() {
        return direction != Direction.TO_CLIENT;
    }

    /** The opcode for a wire byte (0..255), or {@code null} if the byte is not assigned. */
    public static Opcode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
