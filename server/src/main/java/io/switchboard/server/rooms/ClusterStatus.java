package io.switchboard.server.rooms;

/**
 * What {@code /readyz} and {@code /metrics} report about the link to the other nodes: a read-only
 * view the launcher hands them (they never reach the broker itself). Every method may be called
 * from any thread.
 */
public interface ClusterStatus {
    /** Whether the link to the other nodes is up. */
    boolean isUp();

    /** Events (and peer acks) handed to the link for other nodes. */
    long forwarded();

    /** Events (and peer acks) that could not be forwarded. */
    long forwardFailed();

    /** Messages received from other nodes. */
    long received();

    /** Nodes alive now, this one included. */
    int nodesAlive();
}
