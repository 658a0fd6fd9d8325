package io.switchboard.client.load.workload;

/**
 * A workload cannot be set up with these settings (an unsupported option, a file that cannot be
 * read). The message is one line for the user; the CLI exits with code 3.
 */
public final class WorkloadException extends Exception {
    private static final long serialVersionUID = 1L;

    public WorkloadException(String message) {
        super(message);
    }

    public WorkloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
