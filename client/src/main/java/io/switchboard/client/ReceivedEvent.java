package io.switchboard.client;

import io.switchboard.common.protocol.Target;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * An event delivered to this client: who sent it, how it was addressed, its name and payload.
 * If the sender asked for an acknowledgement ({@link #wantsAck()}), answer with {@link #ack(byte[])}.
 */
public final class ReceivedEvent {
    private final long senderId;
    private final Target target;
    private final String room;
    private final String event;
    private final byte[] payload;
    private final Consumer<byte[]> acker;

    ReceivedEvent(long senderId, Target target, String room, String event, byte[] payload, Consumer<byte[]> acker) {
        this.senderId = senderId;
        this.target = target;
        this.room = room;
        this.event = event;
        this.payload = payload;
        this.acker = acker;
    }

    /** The session id of the publisher. */
    public long senderId() {
        return senderId;
    }

    /** How the event was addressed: to a room, to every session, or to this session alone. */
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

    /** The payload bytes (a copy the listener may keep). */
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload decoded as UTF-8. */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** Whether the sender waits for {@link #ack(byte[])}. */
    public boolean wantsAck() {
        return acker != null;
    }

    /**
     * Answers an event that asked for an acknowledgement; the server routes {@code reply} to the
     * sender. Does nothing for events that did not ask, or if the connection is gone.
     */
    public void ack(byte[] reply) {
        if (acker != null) {
            acker.accept(reply.clone());
        }
    }

    @Override
    public String toString() {
        return "ReceivedEvent[from=" + senderId + ", " + target + (room.isEmpty() ? "" : " " + room) + ", event=" + event
                + ", bytes=" + payload.length + "]";
    }
}
