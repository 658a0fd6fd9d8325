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
import io.switchboard.server.rooms.ClusterBroker.SessionRoute;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What is published, where, and how it is counted; with the link down nothing is, and that is counted. */
class ForwardingTest {
    private static final int OTHER = 7;
    private final Parts parts = new Parts();
    private final Event roomEvent = new Event(0, 0, session(SELF, 1), Target.ROOM, "lobby", "chat",
            Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8));
    private final Event allEvent = new Event(0, 0, session(SELF, 1), Target.ALL, "", "news",
            Unpooled.copiedBuffer("all", StandardCharsets.UTF_8));

    @AfterEach
    void callerKeepsItsEvents() {
        assertEquals(1, roomEvent.refCnt(), "the caller owns the event: forwarding neither keeps nor releases it");
        assertEquals(1, allEvent.refCnt());
        roomEvent.release();
        allEvent.release();
    }

    private Event direct(long recipient, int flags, int relay) {
        return new Event(relay, flags, session(SELF, 1), Target.SESSION, "", "dm",
                Unpooled.copiedBuffer("q", StandardCharsets.UTF_8));
    }

    @Test
    void linkDownCountsAndPublishesNothing() {
        parts.state.up = false;
        parts.nodes.nodeUp(OTHER);
        assertFalse(parts.forwarding.toRoom("lobby", roomEvent));
        assertFalse(parts.forwarding.toAll(allEvent));
        Event dm = direct(session(OTHER, 2), 0, 0);
        try {
            assertEquals(SessionRoute.NOT_FORWARDED, parts.forwarding.toSession(session(OTHER, 2), dm));
        } finally {
            dm.release();
        }
        ByteBuf answer = Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8);
        parts.forwarding.answerPeerAck(OTHER, 5, session(SELF, 3), answer);
        assertEquals(0, answer.refCnt(), "an answer that cannot go is released");
        parts.forwarding.refusePeerAck(OTHER, 6, session(SELF, 3), ErrorCode.ACK_TIMEOUT);
        assertEquals(List.of(), parts.redis.published);
        assertEquals(5, parts.state.failed.sum());
        assertEquals(0, parts.state.forwarded.sum());
    }

    @Test
    void eventsGoToTheirChannelsAndAreCounted() {
        assertTrue(parts.forwarding.toRoom("lobby", roomEvent));
        assertTrue(parts.forwarding.toAll(allEvent));
        assertEquals(List.of("sb:r:lobby", "sb:all"), parts.redis.channels());
        for (FakeRedis.Published p : parts.redis.published) {
            assertEquals(Envelope.EVENT + "@" + SELF, Parts.head(p.message()));
        }
        assertEquals(2, parts.state.forwarded.sum());
        assertEquals(0, parts.state.failed.sum());
    }

    @Test
    void aPublishThatFailsIsCountedAsFailed() {
        parts.redis.down = true; // the state still says up: the command itself fails
        assertTrue(parts.forwarding.toRoom("lobby", roomEvent), "handed to the link");
        assertEquals(1, parts.state.failed.sum());
        assertEquals(0, parts.state.forwarded.sum());
    }

    @Test
    void aSessionOfADeadNodeIsNoSuchNodeAndNotCounted() {
        Event dm = direct(session(OTHER, 2), 0, 0);
        try {
            assertEquals(SessionRoute.NO_SUCH_NODE, parts.forwarding.toSession(session(OTHER, 2), dm));
        } finally {
            dm.release();
        }
        assertEquals(List.of(), parts.redis.published);
        assertEquals(0, parts.state.failed.sum());
    }

    @Test
    void aSessionEventGoesToItsNodesChannel() {
        parts.nodes.nodeUp(OTHER);
        Event dm = direct(session(OTHER, 2), Flags.PEER_ACK, 41);
        try {
            assertEquals(SessionRoute.FORWARDED, parts.forwarding.toSession(session(OTHER, 2), dm));
        } finally {
            dm.release();
        }
        assertEquals(List.of("sb:n:" + OTHER), parts.redis.channels());
        assertEquals(1, parts.state.forwarded.sum());
        assertEquals(List.of(), parts.inbound.calls);
    }

    @Test
    void aPeerAckEventNobodyReceivedIsRefusedAtOnce() {
        parts.nodes.nodeUp(OTHER);
        parts.redis.receivers = 0; // the node went away: nobody subscribes its channel
        Event dm = direct(session(OTHER, 2), Flags.PEER_ACK, 41);
        try {
            parts.forwarding.toSession(session(OTHER, 2), dm);
        } finally {
            dm.release();
        }
        parts.redis.receivers = 1;
        parts.redis.down = true;
        Event dm2 = direct(session(OTHER, 2), Flags.PEER_ACK, 42);
        try {
            parts.forwarding.toSession(session(OTHER, 2), dm2);
        } finally {
            dm2.release();
        }
        assertEquals(List.of("refused 41 " + session(OTHER, 2) + " UNKNOWN_SESSION",
                "refused 42 " + session(OTHER, 2) + " NOT_FORWARDED"), parts.inbound.calls);
        assertEquals(2, parts.state.failed.sum());
    }

    @Test
    void peerAckAnswersAreCountedRefusalsAreControlMessages() {
        parts.forwarding.answerPeerAck(OTHER, 5, session(SELF, 3), Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
        parts.forwarding.refusePeerAck(OTHER, 6, session(SELF, 3), ErrorCode.ACK_TIMEOUT);
        assertEquals(List.of("sb:n:" + OTHER, "sb:n:" + OTHER), parts.redis.channels());
        assertEquals(Envelope.PEER_ACK + "@" + SELF, Parts.head(parts.redis.published.get(0).message()));
        assertEquals(Envelope.REFUSED + "@" + SELF, Parts.head(parts.redis.published.get(1).message()));
        assertEquals(1, parts.state.forwarded.sum());
    }

    @Test
    void envelopesAreReleasedOnceTheCommandCompletes() {
        ByteBuf envelope = Envelope.node(ALLOC, Envelope.NODE_UP, SELF);
        parts.forwarding.publish(Names.ALL, envelope, false);
        assertEquals(0, envelope.refCnt());
        parts.redis.down = true;
        ByteBuf failed = Envelope.node(ALLOC, Envelope.NODE_UP, SELF);
        parts.forwarding.publish(Names.ALL, failed, false);
        assertEquals(0, failed.refCnt());
        assertEquals(0, parts.state.failed.sum(), "control messages are not counted");
    }
}
