package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * What {@link FrameDecoder} emits for input it cannot turn into a frame, so that the handler can
 * answer it in the protocol's own terms. Never written to the wire.
 *
 * @param requestId the request id if the header could be read, otherwise 0
 * @param opcodeByte the opcode byte as received, or -1 if the header could not be read
 * @param error the error to answer with
 * @param message what exactly was wrong, naming the bad value
 */
public record InvalidFrame(int requestId, int opcodeByte, ErrorCode error, String message) implements Frame {
    public InvalidFrame {
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(message, "message");
    }

    /** Whether framing is lost: the connection must be closed after the ERROR. */
    public boolean fatal() {
        return error.closesConnection();
    }

    /** {@code null}: an invalid frame has no valid opcode. */
    @Override
    public Opcode opcode() {
        return null;
    }

    /** The ERROR frame that answers this input. */
    public ErrorFrame toError() {
        return new ErrorFrame(requestId, error, message);
    }
}
