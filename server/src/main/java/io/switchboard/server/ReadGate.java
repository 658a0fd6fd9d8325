package io.switchboard.server;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * The one owner of a connection's read pausing: every reason to stop reading (backpressure, a
 * session waiting for the cluster, a file body in flight) closes the gate for itself, and the
 * connection reads again only when no reason is left. Nothing else in the server calls
 * {@code setAutoRead}. A connection that is closing ({@link #drainInput}) reads and drops its
 * peer's input whatever the reasons, so that the peer is never reset by its own unread bytes.
 *
 * <p>Call only on the channel's event loop.
 */
public final class ReadGate {
    /** Why a connection stops reading. */
    public enum Reason {
        /** The outbound buffer is above the high-water mark ({@link Backpressure}). */
        BACKPRESSURE,
        /** A session waits for the cluster before it handles more input (a JOIN). */
        PARKED,
        /** A file body is being written (one per connection at a time). */
        FILE_BODY
    }

    private static final AttributeKey<ReadGate> KEY = AttributeKey.valueOf(ReadGate.class, "readGate");

    private final Channel channel;
    private int closedBy;
    private boolean draining;

    private ReadGate(Channel channel) {
        this.channel = channel;
    }

    /** The gate of {@code channel}, made on first use. */
    public static ReadGate of(Channel channel) {
        ReadGate gate = channel.attr(KEY).get();
        if (gate == null) {
            gate = new ReadGate(channel);
            ReadGate raced = channel.attr(KEY).setIfAbsent(gate);
            if (raced != null) {
                gate = raced;
            }
        }
        return gate;
    }

    /** Stops reading for {@code reason} (until {@link #open} for the same reason). */
    public void close(Reason reason) {
        closedBy |= 1 << reason.ordinal();
        apply();
    }

    /** Withdraws {@code reason}; reading resumes if no other reason is left. */
    public void open(Reason reason) {
        closedBy &= ~(1 << reason.ordinal());
        apply();
    }

    /** {@link #close} or {@link #open} for {@code reason}. */
    public void set(Reason reason, boolean closed) {
        if (closed) {
            close(reason);
        } else {
            open(reason);
        }
    }

    /** Whether {@code reason} holds the gate closed now. */
    public boolean isClosedBy(Reason reason) {
        return (closedBy & (1 << reason.ordinal())) != 0;
    }

    /** Whether the connection reads now. */
    public boolean isOpen() {
        return draining || closedBy == 0;
    }

    /** The connection is closing: read (and let the pipeline drop) its input from now on, whatever else holds. */
    public void drainInput() {
        draining = true;
        apply();
    }

    private void apply() {
        boolean read = isOpen();
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }
}
