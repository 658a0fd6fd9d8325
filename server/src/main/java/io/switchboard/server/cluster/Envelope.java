package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Selection;
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
 * kind 0x01 EVENT     sender u64, target u8 (low nibble; high nibble: the payload's format
 *                     flags JSON 0x10 and BINARY 0x20, 0 for text), then
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
 * kind 0x08 SELECTED  an event for a selection (several rooms, exceptions; on sb:all):
 *                     sender u64, format flags u8 (JSON 0x10, BINARY 0x20), everyone u8 (0 or 1),
 *                     rooms: count u16, each str16;  sessions: count u16, each u64;
 *                     except rooms: count u16, each str16;  except sessions: count u16, each u64;
 *                     then event str16, payload (the rest). Every node hands it to its members
 *                     in (everyone, or any of the rooms or sessions) and in none of the except
 *                     rooms and sessions, each once (rooms.Selection).
 * kind 0x09 MESSAGE   topic str16, body (the rest): for the layers above the rooms, on sb:all
 *                     or a node's channel (Socket.IO's cluster-wide operations, docs/cluster.md)
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
    static final int SELECTED = 0x08;
    static final int MESSAGE = 0x09;
    /** The format flags an EVENT's target byte and a SELECTED carry. */
    private static final int FORMAT = Flags.JSON | Flags.BINARY;
    /** At most this many rooms or sessions in each list of a SELECTED. */
    static final int MAX_SELECTED = 0xFFFF;

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
        head.writeByte(event.target().code() | (event.flags() & FORMAT));
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
        return payload.isReadable() ? join(alloc, head, payload.retainedSlice()) : head;
    }

    /**
     * A SELECTED envelope: {@code event} for the members {@code selection} picks on each node;
     * the payload is retained into a composite buffer the caller owns.
     *
     * @throws IllegalArgumentException when a list holds more than {@link #MAX_SELECTED} entries
     */
    static ByteBuf selected(ByteBufAllocator alloc, int origin, Selection selection, Event event) {
        ByteBuf head = alloc.buffer(64);
        try {
            header(head, SELECTED, origin);
            head.writeLong(event.senderId());
            head.writeByte(event.flags() & FORMAT);
            head.writeByte(selection.everyone() ? 1 : 0);
            writeStrings(head, selection.rooms());
            writeLongs(head, selection.sessions());
            writeStrings(head, selection.exceptRooms());
            writeLongs(head, selection.exceptSessions());
            writeString(head, event.event());
        } catch (RuntimeException e) {
            head.release();
            throw e;
        }
        ByteBuf payload = event.content();
        return payload.isReadable() ? join(alloc, head, payload.retainedSlice()) : head;
    }

    /** A MESSAGE envelope; takes ownership of {@code body}. */
    static ByteBuf message(ByteBufAllocator alloc, int origin, String topic, ByteBuf body) {
        ByteBuf head = alloc.buffer(8 + topic.length() * 3);
        header(head, MESSAGE, origin);
        writeString(head, topic);
        return join(alloc, head, body);
    }

    /** {@code head} then {@code tail} as one buffer without a copy; takes ownership of both. */
    private static ByteBuf join(ByteBufAllocator alloc, ByteBuf head, ByteBuf tail) {
        CompositeByteBuf out = alloc.compositeBuffer(2);
        out.addComponent(true, head);
        out.addComponent(true, tail);
        return out;
    }

    private static void writeStrings(ByteBuf out, java.util.Collection<String> strings) {
        count(out, strings.size());
        for (String s : strings) {
            writeString(out, s);
        }
    }

    private static void writeLongs(ByteBuf out, java.util.Collection<Long> longs) {
        count(out, longs.size());
        for (long n : longs) {
            out.writeLong(n);
        }
    }

    private static void count(ByteBuf out, int n) {
        if (n > MAX_SELECTED) {
            throw new IllegalArgumentException(n + " entries do not fit a selection list (at most " + MAX_SELECTED + ")");
        }
        out.writeShort(n);
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
        return join(alloc, head, payload);
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
        int targetByte = in.readUnsignedByte();
        Target target = Target.of(targetByte & ~FORMAT);
        if (target == null) {
            throw new MalformedEnvelopeException("bad target " + targetByte);
        }
        String room = "";
        int format = targetByte & FORMAT;
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
        return new Event(relay, flags | format, sender, target, room, name, in.readRetainedSlice(in.readableBytes()));
    }

    /** A SELECTED body: the selection, and its event (for every session: the payload is a retained slice of {@code in}). */
    record SelectedEvent(Selection selection, Event event) {
    }

    static SelectedEvent readSelected(ByteBuf in) {
        need(in, 10);
        long sender = in.readLong();
        int format = in.readUnsignedByte() & FORMAT;
        int everyone = in.readUnsignedByte();
        if (everyone > 1) {
            throw new MalformedEnvelopeException("bad everyone flag " + everyone);
        }
        java.util.Set<String> rooms = readStrings(in);
        java.util.Set<Long> sessions = readLongs(in);
        java.util.Set<String> exceptRooms = readStrings(in);
        java.util.Set<Long> exceptSessions = readLongs(in);
        String name = readString(in);
        Selection selection = new Selection(everyone == 1, rooms, sessions, exceptRooms, exceptSessions);
        return new SelectedEvent(selection, new Event(0, format, sender, Target.SESSION, "", name,
                in.readRetainedSlice(in.readableBytes())));
    }

    private static java.util.Set<String> readStrings(ByteBuf in) {
        need(in, 2);
        int n = in.readUnsignedShort();
        java.util.Set<String> out = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(readString(in));
        }
        return out;
    }

    private static java.util.Set<Long> readLongs(ByteBuf in) {
        need(in, 2);
        int n = in.readUnsignedShort();
        need(in, n * 8);
        java.util.Set<Long> out = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(in.readLong());
        }
        return out;
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
