package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * An {@code ERROR} frame.
 *
 * @param requestId the id of the request that failed, or 0 when the error concerns the connection
 * @param code the numeric error code; {@link ErrorCode#of(int)} names the known ones
 * @param message a human-readable explanation, never containing secrets
 */
public record ErrorFrame(int requestId, int code, String message) implements Frame {
    public ErrorFrame {
        Objects.requireNonNull(message, "message");
    }

    public ErrorFrame(int requestId, ErrorCode code, String message) {
        this(requestId, code.code(), message);
    }

    /** The known error code, or {@code null} if this version does not know the number. */
    public ErrorCode errorCode() {
        return ErrorCode.of(code);
    }

    @Override
    public Opcode opcode() {
        return Opcode.ERROR;
    }
}
