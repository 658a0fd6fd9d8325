package io.switchboard.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Selection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The inter-node envelope: byte layout, round trips, and every way a truncated one is refused. */
class EnvelopeTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** Copies the envelope as Redis would hand it to a subscriber, releasing the original. */
    private static ByteBuf wire(ByteBuf envelope) {
        try {
            return Unpooled.wrappedBuffer(ByteBufUtil.getBytes(envelope));
        } finally {
            envelope.release();
        }
    }

    @Test
    void roomEventLayout() {
        Event event = new Event(0, 0, 0x0102030405060708L, Target.ROOM, "lobby", "msg", text("hi"));
        try {
            ByteBuf in = wire(Envelope.event(ALLOC, 7, event, 0));
            assertEquals("01" + "01" + "00000007" + "0102030405060708" + "00" + "0005" + "6c6f626279" + "0003" + "6d7367"
                    + "6869", ByteBufUtil.hexDump(in));
        } finally {
            event.release();
        }
    }

    @Test
    void eventsRoundTripForEveryTarget() {
        Event[] events = {
            new Event(0, 0, 42, Target.ROOM, "chat/zoë", "e", text("payload")),
            new Event(0, 0, 42, Target.ALL, "", "news", text("")),
            new Event(99, Flags.PEER_ACK, 42, Target.SESSION, "", "q", text("?")),
        };
        for (Event event : events) {
            ByteBuf in = wire(Envelope.event(ALLOC, 3, event, 5L << 40 | 9));
            try {
                assertEquals(Envelope.EVENT, Envelope.kind(in));
                assertEquals(3, Envelope.origin(in));
                Envelope.EventHead head = new Envelope.EventHead();
                Event back = Envelope.readEvent(in, head);
                try {
                    assertEquals(event.toString(), back.toString());
                    assertEquals(event.content(), back.content());
                    assertEquals(event.target() == Target.SESSION ? 5L << 40 | 9 : 0, head.recipient);
                } finally {
                    back.release();
                }
            } finally {
                in.release();
                event.release();
            }
        }
    }

    @Test
    void eventFormatFlagsTravelInTheTargetByte() {
        Event event = new Event(0, Flags.JSON, 42, Target.ROOM, "r", "e", text("[1]"));
        ByteBuf in = wire(Envelope.event(ALLOC, 3, event, 0));
        try {
            assertEquals(0x10, in.getUnsignedByte(14), "target byte: ROOM (0) | JSON (0x10)");
            Envelope.kind(in);
            Envelope.origin(in);
            Event back = Envelope.readEvent(in, new Envelope.EventHead());
            assertEquals(Flags.JSON, back.flags());
            assertEquals(Target.ROOM, back.target());
            back.release();
        } finally {
            in.release();
            event.release();
        }
    }

    @Test
    void selectedLayoutAndRoundTrip() {
        Selection selection = new Selection(false, java.util.Set.of("r1"), java.util.Set.of(5L),
                java.util.Set.of("x"), java.util.Set.of(6L));
        Event event = new Event(0, Flags.BINARY, 9, Target.SESSION, "", "e", text("hi"));
        ByteBuf in = wire(Envelope.selected(ALLOC, 7, selection, event));
        try {
            assertEquals("01" + "08" + "00000007" + "0000000000000009" + "20" + "00" + "0001" + "0002" + "7231"
                    + "0001" + "0000000000000005" + "0001" + "0001" + "78" + "0001" + "0000000000000006" + "0001" + "65"
                    + "6869", ByteBufUtil.hexDump(in));
            assertEquals(Envelope.SELECTED, Envelope.kind(in));
            assertEquals(7, Envelope.origin(in));
            Envelope.SelectedEvent back = Envelope.readSelected(in);
            assertEquals(selection, back.selection());
            assertEquals(Flags.BINARY, back.event().flags());
            assertEquals(9, back.event().senderId());
            assertEquals("hi", back.event().content().toString(StandardCharsets.UTF_8));
            back.event().release();
        } finally {
            in.release();
            event.release();
        }
    }

    @Test
    void truncatedSelectedIsRefused() {
        Selection selection = new Selection(true, java.util.Set.of(), java.util.Set.of(1L, 2L), java.util.Set.of(),
                java.util.Set.of());
        Event event = new Event(0, 0, 9, Target.SESSION, "", "e", text(""));
        ByteBuf whole = wire(Envelope.selected(ALLOC, 7, selection, event));
        event.release();
        for (int cut = 6; cut < whole.readableBytes() - 1; cut++) {
            ByteBuf in = whole.retainedSlice(0, cut);
            try {
                Envelope.kind(in);
                Envelope.origin(in);
                assertThrows(Envelope.MalformedEnvelopeException.class, () -> Envelope.readSelected(in), "cut at " + cut);
            } finally {
                in.release();
            }
        }
        whole.release();
    }

    @Test
    void messageRoundTrips() {
        ByteBuf in = wire(Envelope.message(ALLOC, 4, "sio.fetch", text("{}")));
        try {
            assertEquals(Envelope.MESSAGE, Envelope.kind(in));
            assertEquals(4, Envelope.origin(in));
            assertEquals("sio.fetch", Envelope.readString(in));
            assertEquals("{}", in.toString(StandardCharsets.UTF_8));
        } finally {
            in.release();
        }
    }

    @Test
    void presenceRoundTrips() {
        ByteBuf in = wire(Envelope.presence(ALLOC, Envelope.LEFT, 11, "room", 77, "Zoë"));
        assertEquals(Envelope.LEFT, Envelope.kind(in));
        assertEquals(11, Envelope.origin(in));
        assertEquals(new Envelope.PresenceNotice("room", 77, "Zoë"), Envelope.readPresence(in));
        in.release();
    }

    @Test
    void peerAckCarriesRelayRecipientAndPayload() {
        ByteBuf in = wire(Envelope.peerAck(ALLOC, 4, 123, 456, text("pong")));
        assertEquals(Envelope.PEER_ACK, Envelope.kind(in));
        assertEquals(4, Envelope.origin(in));
        assertEquals(123, in.readInt());
        assertEquals(456, in.readLong());
        assertEquals("pong", in.toString(StandardCharsets.UTF_8));
        in.release();
    }

    @Test
    void wrongVersionIsRefused() {
        ByteBuf in = Unpooled.wrappedBuffer(new byte[] {2, 1, 0, 0, 0, 1});
        assertThrows(Envelope.MalformedEnvelopeException.class, () -> Envelope.kind(in));
    }

    /** Every truncation of a room event and of a presence notice is refused, never read past its end. */
    @Test
    void everyTruncationIsRefused() {
        Event event = new Event(0, 0, 1, Target.ROOM, "lobby", "msg", text(""));
        byte[] full = ByteBufUtil.getBytes(wire(Envelope.event(ALLOC, 1, event, 0)));
        event.release();
        for (int cut = 0; cut < full.length; cut++) {
            ByteBuf in = Unpooled.wrappedBuffer(full, 0, cut);
            assertThrows(Envelope.MalformedEnvelopeException.class, () -> {
                Envelope.kind(in);
                Envelope.origin(in);
                Envelope.readEvent(in, new Envelope.EventHead()).release();
            }, "cut at " + cut);
        }
        byte[] notice = ByteBufUtil.getBytes(wire(Envelope.presence(ALLOC, Envelope.JOINED, 1, "r", 2, "n")));
        for (int cut = 0; cut < notice.length; cut++) {
            ByteBuf in = Unpooled.wrappedBuffer(notice, 0, cut);
            assertThrows(Envelope.MalformedEnvelopeException.class, () -> {
                Envelope.kind(in);
                Envelope.origin(in);
                Envelope.readPresence(in);
            }, "cut at " + cut);
        }
    }
}
