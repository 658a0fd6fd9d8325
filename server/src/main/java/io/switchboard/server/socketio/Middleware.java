package io.switchboard.server.socketio;

/**
 * Runs before a client's connection to a namespace is accepted (socket.io's {@code io.use}):
 * checks the handshake and auth payload, then calls {@link Next#accept()} or {@link Next#refuse}
 * exactly once, at once or later from any thread. Middlewares run in the order they were added.
 */
@FunctionalInterface
public interface Middleware {
    void handle(SioSocket socket, Next next) throws Exception;

    /** The rest of the chain. */
    interface Next {
        /** Goes on with the next middleware, or connects the socket after the last. */
        void accept();

        /**
         * Refuses the connection: the client gets {@code connect_error} with this message and
         * {@code data} (any value {@code SioArgs} accepts, or {@code null}).
         */
        void refuse(String message, Object data);
    }
}
