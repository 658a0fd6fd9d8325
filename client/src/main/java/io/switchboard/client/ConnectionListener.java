package io.switchboard.client;

/** Learns when the connection drops and comes back; runs on the client's listener executor. */
public interface ConnectionListener {
    /** The connection was lost; {@code cause} says why, and reconnecting starts if enabled. */
    default void onDisconnected(Throwable cause) {
    }

    /** A new connection is up, with a new session id, and every room has been joined again. */
    default void onReconnected(long sessionId) {
    }
}
