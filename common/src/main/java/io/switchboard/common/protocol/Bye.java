package io.switchboard.common.protocol;

import java.util.Objects;

/**
 * A polite close: the sender will close the connection after this frame and after the replies
 * to everything it received before it.
 *
 * @param requestId 0, or a request id the peer may echo
 * @param code 0 for a normal close, otherwise an {@link ErrorCode} number
 * @param message why, for humans; may be empty
 */
public record Bye(int requestId, int code, String message) implements Frame {
    public Bye {
        Objects.requireNonNull(message, "message");
    }

    @Override
    public Opcode opcode() {
        return Opcode.BYE;
    }
}
