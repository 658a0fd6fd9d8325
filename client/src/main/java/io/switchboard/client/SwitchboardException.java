package io.switchboard.client;

import io.switchboard.common.protocol.ErrorCode;

/** The server answered a request with an ERROR frame. */
public final class SwitchboardException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;

    public SwitchboardException(int code, String message) {
        super(describe(code) + ": " + message);
        this.code = code;
    }

    /** The numeric error code from the ERROR frame. */
    public int code() {
        return code;
    }

    /** The known error code, or {@code null} if this client does not know the number. */
    public ErrorCode errorCode() {
        return ErrorCode.of(code);
    }

    private static String describe(int code) {
        ErrorCode known = ErrorCode.of(code);
        return "ERROR " + code + (known == null ? "" : " " + known.name());
    }
}
