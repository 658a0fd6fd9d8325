package io.switchboard.common.protocol;

/** Flag bits of the frame header. Each opcode allows only the bits listed on it in {@link Opcode}. */
public final class Flags {
    /** JOIN, LEAVE, PUBLISH: answer with an ACK once done (errors are always answered). */
    public static final int ACK = 0x01;
    /** JOIN: send me JOINED and LEFT notices for this room. */
    public static final int PRESENCE = 0x02;
    /** PUBLISH: deliver to the sender too, if it is a recipient. */
    public static final int INCLUDE_SELF = 0x04;
    /**
     * PUBLISH to a session: ask the recipient for an acknowledgement, routed back as an ACK.
     * EVENT: the sender waits for an ACK carrying this frame's request id.
     */
    public static final int PEER_ACK = 0x08;
    /**
     * PUBLISH, EVENT: the payload is a JSON array, the event's arguments as a Socket.IO client
     * emits them (binary arguments inside it as {@code {"_binary":"<base64>"}}). Socket.IO
     * recipients get the arguments back as they were sent.
     */
    public static final int JSON = 0x10;
    /** PUBLISH, EVENT: the payload is binary data (a Socket.IO Buffer), not text, even when it is valid UTF-8. */
    public static final int BINARY = 0x20;

    private Flags() {
    }

    /** Whether {@code flag} is set in {@code flags}. */
    public static boolean has(int flags, int flag) {
        return (flags & flag) != 0;
    }
}
