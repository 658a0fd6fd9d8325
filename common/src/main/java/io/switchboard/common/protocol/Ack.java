package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * An ACK: from the server, "your request with this id is done"; from a client, the answer to an
 * EVENT flagged {@link Flags#PEER_ACK}, whose payload the server routes back to the publisher.
 */
public final class Ack extends DefaultByteBufHolder implements Frame {
    private final int requestId;

    public Ack(int requestId, ByteBuf payload) {
        super(payload);
        this.requestId = requestId;
    }

    @Override
    public Opcode opcode() {
        return Opcode.ACK;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public Ack replace(ByteBuf content) {
        return new Ack(requestId, content);
    }

    @Override
    public String toString() {
        return "Ack[requestId=" + requestId + "]";
    }
}
