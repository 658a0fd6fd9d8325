package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameEncoder;

/**
 * Something the hub sends to many members: an event or a presence notice. Each wire format's
 * encoding is made once, on first use, and shared by every recipient of that format as a
 * retained duplicate: a publish to 10,000 members encodes its payload once per protocol, not
 * 10,000 times. Reference counted: the hub releases it after the fan-out.
 *
 * <p>Encodings are made on the thread doing the fan-out, which is the only thread that calls
 * {@link #encoded} (members are called one after the other).
 */
public final class Outbound extends AbstractReferenceCounted {
    /** One wire format's rendering of a frame. Implementations are singletons per server: they are the cache key. */
    public interface Encoding {
        /** The bytes of {@code message} in this format, or {@code null} if the format has nothing for it. */
        ByteBuf encode(ByteBufAllocator alloc, Outbound message);
    }

    /**
     * A rendering of a message that is not a single buffer (a Socket.IO packet: text and
     * attachments). Implementations are the cache key, like {@link Encoding}s. A result that is
     * {@link AutoCloseable} or reference counted is closed or released with the message.
     */
    public interface Rendering<T> {
        /** {@code message} rendered, or {@code null} if there is nothing to render. */
        T render(Outbound message);
    }

    /** The framed protocol's encoding. */
    public static final Encoding FRAMED = (alloc, message) -> FrameEncoder.encode(alloc, message.frame());

    /** Formats a message is typically encoded in at once (framed, WebSocket JSON, Socket.IO). */
    private static final int SLOTS = 4;

    private final Frame frame;
    private final ByteBufAllocator alloc;
    private final RoomHub hub;
    private final Encoding[] encodings = new Encoding[SLOTS];
    private final ByteBuf[] encoded = new ByteBuf[SLOTS];
    private int count;
    private Object[] renderings;
    private Object[] rendered;

    Outbound(ByteBufAllocator alloc, Frame frame, RoomHub hub) {
        this.alloc = alloc;
        this.frame = frame;
        this.hub = hub;
    }

    /** A message outside a hub fan-out (tests, a single recipient); owns {@code frame}. */
    public static Outbound of(ByteBufAllocator alloc, Frame frame) {
        return new Outbound(alloc, frame, null);
    }

    /**
     * A message over the same frame (retained) with its own encodings, for a fan-out continued on
     * another thread: encodings are cached without locks, by the one thread that uses them.
     */
    Outbound forAnotherThread() {
        if (frame instanceof ReferenceCounted counted) {
            counted.retain();
        }
        return new Outbound(alloc, frame, hub);
    }

    /** The display name of an event's sender when it is a session on this node, else {@code null}. */
    public String senderName() {
        if (hub != null && frame instanceof Event event) {
            Member sender = hub.session(event.senderId());
            return sender == null ? null : sender.name();
        }
        return null;
    }

    /** The framed-protocol bytes of this message, as a new retained duplicate the caller owns. */
    public ByteBuf framedBytes() {
        return encoded(FRAMED);
    }

    /**
     * This message in {@code encoding}, as a new retained duplicate the caller owns (typically by
     * writing it), or {@code null} when the format has nothing for it. Encoded on the first call
     * for that encoding only.
     */
    public ByteBuf encoded(Encoding encoding) {
        int slot = slot(encoding);
        if (slot < 0) {
            return encoding.encode(alloc, this); // more formats than slots: not cached, the caller owns this one
        }
        return encoded[slot] == null ? null : encoded[slot].retainedDuplicate();
    }

    /**
     * How many bytes {@link #encoded} gives for {@code encoding} (0 when it gives nothing), making
     * the encoding if it is not made yet, without a duplicate.
     */
    public int encodedLength(Encoding encoding) {
        int slot = slot(encoding);
        if (slot < 0) {
            ByteBuf bytes = encoding.encode(alloc, this);
            if (bytes == null) {
                return 0;
            }
            int length = bytes.readableBytes();
            bytes.release();
            return length;
        }
        return encoded[slot] == null ? 0 : encoded[slot].readableBytes();
    }

    /** The cache slot of {@code encoding}, made on first use; -1 when every slot holds another format. */
    private int slot(Encoding encoding) {
        for (int i = 0; i < count; i++) {
            if (encodings[i] == encoding) {
                return i;
            }
        }
        if (count == SLOTS) {
            return -1;
        }
        encoded[count] = encoding.encode(alloc, this);
        encodings[count] = encoding;
        return count++;
    }

    /**
     * This message rendered by {@code rendering}, made on the first call and shared after (the
     * caller does not own it: it lives as long as this message).
     */
    @SuppressWarnings("unchecked")
    public <T> T rendered(Rendering<T> rendering) {
        if (renderings == null) {
            renderings = new Object[SLOTS];
            rendered = new Object[SLOTS];
        }
        int i = 0;
        for (; i < SLOTS && renderings[i] != null; i++) {
            if (renderings[i] == rendering) {
                return (T) rendered[i];
            }
        }
        if (i == SLOTS) {
            throw new IllegalStateException("more than " + SLOTS + " renderings of one message");
        }
        T value = rendering.render(this);
        renderings[i] = rendering;
        rendered[i] = value;
        return value;
    }

    /** The frame itself, for members that encode differently; owned by this message. */
    public Frame frame() {
        return frame;
    }

    @Override
    protected void deallocate() {
        for (int i = 0; i < count; i++) {
            if (encoded[i] != null) {
                encoded[i].release();
            }
        }
        if (rendered != null) {
            for (Object value : rendered) {
                if (value instanceof ReferenceCounted counted) {
                    counted.release();
                } else if (value instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("closing a rendering failed", e);
                    }
                }
            }
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
