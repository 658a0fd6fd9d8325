package io.switchboard.server.session;

/**
 * What one session received and sent: messages and bytes each way. Plain fields, no locks or
 * atomics: written on the session's event loop only (by {@link SessionTraffic} in its pipeline,
 * or its protocol adapter), and read there too ({@link #snapshot()} on that loop) for the admin API.
 *
 * <p>What counts as a message and a byte is the protocol's: a framed frame and its bytes (above
 * TLS); a WebSocket message and its payload; an Engine.IO packet and its text (or binary) length.
 */
public final class SessionCounters {
    private long messagesIn;
    private long messagesOut;
    private long bytesIn;
    private long bytesOut;

    /** A message of {@code bytes} received (bytes may be 0: counted elsewhere). */
    public void messageIn(long bytes) {
        messagesIn++;
        bytesIn += bytes;
    }

    /** A message of {@code bytes} sent. */
    public void messageOut(long bytes) {
        messagesOut++;
        bytesOut += bytes;
    }

    /**
     * {@code n} more messages sent inside one buffer that was counted as one message with all
     * their bytes (a burst of framed events written together).
     */
    public void messagesOutWithin(long n) {
        messagesOut += n;
    }

    /** Bytes received that are not a message of their own (the raw input a decoder makes frames of). */
    public void bytesIn(long bytes) {
        bytesIn += bytes;
    }

    /** The counts now; on the session's event loop. */
    public Snapshot snapshot() {
        return new Snapshot(messagesIn, messagesOut, bytesIn, bytesOut);
    }

    /** The counts at one moment. */
    public record Snapshot(long messagesIn, long messagesOut, long bytesIn, long bytesOut) {
    }
}
