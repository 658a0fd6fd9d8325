package io.switchboard.client;

/**
 * A call was made while the client is disconnected and configured to fail fast, or after the
 * server said BYE: either way the request was not sent.
 */
public final class NotConnectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotConnectedException(String message) {
        super(message);
    }
}
