package io.switchboard.server.socketio;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * {@link Broadcast#fetchSockets()} did not hear from every node alive in time: it carries the
 * sockets it did gather (this node's and those of the nodes that answered) and the nodes that
 * did not answer. socket.io's Redis adapter fails alike ("timeout reached").
 */
public final class FetchTimeoutException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    private final transient List<RemoteSocket> partial;
    private final transient Set<Integer> missingNodes;

    FetchTimeoutException(Duration timeout, List<RemoteSocket> partial, Set<Integer> missingNodes) {
        super("fetchSockets: no answer within " + timeout.toMillis() + " ms from nodes " + missingNodes);
        this.partial = List.copyOf(partial);
        this.missingNodes = Set.copyOf(missingNodes);
    }

    /** The sockets of this node and of the nodes that answered. */
    public List<RemoteSocket> partial() {
        return partial;
    }

    /** The nodes alive at the call that did not answer. */
    public Set<Integer> missingNodes() {
        return missingNodes;
    }
}
