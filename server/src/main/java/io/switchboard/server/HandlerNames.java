package io.switchboard.server;

/**
 * Names of the handlers in every pipeline the server builds, in pipeline order. The
 * initializers are the only places that wire pipelines; they use these names.
 */
public final class HandlerNames {
    /** Counts connections and wire bytes (every TCP listener; first in the pipeline). */
    public static final String TRAFFIC = "traffic";
    /** Merges flushes of events from other sessions into one per burst (framed). */
    public static final String FLUSH_CONSOLIDATION = "flushConsolidation";
    /** Closes or warns sessions that stay silent (framed). */
    public static final String IDLE = "idle";
    /** Bytes to frames (framed). */
    public static final String FRAME_DECODER = "frameDecoder";
    /** Frames to bytes (framed). */
    public static final String FRAME_ENCODER = "frameEncoder";
    /** Stops reading from a peer that does not drain its replies (all TCP listeners). */
    public static final String BACKPRESSURE = "backpressure";
    /** The framed protocol's session logic. */
    public static final String FRAMED_SESSION = "framedSession";
    /** The raw echo. */
    public static final String ECHO = "echo";

    private HandlerNames() {
    }
}
