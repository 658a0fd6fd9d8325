package io.switchboard.server.session;

import io.switchboard.common.protocol.ErrorCode;

/**
 * A request the session core refuses: the error code and the message every protocol shows its
 * client, each in its own terms (a framed ERROR, a WebSocket {@code error}, a Socket.IO ack
 * error). Checked, without a stack trace: a refusal is an answer, not a failure.
 */
public final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient ErrorCode code;
    private final String cause;

    public Refused(ErrorCode code, String message) {
        this(code, message, null);
    }

    /** A permission refusal: {@code cause} is the label it is counted under ({@code not_member}, ...). */
    public Refused(ErrorCode code, String message, String cause) {
        super(message, null, false, false);
        this.code = code;
        this.cause = cause;
    }

    /** The error code. */
    public ErrorCode code() {
        return code;
    }

    /** The permission refusal's cause label, or {@code null} for other refusals. */
    public String cause() {
        return cause;
    }
}
