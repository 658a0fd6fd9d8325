package io.switchboard.server.limits;

import io.netty.channel.Channel;
import io.switchboard.server.Listener;
import io.switchboard.server.lifecycle.Connections;

/**
 * What a listener's initializer asks before it builds a connection's pipeline: whether the
 * connection is admitted under the connection limits, and that it be tracked for the graceful
 * drain. {@link #NONE} admits everything and tracks nothing (tests that build one pipeline).
 *
 * @param limits the connection limits, or {@code null} for none
 * @param connections the open connections the drain goes through, or {@code null}
 */
public record Admission(Limits limits, Connections connections) {
    /** No limits, no tracking. */
    public static final Admission NONE = new Admission(null, null);

    /** Counts the connection in: {@code null} when admitted, else why not (the protocol answers it). */
    public RefusalCause admit(Listener listener, Channel ch) {
        return limits == null ? null : limits.admit(listener, ch);
    }

    /** Tracks an admitted connection for the graceful drain (call once its pipeline is complete). */
    public void track(Listener listener, Channel ch) {
        if (connections != null) {
            connections.track(listener, ch);
        }
    }

    /** A connection's rate of {@code unit}s, or {@code null} when there is no rate limit. */
    public ConnectionRate rate(Listener listener, String unit) {
        return limits == null ? null : limits.connectionRate(listener, unit);
    }
}
