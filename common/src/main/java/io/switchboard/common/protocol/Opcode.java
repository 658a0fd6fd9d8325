package io.switchboard.common.protocol;

/**
 * Frame types of the Switchboard framed protocol. The byte values are part of the wire format
 * (see {@code docs/protocol.md}) and never change meaning.
 */
public enum Opcode {
    HELLO(0x01, Direction.TO_SERVER),
    WELCOME(0x02, Direction.TO_CLIENT),
    PING(0x03, Direction.BOTH),
    PONG(0x04, Direction.BOTH),
    ECHO(0x05, Direction.TO_SERVER),
    ECHO_REPLY(0x06, Direction.TO_CLIENT),
    ERROR(0x07, Direction.TO_CLIENT),
    BYE(0x08, Direction.BOTH);

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

    Opcode(int code, Direction direction) {
        this.code = code;
        this.direction = direction;
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
