package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * Handles one event a client emitted. Runs on the socket's event loop (or the configured
 * executor), in order per socket; must not block the event loop. An exception is logged, and the
 * client's acknowledgement, if it asked for one, is answered with an error.
 */
@FunctionalInterface
public interface EventHandler {
    /**
     * @param socket who emitted it
     * @param args the arguments after the event name (binary ones as {@code BinaryNode}s)
     * @param ack the client's acknowledgement: {@link Ack#requested()} says whether it asked for one
     */
    void onEvent(SioSocket socket, ArrayNode args, Ack ack) throws Exception;
}
