package io.switchboard.server.launch;

/** The server could not start; the message is one line for the operator. */
public final class ServerStartException extends Exception {
    private static final long serialVersionUID = 1L;

    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
