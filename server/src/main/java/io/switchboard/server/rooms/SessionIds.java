package io.switchboard.server.rooms;

/**
 * The layout of session ids: the node id in the high bits, a counter in the low {@link #NODE_SHIFT}
 * (docs/protocol.md, WELCOME). Shared by the hub, which makes them, and a cluster broker, which
 * routes by them.
 */
public final class SessionIds {
    /** Session ids carry their node id above this bit. */
    public static final int NODE_SHIFT = 40;
    /** Node ids are 1 to this value (22 bits). */
    public static final int MAX_NODE_ID = (1 << 22) - 1;

    private SessionIds() {
    }

    /** The node a session id belongs to. */
    public static int nodeOf(long sessionId) {
        return (int) (sessionId >>> NODE_SHIFT);
    }
}
