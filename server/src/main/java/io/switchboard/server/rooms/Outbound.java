package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameEncoder;

/**
 * Something the hub sends to many members: an event or a presence notice. The framed encoding is
 * made once, on first use, and shared by every framed recipient as a retained duplicate, so a
 * publish to 10,000 members copies its payload once, not 10,000 times. Reference counted: the
 * hub releases it after the fan-out.
 */
public final class Outbound extends AbstractReferenceCounted {
    private final Frame frame;
    private final ByteBufAllocator alloc;
    private ByteBuf framed;

    Outbound(ByteBufAllocator alloc, Frame frame) {
        this.alloc = alloc;
        this.frame = frame;
    }

    /**
     * The framed-protocol bytes of this message, as a new retained duplicate the caller owns
     * (typically by writing it to a channel). Call only from the thread doing the fan-out.
     */
    public ByteBuf framedBytes() {
        if (framed == null) {
            framed = FrameEncoder.encode(alloc, frame);
        }
        return framed.retainedDuplicate();
    }

    /** The frame itself, for members that encode differently; owned by this message. */
    public Frame frame() {
        return frame;
    }

    @Override
    protected void deallocate() {
        if (framed != null) {
            framed.release();
        }
        if (frame instanceof ReferenceCounted) {
            ((ReferenceCounted) frame).release();
        }
    }

    @Override
    public Outbound touch(Object hint) {
        return this;
    }
}
