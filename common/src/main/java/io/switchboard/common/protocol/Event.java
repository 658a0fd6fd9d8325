package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.Objects;

/**
 * An EVENT delivered to a session: who sent it, to which room (if any), its name and payload.
 * With {@link Flags#PEER_ACK} the sender waits for an ACK carrying this frame's request id.
 */
public final class Event extends DefaultByteBufHolder implements Frame {
    private final int requestId;
    private final int flags;
    private final long senderId;
    private final Target target;
    private final String room;
    private final String event;

    public Event(int requestId, int flags, long senderId, Target target, String room, String event, ByteBuf payload) {
        super(payload);
        this.requestId = requestId;
        this.flags = flags;
        this.senderId = senderId;
        this.target = Objects.requireNonNull(target, "target");
        this.room = Objects.requireNonNull(room, "room");
        this.event = Objects.requireNonNull(event, "event");
    }

    @Override
    public Opcode opcode() {
        return Opcode.EVENT;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public int flags() {
        return flags;
    }

    /** The publishing session's id. */
    public long senderId() {
        return senderId;
    }

    /** How it was addressed: to a room, to all, or to this session alone. */
    public Target target() {
        return target;
    }

    /** The room for {@link Target#ROOM}, otherwise empty. */
    public String room() {
        return room;
    }

    /** The event name. */
    public String event() {
        return event;
    }

    @Override
    public Event replace(ByteBuf content) {
        return new Event(requestId, flags, senderId, target, room, event, content);
    }

    @Override
    public String toString() {
        return "Event[requestId=" + requestId + ", flags=" + flags + ", from=" + senderId + ", " + target + " " + room
                + ", event=" + event + "]";
    }
}
