package io.switchboard.common.protocol;

/**
 * One decoded frame of the Switchboard framed protocol. {@link FrameDecoder} produces these and
 * {@link FrameEncoder} writes them; handlers never see the byte layout.
 *
 * <p>Frames that carry a payload ({@link PayloadFrame}) are reference counted: whoever receives
 * one releases it or passes it on.
 */
public sealed interface Frame permits Hello, Welcome, PayloadFrame, ErrorFrame, Bye, InvalidFrame,
        Join, Leave, Publish, Event, Ack, Members, MembersReply, Presence {
    /** The frame type. */
    Opcode opcode();

    /**
     * The request id: chosen by the client for requests and copied into the reply; 0 on frames
     * that answer nothing in particular.
     */
    int requestId();

    /** The header's {@link Flags} bits; 0 for frame types that define none. */
    default int flags() {
        return 0;
    }
}
