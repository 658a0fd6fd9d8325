package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import java.nio.charset.StandardCharsets;

/**
 * What one node tells the others through Redis: one PUBLISH message per envelope. Big-endian,
 * strings as str16 (u16 byte count, UTF-8), as in the framed protocol:
 *
 * <pre>
 * +---------+------+----------------+---------------------------------------------+
 * | version | kind | origin node    | body, by kind                               |
 * | u8 = 1  | u8   | u32            |                                             |
 * +---------+------+----------------+---------------------------------------------+
 *
 * kind 0x01 EVENT     sender u64, target u8, then
 *                       target 0 (room):    room str16
 *                       target 1 (all):     nothing
 *                       target 2 (session): recipient u64, flags u8 (PEER_ACK), relay id u32
 *                     then event str16, payload (the rest)
 * kind 0x02 JOINED    room str16, session u64, name str16
 * kind 0x03 LEFT      room str16, session u64, name str16
 * kind 0x04 PEER_ACK  relay id u32 (the publisher node's), recipient u64, payload (the rest)
 * kind 0x05 REFUSED   relay id u32, recipient u64: the recipient node has no such session
 * kind 0x06 NODE_UP   nothing: a node joined the cluster
 * kind 0x07 NODE_DOWN nothing: a node is leaving the cluster (shutting down)
 * </pre>
 *
 * A node ignores envelopes whose origin is itself, so that its own publishes are not delivered
 * twice (it delivered them locally already); LEFT notices that a surviving node sends for a dead
 * node's members carry the dead node as origin, so that every survivor, the sender included,
 * delivers them.
 */
final class Envelope {
    static final int VERSION = 1;
    static final int EVENT = 0x01;
    static final int JOINED = 0x02;
    static final int LEFT = 0x03;
    static final int PEER_ACK = 0x04;
    static final int REFUSED = 0x05;
    static final int NODE_UP = 0x06;
    static final int NODE_DOWN = 0x07;

    /** Thrown for an envelope that does not follow the layout. */
    static final class MalformedEnvelopeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedEnvelopeException(String message) {
            super(message, null, false, false);
        }
    }

    private Envelope() {
    }

    /**
     * An EVENT envelope; the payload is not copied but retained into a composite buffer that the
     * caller owns.
     */
    static ByteBuf event(ByteBufAllocator alloc, int origin, Event event, long recipient) {
        ByteBuf head = alloc.buffer(32 + event.room().length() * 3 + event.event().length() * 3);
        header(head, EVENT, origin);
        head.writeLong(event.senderId());
        head.writeByte(event.target().code());
        switch (event.target()) {
            case ROOM:
                writeString(head, event.room());
                break;
            case SESSION:
                head.writeLong(recipient);
                head.writeByte(event.flags() & Flags.PEER_ACK);
                head.writeInt(event.requestId());
                break;
            default:
                break;
        }
        writeString(head, event.event());
        ByteBuf payload = event.content();
        if (!payload.isReadable()) {
            return head;
        }
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponent(true, head);
        out.addComponent(true, payload.retainedSlice());
        return out;
    }

    /** A JOINED or LEFT envelope. */
    static ByteBuf presence(ByteBufAllocator alloc, int kind, int origin, String room, long session, String name) {
        ByteBuf out = alloc.buffer(20 + room.length() * 3 + name.length() * 3);
        header(out, kind, origin);
        writeString(out, room);
        out.writeLong(session);
        writeString(out, name);
        return out;
    }

    /** A PEER_ACK envelope; takes ownership of {@code payload}. */
    static ByteBuf peerAck(ByteBufAllocator alloc, int origin, int relayId, long recipient, ByteBuf payload) {
        ByteBuf head = alloc.buffer(18);
        header(head, PEER_ACK, origin);
        head.writeInt(relayId);
        head.writeLong(recipient);
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponent(true, head);
        out.addComponent(true, payload);
        return out;
    }

    /** A REFUSED envelope: the recipient's node has no such session. */
    static ByteBuf refused(ByteBufAllocator alloc, int origin, int relayId, long recipient) {
        ByteBuf out = alloc.buffer(18);
        header(out, REFUSED, origin);
        out.writeInt(relayId);
        out.writeLong(recipient);
        return out;
    }

    /**
     * A REFUSED envelope with the error code the publisher gets (2 bytes after the recipient;
     * a REFUSED without them means {@link io.switchboard.common.protocol.ErrorCode#UNKNOWN_SESSION}).
     */
    static ByteBuf refused(ByteBufAllocator alloc, int origin, int relayId, long recipient, int code) {
        ByteBuf out = alloc.buffer(20);
        header(out, REFUSED, origin);
        out.writeInt(relayId);
        out.writeLong(recipient);
        out.writeShort(code);
        return out;
    }

    /** A NODE_UP or NODE_DOWN envelope. */
    static ByteBuf node(ByteBufAllocator alloc, int kind, int origin) {
        ByteBuf out = alloc.buffer(6);
        header(out, kind, origin);
        return out;
    }

    private static void header(ByteBuf out, int kind, int origin) {
        out.writeByte(VERSION);
        out.writeByte(kind);
        out.writeInt(origin);
    }

    private static void writeString(ByteBuf out, String s) {
        int at = out.writerIndex();
        out.writeShort(0);
        int n = ByteBufUtil.writeUtf8(out, s);
        if (n > 0xFFFF) {
            throw new IllegalArgumentException("string of " + n + " bytes does not fit a str16");
        }
        out.setShort(at, n);
    }

    // ---- reading ----

    /** Checks the version and returns the kind; leaves {@code in} after the header. */
    static int kind(ByteBuf in) {
        need(in, 6);
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new MalformedEnvelopeException("envelope version " + version + " (expected: " + VERSION + ")");
        }
        return in.readUnsignedByte();
    }

    /** The origin node; call right after {@link #kind}. */
    static int origin(ByteBuf in) {
        return in.readInt();
    }

    /** The recipient of a session EVENT, or 0 for other targets. Set by {@link #readEvent}. */
    static final class EventHead {
        long recipient;
    }

    /** Reads an EVENT body; the payload is a retained slice of {@code in}. */
    static Event readEvent(ByteBuf in, EventHead head) {
        need(in, 9);
        long sender = in.readLong();
        Target target = Target.of(in.readUnsignedByte());
        if (target == null) {
            throw new MalformedEnvelopeException("bad target");
        }
        String room = "";
        int flags = 0;
        int relay = 0;
        head.recipient = 0;
        switch (target) {
            case ROOM:
                room = readString(in);
                break;
            case SESSION:
                need(in, 13);
                head.recipient = in.readLong();
                flags = in.readUnsignedByte() & Flags.PEER_ACK;
                relay = in.readInt();
                break;
            default:
                break;
        }
        String name = readString(in);
        return new Event(relay, flags, sender, target, room, name, in.readRetainedSlice(in.readableBytes()));
    }

    /** A JOINED or LEFT body. */
    record PresenceNotice(String room, long session, String name) {
    }

    static PresenceNotice readPresence(ByteBuf in) {
        String room = readString(in);
        need(in, 8);
        long session = in.readLong();
        String name = readString(in);
        if (in.isReadable()) {
            throw new MalformedEnvelopeException(in.readableBytes() + " bytes left over after a presence notice");
        }
        return new PresenceNotice(room, session, name);
    }

    static void need(ByteBuf in, int bytes) {
        if (in.readableBytes() < bytes) {
            throw new MalformedEnvelopeException("truncated: " + in.readableBytes() + " bytes left, " + bytes + " needed");
        }
    }

    static String readString(ByteBuf in) {
        need(in, 2);
        int n = in.readUnsignedShort();
        need(in, n);
        String s = in.toString(in.readerIndex(), n, StandardCharsets.UTF_8);
        in.skipBytes(n);
        return s;
    }
}
