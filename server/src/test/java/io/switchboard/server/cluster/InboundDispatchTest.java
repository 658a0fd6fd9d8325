package io.switchboard.server.cluster;

import static io.switchboard.server.cluster.Parts.ALLOC;
import static io.switchboard.server.cluster.Parts.SELF;
import static io.switchboard.server.cluster.Parts.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envelopes in, calls on the inbound side out; nothing the wire carries is ever thrown. */
class InboundDispatchTest {
    private static final int OTHER = 7;
    private final Parts parts = new Parts();

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** An EVENT envelope from {@code origin}; the event is released here. */
    private static ByteBuf event(int origin, Event event, long recipient) {
        try {
            return Envelope.event(ALLOC, origin, event, recipient);
        } finally {
            event.release();
        }
    }

    @Test
    void roomAndEveryoneEventsGoToTheInboundSide() {
        long sender = session(OTHER, 1);
        parts.receive("sb:r:lobby", event(OTHER, new Event(0, 0, sender, Target.ROOM, "lobby", "chat", text("hi")), 0));
        parts.receive("sb:all", event(OTHER, new Event(0, 0, sender, Target.ALL, "", "news", text("all")), 0));
        assertEquals(List.of("room lobby chat from " + sender + ": hi", "all news from " + sender + ": all"),
                parts.inbound.calls);
        assertEquals(2, parts.state.received.sum());
        assertEquals(0, parts.state.malformed.sum());
    }

    @Test
    void ownEnvelopesAreIgnoredAndNotCounted() {
        parts.receive("sb:r:lobby", event(SELF, new Event(0, 0, session(SELF, 1), Target.ROOM, "lobby", "chat", text("x")), 0));
        assertEquals(List.of(), parts.inbound.calls);
        assertEquals(0, parts.state.received.sum());
    }

    @Test
    void aSessionEventCarriesItsRelayAndOrigin() {
        long recipient = session(SELF, 5);
        parts.inbound.sessions.add(recipient);
        parts.receive("sb:n:10", event(OTHER,
                new Event(77, Flags.PEER_ACK, session(OTHER, 1), Target.SESSION, "", "dm", text("q")), recipient));
        assertEquals(List.of("session " + recipient + " dm relay 77 flags " + Flags.PEER_ACK + " from node " + OTHER + ": q"),
                parts.inbound.calls);
        assertTrue(parts.redis.published.isEmpty(), "delivered: nothing goes back");
    }

    @Test
    void aPeerAckEventForNoSuchSessionIsRefusedToItsPublishersNode() {
        long nobody = session(SELF, 6);
        parts.receive("sb:n:10", event(OTHER,
                new Event(78, Flags.PEER_ACK, session(OTHER, 1), Target.SESSION, "", "dm", text("q")), nobody));
        assertEquals(List.of("sb:n:" + OTHER), parts.redis.channels());
        assertEquals(Envelope.REFUSED + "@" + SELF, Parts.head(parts.redis.published.get(0).message()));

        parts.redis.published.clear();
        parts.receive("sb:n:10", event(OTHER, new Event(0, 0, session(OTHER, 1), Target.SESSION, "", "dm", text("q")), nobody));
        assertTrue(parts.redis.published.isEmpty(), "no PEER_ACK flag: nobody waits for an answer");
    }

    @Test
    void peerAckAnswersAndRefusalsReachThePublisher() {
        long recipient = session(OTHER, 3);
        parts.receive("sb:n:10", Envelope.peerAck(ALLOC, OTHER, 12, recipient, text("ok"))); // takes the payload
        parts.receive("sb:n:10", Envelope.refused(ALLOC, OTHER, 13, recipient, ErrorCode.ACK_TIMEOUT.code()));
        parts.receive("sb:n:10", Envelope.refused(ALLOC, OTHER, 14, recipient));
        assertEquals(List.of("peerAck 12 " + recipient + ": ok", "refused 13 " + recipient + " ACK_TIMEOUT",
                "refused 14 " + recipient + " UNKNOWN_SESSION"), parts.inbound.calls);
    }

    @Test
    void nodeAnnouncementsGoToTheRegistryAndADownNodesMembersLeave() {
        parts.receive("sb:all", Envelope.node(ALLOC, Envelope.NODE_UP, OTHER));
        assertTrue(parts.nodes.alive(OTHER));
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        long far = session(OTHER, 4);
        parts.receive("sb:r:lobby", Envelope.presence(ALLOC, Envelope.JOINED, OTHER, "lobby", far, "far"));
        parts.receive("sb:all", Envelope.node(ALLOC, Envelope.NODE_DOWN, OTHER));
        assertFalse(parts.nodes.alive(OTHER));
        assertEquals(List.of("JOINED lobby " + far + " far", "LEFT lobby " + far + " far"), parts.inbound.calls);
    }

    @Test
    void presenceIsToldOnceAndOnlyForOpenRooms() {
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        long far = session(OTHER, 4);
        parts.receive("sb:r:lobby", Envelope.presence(ALLOC, Envelope.JOINED, OTHER, "lobby", far, "far"));
        parts.receive("sb:r:lobby", Envelope.presence(ALLOC, Envelope.JOINED, OTHER, "lobby", far, "far"));
        parts.receive("sb:r:other", Envelope.presence(ALLOC, Envelope.JOINED, OTHER, "other", far, "far"));
        parts.receive("sb:r:lobby", Envelope.presence(ALLOC, Envelope.LEFT, OTHER, "lobby", far, "far"));
        parts.receive("sb:r:lobby", Envelope.presence(ALLOC, Envelope.LEFT, OTHER, "lobby", far, "far"));
        assertEquals(List.of("JOINED lobby " + far + " far", "LEFT lobby " + far + " far"), parts.inbound.calls);
    }

    @Test
    void malformedEnvelopesAreCountedNeverThrown() {
        byte[] valid = Parts.bytes(event(OTHER, new Event(0, 0, session(OTHER, 1), Target.ROOM, "lobby", "chat", text("hi")), 0));
        byte[] wrongVersion = valid.clone();
        wrongVersion[0] = 99;
        byte[] unknownKind = valid.clone();
        unknownKind[1] = 0x7F;
        byte[] truncated = java.util.Arrays.copyOf(valid, 12);
        byte[] badTarget = valid.clone();
        badTarget[6 + 8] = 9; // after the header (6) and the sender (8)
        byte[] presenceWithTrailer = java.util.Arrays.copyOf(
                Parts.bytes(Envelope.presence(ALLOC, Envelope.JOINED, OTHER, "lobby", session(OTHER, 2), "x")), 40);
        List<byte[]> bad = List.of(new byte[0], new byte[] {1}, wrongVersion, unknownKind, truncated, badTarget,
                presenceWithTrailer, Parts.bytes(Envelope.node(ALLOC, Envelope.PEER_ACK, OTHER)),
                Parts.bytes(Envelope.node(ALLOC, Envelope.REFUSED, OTHER)));
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        for (byte[] message : bad) {
            parts.dispatch.message(Names.bytes("sb:r:lobby"), message);
        }
        assertEquals(List.of(), parts.inbound.calls);
        assertEquals(bad.size(), parts.state.malformed.sum());
        parts.dispatch.message(Names.bytes("sb:r:lobby"), valid);
        assertEquals(1, parts.inbound.calls.size(), "the next good one is delivered");
    }

    @Test
    void nothingIsDeliveredOnceClosed() {
        parts.state.closed = true;
        parts.receive("sb:all", event(OTHER, new Event(0, 0, session(OTHER, 1), Target.ALL, "", "news", text("x")), 0));
        assertEquals(List.of(), parts.inbound.calls);
    }
}
