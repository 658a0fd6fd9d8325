package io.switchboard.client.load.engine;

/** A stage could not run at all (no connection could be opened, the transport did not load). */
public final class StageException extends Exception {
    private static final long serialVersionUID = 1L;

    public StageException(String message) {
        super(message);
    }

    public StageException(String message, Throwable cause) {
        super(message, cause);
    }
}
