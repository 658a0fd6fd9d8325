package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.Objects;

/**
 * A frame whose body is an opaque payload: PING, PONG, ECHO and ECHO_REPLY. The payload is a
 * slice of the receive buffer (no copy); release the frame when done or pass it on, for example
 * to {@link #reply()} which reuses the same buffer.
 */
public final class PayloadFrame extends DefaultByteBufHolder implements Frame {
    private final Opcode opcode;
    private final int requestId;

    private PayloadFrame(Opcode opcode, int requestId, ByteBuf payload) {
        super(payload);
        this.opcode = opcode;
        this.requestId = requestId;
    }

    /** Creates a payload frame; takes ownership of {@code payload}. */
    public static PayloadFrame of(Opcode opcode, int requestId, ByteBuf payload) {
        Objects.requireNonNull(payload, "payload");
        switch (opcode) {
            case PING:
            case PONG:
            case ECHO:
            case ECHO_REPLY:
                return new PayloadFrame(opcode, requestId, payload);
            default:
                throw new IllegalArgumentException("opcode: " + opcode + " (expected: PING, PONG, ECHO or ECHO_REPLY)");
        }
    }

    /**
     * The answer to this PING or ECHO (a PONG or ECHO_REPLY with the same request id), holding
     * this frame's payload without copying it. Ownership of the payload moves to the reply.
     */
    public PayloadFrame reply() {
        Opcode replyOpcode;
        switch (opcode) {
            case PING:
                replyOpcode = Opcode.PONG;
                break;
            case ECHO:
                replyOpcode = Opcode.ECHO_REPLY;
                break;
            default:
                throw new IllegalStateException(opcode + " has no reply");
        }
        return new PayloadFrame(replyOpcode, requestId, content());
    }

    @Override
    public Opcode opcode() {
        return opcode;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public PayloadFrame replace(ByteBuf content) {
        return new PayloadFrame(opcode, requestId, content);
    }

    @Override
    public PayloadFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public PayloadFrame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public PayloadFrame touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public PayloadFrame touch() {
        super.touch();
        return this;
    }

    @Override
    public String toString() {
        return "PayloadFrame[" + opcode + ", requestId=" + requestId + ", bytes="
                + (refCnt() > 0 ? content().readableBytes() : -1) + "]";
    }
}
