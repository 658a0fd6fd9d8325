package io.switchboard.server.rooms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the hub tells a {@link ClusterBroker} and what it does with what the broker hands it, with
 * a recording broker: no Redis, no network.
 */
class RoomHubClusterSeamTest {
    private static final int NODE = 5;

    /** Records every call as text; forwards succeed unless {@link #linkDown}. */
    static final class RecordingBroker implements ClusterBroker {
        final List<String> calls = new ArrayList<>();
        final List<String> forwardedPayloads = new ArrayList<>();
        final List<MemberInfo> remote = new ArrayList<>();
        boolean linkDown;
        ByteBuf answered;
        CompletableFuture<Void> pending;

        @Override
        public void roomOpened(String room) {
            calls.add("opened " + room);
        }

        @Override
        public void roomClosed(String room) {
            calls.add("closed " + room);
        }

        @Override
        public CompletionStage<Void> joined(String room, Member member) {
            calls.add("joined " + room + " " + member.name());
            return pending;
        }

        @Override
        public void left(String room, Member member) {
            calls.add("left " + room + " " + member.name());
        }

        private boolean forward(String what, Event event) {
            calls.add(what);
            if (!linkDown) {
                forwardedPayloads.add(event.content().toString(StandardCharsets.UTF_8));
            }
            return !linkDown;
        }

        @Override
        public boolean forwardToRoom(String room, Event event) {
            return forward("room " + room, event);
        }

        @Override
        public boolean forwardToAll(Event event) {
            return forward("all", event);
        }

        @Override
        public SessionRoute forwardToSession(long sessionId, Event event) {
            if (RoomHub.nodeOf(sessionId) == 99) {
                return SessionRoute.NO_SUCH_NODE;
            }
            return forward("session " + sessionId, event) ? SessionRoute.FORWARDED : SessionRoute.NOT_FORWARDED;
        }

        @Override
        public void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload) {
            calls.add("answer " + originNode + " " + originRelayId + " " + recipientId);
            answered = payload;
        }

        @Override
        public void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code) {
            calls.add("refuse " + originNode + " " + originRelayId + " " + recipientId + " " + code);
        }

        @Override
        public boolean isLocal(long sessionId) {
            return RoomHub.nodeOf(sessionId) == NODE;
        }

        @Override
        public void remoteMembers(String room, List<MemberInfo> into) {
            into.addAll(remote);
        }

        @Override
        public int nodeId() {
            return NODE;
        }

        @Override
        public boolean isUp() {
            return !linkDown;
        }

        @Override
        public long forwarded() {
            return forwardedPayloads.size();
        }

        @Override
        public long forwardFailed() {
            return 0;
        }

        @Override
        public long received() {
            return 0;
        }

        @Override
        public int nodesAlive() {
            return 1;
        }
    }

    /** Keeps what it is handed as frames (decoding is RoomHubTest's business). */
    static final class Recorder implements Member {
        final long id;
        final String name;
        final List<Frame> got = new ArrayList<>();
        final List<Frame> replies = new ArrayList<>();

        Recorder(long id, String name) {
            this.id = id;
            this.name = name;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean deliver(Outbound message) {
            got.add(message.frame());
            return true;
        }

        @Override
        public void deliverReply(Frame reply) {
            if (reply instanceof Ack ack) {
                replies.add(new Ack(ack.requestId(), Unpooled.copiedBuffer(ack.content())));
            } else {
                replies.add(reply);
            }
            ReferenceCountUtil.release(reply);
        }
    }

    private final RecordingBroker broker = new RecordingBroker();
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT, broker);
    private final EmbeddedChannel timer = new EmbeddedChannel();

    @AfterEach
    void release() {
        if (broker.answered != null) {
            broker.answered.release();
        }
        timer.finishAndReleaseAll();
    }

    private static Event roomEvent(long sender, String room, String text) {
        return new Event(0, 0, sender, Target.ROOM, room, "e", Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    @Test
    void sessionIdsCarryTheNodeId() {
        assertEquals(NODE, RoomHub.nodeOf(hub.newSessionId()));
        assertEquals(NODE, RoomHub.nodeOf(hub.newSessionId()));
    }

    @Test
    void brokerHearsFirstJoinEachMemberAndLastLeaveInOrder() {
        Recorder a = new Recorder(hub.newSessionId(), "a");
        Recorder b = new Recorder(hub.newSessionId(), "b");
        hub.join(a, "r", false);
        hub.join(b, "r", false);
        hub.join(b, "r", true); // again: presence choice only, nothing for the broker
        assertNull(hub.leave(a, "r"));
        hub.unregister(b, List.of("r"));
        assertEquals(List.of("opened r", "joined r a", "joined r b", "left r a", "left r b", "closed r"), broker.calls);
    }

    @Test
    void joinReportsWhenTheBrokerIsNotReadyYet() {
        Recorder a = new Recorder(hub.newSessionId(), "a");
        assertNull(hub.join(a, "r", false));
        broker.pending = new CompletableFuture<>();
        Recorder b = new Recorder(hub.newSessionId(), "b");
        assertSame(broker.pending, hub.join(b, "r", false));
        assertNull(hub.join(b, "r", true), "joining again is not news to the broker");
    }

    @Test
    void publishesAreDeliveredHereAndForwarded() {
        Recorder a = new Recorder(hub.newSessionId(), "a");
        Recorder b = new Recorder(hub.newSessionId(), "b");
        hub.register(a);
        hub.register(b);
        hub.join(a, "r", false);
        hub.join(b, "r", false);
        assertNull(hub.publishRoom(a, "r", roomEvent(a.id, "r", "one"), false));
        assertNull(hub.publishAll(a, new Event(0, 0, a.id, Target.ALL, "", "e", Unpooled.copiedBuffer("two",
                StandardCharsets.UTF_8)), false));
        assertEquals(2, b.got.size());
        assertEquals(List.of("one", "two"), broker.forwardedPayloads);

        broker.linkDown = true;
        assertEquals(ErrorCode.NOT_FORWARDED, hub.publishRoom(a, "r", roomEvent(a.id, "r", "three"), false));
        assertEquals(3, b.got.size(), "delivered here all the same");
    }

    @Test
    void sessionsOnOtherNodesGoThroughTheBroker() {
        long remote = 7L << RoomHub.NODE_SHIFT | 1;
        Event dm = new Event(0, 0, 1, Target.SESSION, "", "dm", Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8));
        assertNull(hub.publishSession(remote, dm));
        assertEquals(0, dm.refCnt(), "the hub owns and releases the event");
        assertEquals(List.of("hi"), broker.forwardedPayloads);
        assertEquals(ErrorCode.UNKNOWN_SESSION, hub.publishSession(99L << RoomHub.NODE_SHIFT | 1,
                new Event(0, 0, 1, Target.SESSION, "", "dm", Unpooled.EMPTY_BUFFER)));
        broker.linkDown = true;
        assertEquals(ErrorCode.NOT_FORWARDED, hub.publishSession(remote,
                new Event(0, 0, 1, Target.SESSION, "", "dm", Unpooled.EMPTY_BUFFER)));
        assertFalse(hub.publishToSession(remote, new Event(0, 0, 1, Target.SESSION, "", "dm", Unpooled.EMPTY_BUFFER)));
    }

    @Test
    void remoteTrafficReachesLocalMembersAndMembersListsMerge() {
        Recorder a = new Recorder(hub.newSessionId(), "a");
        hub.register(a);
        hub.join(a, "r", true);
        long remote = 7L << RoomHub.NODE_SHIFT | 3;
        broker.remote.add(new MemberInfo(remote, "far"));
        assertEquals(List.of(new MemberInfo(a.id, "a"), new MemberInfo(remote, "far")), hub.members("r"));

        hub.deliverRemoteRoom("r", roomEvent(remote, "r", "x"));
        hub.deliverRemoteRoom("elsewhere", roomEvent(remote, "elsewhere", "y"));
        hub.deliverRemoteAll(new Event(0, 0, remote, Target.ALL, "", "e", Unpooled.EMPTY_BUFFER));
        hub.deliverRemotePresence(Opcode.JOINED, "r", remote, "far");
        assertEquals(3, a.got.size());
        assertEquals(new Presence(Opcode.JOINED, "r", remote, "far"), a.got.get(2));
        assertTrue(broker.calls.stream().noneMatch(c -> c.startsWith("room") || c.equals("all")),
                "nothing from another node is forwarded again: " + broker.calls);
    }

    /** A PEER_ACK event from another node gets a relay id of this node; the answer goes back to its node. */
    @Test
    void peerAcksRelayAcrossNodes() {
        Recorder a = new Recorder(hub.newSessionId(), "a");
        hub.register(a);
        long publisher = 7L << RoomHub.NODE_SHIFT | 3;
        assertTrue(hub.deliverRemoteSession(a.id, new Event(4242, Flags.PEER_ACK, publisher, Target.SESSION, "", "q",
                Unpooled.EMPTY_BUFFER), 7, Duration.ofSeconds(10), timer.eventLoop()));
        Event got = (Event) a.got.get(0);
        assertTrue(got.requestId() != 0);
        assertTrue(hub.peerAck(a, got.requestId(), Unpooled.copiedBuffer("yes", StandardCharsets.UTF_8)));
        assertEquals(List.of("answer 7 4242 " + a.id), broker.calls);
        assertEquals("yes", broker.answered.toString(StandardCharsets.UTF_8));
        assertFalse(hub.deliverRemoteSession(a.id + 1, new Event(1, Flags.PEER_ACK, publisher, Target.SESSION, "", "q",
                Unpooled.EMPTY_BUFFER), 7, Duration.ofSeconds(10), timer.eventLoop()));

        // And the publisher's side: the answer from the other node, or its refusal.
        Recorder p = new Recorder(hub.newSessionId(), "p");
        long recipient = 7L << RoomHub.NODE_SHIFT | 9;
        int relay = hub.expectPeerAck(p, 11, recipient, Duration.ofSeconds(10), timer.eventLoop());
        assertFalse(hub.remotePeerAck(relay, recipient + 1, Unpooled.EMPTY_BUFFER), "only from the recipient");
        assertTrue(hub.remotePeerAck(relay, recipient, Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8)));
        Ack ack = (Ack) p.replies.get(0);
        assertEquals(11, ack.requestId());
        assertEquals("ok", ack.content().toString(StandardCharsets.UTF_8));
        ack.release();
        int relay2 = hub.expectPeerAck(p, 12, recipient, Duration.ofSeconds(10), timer.eventLoop());
        hub.remotePeerRefused(relay2, recipient, ErrorCode.UNKNOWN_SESSION);
        assertEquals(ErrorCode.UNKNOWN_SESSION.code(), ((ErrorFrame) p.replies.get(1)).code());
        assertEquals(12, ((ErrorFrame) p.replies.get(1)).requestId());
    }
}
