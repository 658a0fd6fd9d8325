package io.switchboard.common.transport;

/**
 * The requested transport or epoll mode cannot be used here. The message is one line meant for
 * the operator; the native loader's own exception, if any, is the cause.
 */
public final class TransportUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TransportUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
