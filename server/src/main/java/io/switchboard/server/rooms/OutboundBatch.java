package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;

/**
 * Messages the hub hands to the same members together, in order: one publisher's consecutive
 * events to one room, read in one batch. A member whose wire format can carry them in one buffer
 * (framed frames back to back) writes {@link #encoded} once, one retained duplicate of one
 * concatenation made once per format for every member: in a room of n members, a batch of k events
 * costs n writes instead of n × k. Other members take each message in turn. A single message is a
 * batch of one, delivered exactly as that message.
 *
 * <p>Reference counted; owns its messages. Like an {@link Outbound}, it is encoded on the one
 * thread doing the fan-out ({@link #forAnotherThread} for another).
 */
public final class OutboundBatch extends AbstractReferenceCounted {
    private static final int SLOTS = 2;

    private final ByteBufAllocator alloc;
    private final Outbound[] messages;
    private final Outbound.Encoding[] encodings = new Outbound.Encoding[SLOTS];
    private final ByteBuf[] encoded = new ByteBuf[SLOTS];
    private int count;

    /** A batch of {@code messages} (at least one), which it now owns. */
    public OutboundBatch(ByteBufAllocator alloc, Outbound... messages) {
        if (messages.length == 0) {
            throw new IllegalArgumentException("an empty batch");
        }
        this.alloc = alloc;
        this.messages = messages;
    }

    /** How many messages, at least 1. */
    public int size() {
        return messages.length;
    }

    /** Message {@code i}, in publish order; owned by this batch. */
    public Outbound get(int i) {
        return messages[i];
    }

    /**
     * Every message in {@code encoding}, back to back in one buffer, as a new retained duplicate
     * the caller owns; {@code null} when the format has nothing for any of them. Made on the first
     * call for that encoding only: the messages' bytes are copied once per batch, not per member.
     */
    public ByteBuf encoded(Outbound.Encoding encoding) {
        int slot = slot(encoding);
        if (slot < 0) {
            return concatenate(encoding); // more formats than slots: not cached, the caller owns this one
        }
        return encoded[slot] == null ? null : encoded[slot].retainedDuplicate();
    }

    /**
     * How many bytes {@link #encoded} gives for {@code encoding} (0 when it gives nothing), making
     * the encoding if it is not made yet, without a duplicate.
     */
    public int encodedLength(Outbound.Encoding encoding) {
        int slot = slot(encoding);
        if (slot < 0) {
            ByteBuf bytes = concatenate(encoding);
            try {
                return bytes == null ? 0 : bytes.readableBytes();
            } finally {
                if (bytes != null) {
                    bytes.release();
                }
            }
        }
        return encoded[slot] == null ? 0 : encoded[slot].readableBytes();
    }

    /** The cache slot of {@code encoding}, made on first use; -1 when every slot holds another format. */
    private int slot(Outbound.Encoding encoding) {
        for (int i = 0; i < count; i++) {
            if (encodings[i] == encoding) {
                return i;
            }
        }
        if (count == SLOTS) {
            return -1;
        }
        encoded[count] = concatenate(encoding);
        encodings[count] = encoding;
        return count++;
    }

    private ByteBuf concatenate(Outbound.Encoding encoding) {
        if (messages.length == 1) {
            return messages[0].encoded(encoding);
        }
        ByteBuf[] parts = new ByteBuf[messages.length];
        int total = 0;
        try {
            for (int i = 0; i < parts.length; i++) {
                parts[i] = messages[i].encoded(encoding);
                total += parts[i] == null ? 0 : parts[i].readableBytes();
            }
            if (total == 0) {
                return null;
            }
            ByteBuf all = alloc.directBuffer(total, total);
            for (ByteBuf part : parts) {
                if (part != null) {
                    all.writeBytes(part, part.readerIndex(), part.readableBytes());
                }
            }
            return all;
        } finally {
            for (ByteBuf part : parts) {
                if (part != null) {
                    part.release();
                }
            }
        }
    }

    /** The same messages over the same frames (retained), with their own encodings, for a fan-out continued on another thread. */
    OutboundBatch forAnotherThread() {
        Outbound[] copies = new Outbound[messages.length];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = messages[i].forAnotherThread();
        }
        return new OutboundBatch(alloc, copies);
    }

    @Override
    protected void deallocate() {
        for (int i = 0; i < count; i++) {
            if (encoded[i] != null) {
                encoded[i].release();
            }
        }
        for (Outbound message : messages) {
            message.release();
        }
    }

    @Override
    public OutboundBatch touch(Object hint) {
        return this;
    }
}
