package io.switchboard.server.socketio.engine;

/** Engine.IO v4 packet types, with the digit that stands for each on the wire. */
public enum PacketType {
    OPEN('0'), CLOSE('1'), PING('2'), PONG('3'), MESSAGE('4'), UPGRADE('5'), NOOP('6');

    private static final PacketType[] BY_DIGIT = values();

    /** The ASCII digit for this type. */
    public final char digit;

    PacketType(char digit) {
        this.digit = digit;
    }

    /** The type for an ASCII byte, or {@code null} when it is not '0'..'6'. */
    static PacketType of(int b) {
        int i = b - '0';
        return i >= 0 && i < BY_DIGIT.length ? BY_DIGIT[i] : null;
    }
}
