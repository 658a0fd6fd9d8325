package io.switchboard.common.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.Objects;

/**
 * PUBLISH an event to a room, to every session, or to one session. The payload is opaque bytes
 * and reference counted: release the frame when done.
 */
public final class Publish extends DefaultByteBufHolder implements Frame {
    private final int requestId;
    private final int flags;
    private final Target target;
    private final String room;
    private final long sessionId;
    private final String event;

    /**
     * @param flags {@link Flags#ACK}, {@link Flags#INCLUDE_SELF}, {@link Flags#PEER_ACK} (session target only)
     * @param room the room for {@link Target#ROOM}, otherwise empty
     * @param sessionId the recipient for {@link Target#SESSION}, otherwise 0
     */
    public Publish(int requestId, int flags, Target target, String room, long sessionId, String event, ByteBuf payload) {
        super(payload);
        this.requestId = requestId;
        this.flags = flags;
        this.target = Objects.requireNonNull(target, "target");
        this.room = Objects.requireNonNull(room, "room");
        this.sessionId = sessionId;
        this.event = Objects.requireNonNull(event, "event");
    }

    @Override
    public Opcode opcode() {
        return Opcode.PUBLISH;
    }

    @Override
    public int requestId() {
        return requestId;
    }

    @Override
    public int flags() {
        return flags;
    }

    public Target target() {
        return target;
    }

    public String room() {
        return room;
    }

    public long sessionId() {
        return sessionId;
    }

    public String event() {
        return event;
    }

    @Override
    public Publish replace(ByteBuf content) {
        return new Publish(requestId, flags, target, room, sessionId, event, content);
    }

    @Override
    public String toString() {
        return "Publish[requestId=" + requestId + ", flags=" + flags + ", " + target + " " + room
                + (target == Target.SESSION ? sessionId : "") + ", event=" + event + "]";
    }
}
