package io.switchboard.server.rooms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Target;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.switchboard.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoomHubTest {
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    /** Every member made by a test, to release what they kept. */
    private final List<TestMember> members = new ArrayList<>();
    /** A timer for peer acks that the test advances by hand. */
    private final EmbeddedChannel timer = new EmbeddedChannel();
    /** Event loops a test started: members said to live on them. */
    private final List<DefaultEventLoop> loops = new ArrayList<>();

    private DefaultEventLoop loop() {
        DefaultEventLoop loop = new DefaultEventLoop();
        loops.add(loop);
        return loop;
    }

    @AfterEach
    void releaseAll() {
        for (DefaultEventLoop loop : loops) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        for (TestMember m : members) {
            m.close();
        }
        timer.finishAndReleaseAll();
    }

    // ---- a member that records what it receives ----

    /** What a member saw of an EVENT, with the payload copied out as text. */
    record SeenEvent(int requestId, int flags, long senderId, Target target, String room, String event, String payload) {
    }

    /** What a member saw of an ACK routed to it. */
    record SeenAck(int requestId, String payload) {
    }

    /**
     * Decodes every framed message it is handed (exercising the shared encoding) and keeps a
     * plain copy; optionally keeps the raw framed bytes too (released in {@link #close()}).
     */
    final class TestMember implements Member {
        final long id;
        final String name;
        final EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        final List<SeenEvent> events = new CopyOnWriteArrayList<>();
        final List<Presence> presence = new CopyOnWriteArrayList<>();
        final List<Object> replies = new CopyOnWriteArrayList<>();
        final List<ByteBuf> raw = new ArrayList<>();
        final List<Outbound> outbounds = new ArrayList<>();
        volatile boolean accept = true;
        boolean keepRaw;
        volatile CountDownLatch repliesLatch;
        /** The loop this member says it lives on ({@code null}: any thread). */
        volatile EventExecutor loop;
        /** The threads deliveries came on. */
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();

        TestMember(long id, String name) {
            this.id = id;
            this.name = name;
            members.add(this);
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
        public EventExecutor executor() {
            return loop;
        }

        @Override
        public boolean deliver(Outbound message) {
            threads.add(Thread.currentThread());
            if (!accept) {
                return false;
            }
            outbounds.add(message);
            ByteBuf bytes = message.framedBytes();
            if (keepRaw) {
                raw.add(bytes.retainedDuplicate());
            }
            decoder.writeInbound(bytes);
            for (Object msg; (msg = decoder.readInbound()) != null; ) {
                try {
                    if (msg instanceof Event) {
                        Event e = (Event) msg;
                        events.add(new SeenEvent(e.requestId(), e.flags(), e.senderId(), e.target(), e.room(),
                                e.event(), e.content().toString(StandardCharsets.UTF_8)));
                    } else if (msg instanceof Presence) {
                        presence.add((Presence) msg);
                    } else {
                        throw new AssertionError("unexpected delivery " + msg);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }
            return true;
        }

        @Override
        public void deliverReply(Frame reply) {
            try {
                if (reply instanceof Ack) {
                    Ack ack = (Ack) reply;
                    replies.add(new SeenAck(ack.requestId(), ack.content().toString(StandardCharsets.UTF_8)));
                } else {
                    replies.add(reply);
                }
            } finally {
                ReferenceCountUtil.release(reply);
            }
            CountDownLatch latch = repliesLatch;
            if (latch != null) {
                latch.countDown();
            }
        }

        void close() {
            for (ByteBuf b : raw) {
                ReferenceCountUtil.safeRelease(b);
            }
            raw.clear();
            assertFalse(decoder.finishAndReleaseAll(), "no partial frame left in " + name + "'s decoder");
        }

        @Override
        public String toString() {
            return name + "#" + id;
        }
    }

    private TestMember member(long id, String name) {
        TestMember m = new TestMember(id, name);
        hub.register(m);
        return m;
    }

    private static ByteBuf text(ByteBufAllocator alloc, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }

    private static ByteBuf text(String s) {
        return text(PooledByteBufAllocator.DEFAULT, s);
    }

    private static Event roomEvent(Member from, String room, String name, ByteBuf payload) {
        return new Event(0, 0, from.id(), Target.ROOM, room, name, payload);
    }

    private static Set<Long> ids(List<MemberInfo> infos) {
        Set<Long> ids = new HashSet<>();
        for (MemberInfo info : infos) {
            ids.add(info.sessionId());
        }
        return ids;
    }

    // ---- rooms ----

    @Test
    void joinCreatesTheRoomAndTheLastLeaveRemovesIt() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        assertEquals(0, hub.roomCount());
        hub.join(a, "lobby", false);
        assertEquals(1, hub.roomCount());
        assertTrue(hub.isMember(a, "lobby"));
        assertFalse(hub.isMember(b, "lobby"));
        hub.join(b, "lobby", false);
        hub.join(b, "other", false);
        assertEquals(2, hub.roomCount());
        assertEquals(3, hub.membershipCount());

        assertNull(hub.leave(a, "lobby"));
        assertEquals(2, hub.roomCount(), "b is still in lobby");
        assertFalse(hub.isMember(a, "lobby"));
        assertNull(hub.leave(b, "lobby"));
        assertEquals(1, hub.roomCount(), "lobby went with its last member");
        assertEquals(List.of(), hub.members("lobby"));
        assertNull(hub.leave(b, "other"));
        assertEquals(0, hub.roomCount());
        assertEquals(0, hub.membershipCount());
    }

    @Test
    void aSelectionPicksTheUnionOfItsTargetsMinusItsExceptionsEachOnce() {
        TestMember a = member(1, "a"); // r1, r2
        TestMember b = member(2, "b"); // r2, x
        TestMember c = member(3, "c"); // r3
        TestMember d = member(4, "d"); // r1
        hub.join(a, "r1", false);
        hub.join(a, "r2", false);
        hub.join(b, "r2", false);
        hub.join(b, "x", false);
        hub.join(c, "r3", false);
        hub.join(d, "r1", false);
        Selection selection = new Selection(false, Set.of("r1", "r2", "nowhere"), Set.of(3L, 99L), Set.of("x"), Set.of(4L));
        assertEquals(Set.of(1L, 3L), memberIds(hub.localRecipients(selection)));
        int n = hub.publishToSelection(selection, new Event(0, Flags.JSON, 7, Target.SESSION, "", "e",
                io.netty.buffer.Unpooled.copiedBuffer("[1]", StandardCharsets.UTF_8)));
        assertEquals(2, n);
        assertEquals(1, a.events.size(), "a is in r1 and r2: once");
        assertEquals(1, c.events.size(), "c by its session id");
        assertEquals(0, b.events.size(), "b is in x");
        assertEquals(0, d.events.size(), "d is excepted by id");
        assertEquals(Flags.JSON, a.events.get(0).flags());
        // Everyone: every registered session but the exceptions.
        assertEquals(Set.of(1L, 3L, 4L), memberIds(hub.localRecipients(new Selection(true, Set.of(), Set.of(), Set.of("x"), Set.of()))));
    }

    private static Set<Long> memberIds(List<Member> members) {
        Set<Long> out = new HashSet<>();
        members.forEach(m -> out.add(m.id()));
        return out;
    }

    @Test
    void joiningTwiceKeepsOneMembership() {
        TestMember a = member(1, "a");
        hub.join(a, "lobby", false);
        hub.join(a, "lobby", true);
        assertEquals(1, hub.membershipCount());
        assertEquals(List.of(new MemberInfo(1, "a")), hub.members("lobby"));
    }

    @Test
    void leaveOfAnUnknownRoomOrARoomNotJoinedIsRefused() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        assertEquals(ErrorCode.UNKNOWN_ROOM, hub.leave(a, "nowhere"));
        hub.join(b, "lobby", false);
        assertEquals(ErrorCode.NOT_JOINED, hub.leave(a, "lobby"));
        assertTrue(hub.isMember(b, "lobby"), "a refused leave changes nothing");
        assertEquals(1, hub.roomCount());
        assertNull(hub.leave(b, "lobby"));
        assertEquals(ErrorCode.UNKNOWN_ROOM, hub.leave(b, "lobby"), "the room is gone now");
    }

    @Test
    void membersListsIdsAndNames() {
        TestMember a = member(1, "alice");
        TestMember b = member(2, "bob");
        TestMember c = member(3, "carol");
        hub.join(a, "lobby", false);
        hub.join(b, "lobby", true);
        hub.join(c, "elsewhere", false);
        assertEquals(Set.of(new MemberInfo(1, "alice"), new MemberInfo(2, "bob")), new HashSet<>(hub.members("lobby")));
        assertEquals(List.of(new MemberInfo(3, "carol")), hub.members("elsewhere"));
        assertEquals(List.of(), hub.members("nowhere"));
    }

    @Test
    void sessionLookupFollowsRegistration() {
        TestMember a = member(1, "a");
        assertSame(a, hub.session(1));
        assertNull(hub.session(2));
        hub.unregister(a, List.of());
        assertNull(hub.session(1));
    }

    @Test
    void unregisteringAnOldMemberDoesNotRemoveItsReplacementWithTheSameId() {
        TestMember old = member(1, "old");
        TestMember replacement = member(1, "new");
        hub.unregister(old, List.of());
        assertSame(replacement, hub.session(1));
    }

    // ---- publishing ----

    @Test
    void publishToRoomReachesEveryOtherMemberOnce() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        TestMember c = member(3, "c");
        TestMember outsider = member(4, "d");
        for (TestMember m : List.of(a, b, c)) {
            hub.join(m, "lobby", false);
        }
        ByteBuf payload = text("hi");
        int n = hub.publishToRoom(a, "lobby", roomEvent(a, "lobby", "greet", payload), false);
        assertEquals(2, n);
        assertEquals(0, payload.refCnt(), "the hub released the event after the fan-out");
        SeenEvent expected = new SeenEvent(0, 0, 1, Target.ROOM, "lobby", "greet", "hi");
        assertEquals(List.of(expected), b.events);
        assertEquals(List.of(expected), c.events);
        assertEquals(List.of(), a.events, "the sender is skipped");
        assertEquals(List.of(), outsider.events);
        assertEquals(2, hub.delivered());
        assertEquals(0, hub.dropped());
    }

    @Test
    void publishToRoomWithIncludeSelfReachesTheSenderToo() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        hub.join(a, "lobby", false);
        hub.join(b, "lobby", false);
        assertEquals(2, hub.publishToRoom(a, "lobby", roomEvent(a, "lobby", "e", text("x")), true));
        assertEquals(1, a.events.size());
        assertEquals(1, b.events.size());
        assertEquals("x", a.events.get(0).payload());
    }

    @Test
    void publishToAMissingRoomReachesNobodyAndReleasesTheEvent() {
        TestMember a = member(1, "a");
        ByteBuf payload = text("lost");
        assertEquals(0, hub.publishToRoom(a, "nowhere", roomEvent(a, "nowhere", "e", payload), true));
        assertEquals(0, payload.refCnt());
        assertEquals(0, hub.delivered());
    }

    @Test
    void aSenderOutsideTheRoomMayPublishToIt() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        hub.join(b, "lobby", false);
        assertEquals(1, hub.publishToRoom(a, "lobby", roomEvent(a, "lobby", "e", text("x")), true));
        assertEquals(1, b.events.size());
        assertEquals(0, a.events.size());
    }

    @Test
    void publishToAllReachesEveryRegisteredSession() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        TestMember c = member(3, "c");
        hub.join(b, "lobby", false); // rooms do not matter
        TestMember unregistered = new TestMember(9, "ghost");
        ByteBuf payload = text("all");
        assertEquals(2, hub.publishToAll(a, new Event(0, 0, 1, Target.ALL, "", "news", payload), false));
        SeenEvent expected = new SeenEvent(0, 0, 1, Target.ALL, "", "news", "all");
        assertEquals(List.of(expected), b.events);
        assertEquals(List.of(expected), c.events);
        assertEquals(List.of(), a.events);
        assertEquals(List.of(), unregistered.events);
        assertEquals(0, payload.refCnt());

        assertEquals(3, hub.publishToAll(a, new Event(0, 0, 1, Target.ALL, "", "news", text("again")), true));
        assertEquals(1, a.events.size());
    }

    @Test
    void publishToSessionReachesOnlyThatSession() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        assertTrue(hub.publishToSession(2, new Event(0, 0, 1, Target.SESSION, "", "dm", text("psst"))));
        assertEquals(List.of(new SeenEvent(0, 0, 1, Target.SESSION, "", "dm", "psst")), b.events);
        assertEquals(List.of(), a.events);
        assertEquals(1, hub.delivered());
    }

    @Test
    void publishToAnUnknownSessionReturnsFalseAndReleasesTheEvent() {
        member(1, "a");
        ByteBuf payload = text("x");
        assertFalse(hub.publishToSession(77, new Event(0, 0, 1, Target.SESSION, "", "dm", payload)));
        assertEquals(0, payload.refCnt());
        assertEquals(0, hub.delivered());
        assertEquals(0, hub.dropped());
    }

    @Test
    void refusedDeliveriesCountAsDropped() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        TestMember slow = member(3, "slow");
        slow.accept = false;
        for (TestMember m : List.of(a, b, slow)) {
            hub.join(m, "lobby", false);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(2, hub.publishToRoom(a, "lobby", roomEvent(a, "lobby", "e", text("n" + i)), false),
                    "recipients counts the attempts, dropped or not");
        }
        assertEquals(5, b.events.size());
        assertEquals(0, slow.events.size());
        assertEquals(5, hub.delivered());
        assertEquals(5, hub.dropped());
        assertTrue(hub.publishToSession(3, new Event(0, 0, 1, Target.SESSION, "", "dm", text("x"))),
                "the session exists even though it dropped the event");
        assertEquals(6, hub.dropped());
        hub.publishToAll(a, new Event(0, 0, 1, Target.ALL, "", "e", text("x")), false);
        assertEquals(6, hub.delivered());
        assertEquals(7, hub.dropped());
    }

    @Test
    void eventsFromOnePublisherArriveInOrder() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        hub.join(a, "r", false);
        hub.join(b, "r", false);
        for (int i = 0; i < 500; i++) {
            hub.publishToRoom(a, "r", roomEvent(a, "r", "e", text(Integer.toString(i))), false);
        }
        assertEquals(500, b.events.size());
        for (int i = 0; i < 500; i++) {
            assertEquals(Integer.toString(i), b.events.get(i).payload());
        }
    }

    // ---- one shared encoding ----

    /** Whether two buffers read the same memory at their reader indexes (not merely equal bytes). */
    private static boolean sameMemory(ByteBuf x, ByteBuf y) {
        if (x.hasMemoryAddress() && y.hasMemoryAddress()) {
            return x.memoryAddress() + x.readerIndex() == y.memoryAddress() + y.readerIndex();
        }
        if (x.hasArray() && y.hasArray()) {
            return x.array() == y.array() && x.arrayOffset() + x.readerIndex() == y.arrayOffset() + y.readerIndex();
        }
        return false;
    }

    private void assertSharedEncoding(ByteBufAllocator alloc) {
        RoomHub shared = new RoomHub(alloc);
        TestMember a = new TestMember(1, "a");
        List<TestMember> recipients = new ArrayList<>();
        shared.register(a);
        shared.join(a, "r", false);
        for (int i = 0; i < 5; i++) {
            TestMember m = new TestMember(10 + i, "m" + i);
            m.keepRaw = true;
            shared.register(m);
            shared.join(m, "r", false);
            recipients.add(m);
        }
        ByteBuf payload = text(alloc, "shared payload");
        assertEquals(5, shared.publishToRoom(a, "r", roomEvent(a, "r", "e", payload), false));

        ByteBuf first = recipients.get(0).raw.get(0);
        boolean addressable = first.hasMemoryAddress() || first.hasArray();
        for (TestMember m : recipients) {
            assertEquals(1, m.raw.size());
            ByteBuf mine = m.raw.get(0);
            assertTrue(!addressable || sameMemory(first, mine), "recipients share one encoding: " + first + " vs " + mine);
            assertEquals(1, m.events.size());
            assertEquals("shared payload", m.events.get(0).payload());
        }
        // The proof that it is one buffer: a change through one duplicate shows in every other.
        int last = first.readerIndex() + first.readableBytes() - 1;
        first.setByte(last, 'X');
        for (TestMember m : recipients) {
            ByteBuf mine = m.raw.get(0);
            assertEquals('X', mine.getByte(mine.readerIndex() + mine.readableBytes() - 1));
        }
        assertSame(recipients.get(0).outbounds.get(0), recipients.get(4).outbounds.get(0),
                "one Outbound for the whole fan-out");

        assertEquals(0, payload.refCnt(), "the payload was copied next to the header once and released");
        List<ByteBuf> kept = new ArrayList<>();
        for (TestMember m : recipients) {
            kept.addAll(m.raw);
            m.close();
            m.raw.clear();
        }
        for (ByteBuf b : kept) {
            assertEquals(0, b.refCnt(), "every duplicate released: " + b);
        }
        assertEquals(0, recipients.get(0).outbounds.get(0).refCnt(), "the Outbound is released after the fan-out");
    }

    @Test
    void aSmallPayloadIsEncodedOnceAndSharedByEveryRecipient() {
        assertSharedEncoding(UnpooledByteBufAllocator.DEFAULT);
    }

    @Test
    void sharingAlsoHoldsForPooledBuffers() {
        assertSharedEncoding(PooledByteBufAllocator.DEFAULT);
    }

    @Test
    void aLargePayloadIsNotCopiedAtAll() {
        TestMember a = member(1, "a");
        List<TestMember> recipients = new ArrayList<>();
        hub.join(a, "r", false);
        for (int i = 0; i < 3; i++) {
            TestMember m = member(10 + i, "m" + i);
            m.keepRaw = true;
            hub.join(m, "r", false);
            recipients.add(m);
        }
        byte[] bytes = new byte[8192];
        Arrays.fill(bytes, (byte) 'p');
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
        payload.retain(); // keep a reference to look at it after the fan-out
        try {
            assertEquals(3, hub.publishToRoom(a, "r", roomEvent(a, "r", "big", payload), false));
            assertTrue(payload.refCnt() > 1, "held by the kept encodings, not copied: refCnt " + payload.refCnt());
            // Change the original payload: every recipient's bytes change with it, so none is a copy.
            payload.setByte(payload.writerIndex() - 1, 'Z');
            for (TestMember m : recipients) {
                ByteBuf mine = m.raw.get(0);
                assertEquals('Z', mine.getByte(mine.writerIndex() - 1), "recipient " + m + " sees the original");
                assertEquals(8192, m.events.get(0).payload().length());
            }
            for (TestMember m : recipients) {
                m.close();
                m.raw.clear();
            }
            assertEquals(1, payload.refCnt(), "only the test's own reference is left");
        } finally {
            payload.release();
        }
        assertEquals(0, payload.refCnt());
    }

    // ---- presence ----

    @Test
    void presenceGoesOnlyToMembersThatAskedAndNotToTheSubject() {
        TestMember watcher = member(1, "watcher");
        TestMember quiet = member(2, "quiet");
        TestMember newcomer = member(3, "newcomer");
        hub.join(watcher, "lobby", true);
        assertEquals(List.of(), watcher.presence, "its own join is not announced to it");
        hub.join(quiet, "lobby", false);
        assertEquals(List.of(new Presence(Opcode.JOINED, "lobby", 2, "quiet")), watcher.presence);

        hub.join(newcomer, "lobby", true);
        assertEquals(List.of(new Presence(Opcode.JOINED, "lobby", 2, "quiet"),
                new Presence(Opcode.JOINED, "lobby", 3, "newcomer")), watcher.presence);
        assertEquals(List.of(), quiet.presence);
        assertEquals(List.of(), newcomer.presence, "no notices about members already there, nor itself");

        hub.join(newcomer, "lobby", true);
        assertEquals(2, watcher.presence.size(), "joining again is not a new JOINED");

        assertNull(hub.leave(quiet, "lobby"));
        Presence left = new Presence(Opcode.LEFT, "lobby", 2, "quiet");
        assertEquals(left, watcher.presence.get(2));
        assertEquals(List.of(left), newcomer.presence);
        assertEquals(List.of(), quiet.presence);
        assertEquals(0, hub.delivered(), "presence notices are not events");
    }

    @Test
    void presenceIsPerRoom() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        hub.join(a, "one", true);
        hub.join(b, "two", false);
        assertEquals(List.of(), a.presence);
        hub.join(b, "one", false);
        assertEquals(List.of(new Presence(Opcode.JOINED, "one", 2, "b")), a.presence);
    }

    @Test
    void theLastMemberLeavingTellsNobody() {
        TestMember a = member(1, "a");
        hub.join(a, "lobby", true);
        assertNull(hub.leave(a, "lobby"));
        assertEquals(List.of(), a.presence);
    }

    @Test
    void unregisterLeavesEveryRoomAndSendsLeft() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        TestMember c = member(3, "c");
        hub.join(a, "one", false);
        hub.join(a, "two", false);
        hub.join(b, "one", true);
        hub.join(c, "two", true);
        hub.join(c, "three", true);
        hub.unregister(a, List.of("one", "two"));
        assertNull(hub.session(1));
        assertFalse(hub.isMember(a, "one"));
        assertFalse(hub.isMember(a, "two"));
        assertEquals(List.of(new Presence(Opcode.LEFT, "one", 1, "a")), b.presence);
        assertEquals(List.of(new Presence(Opcode.LEFT, "two", 1, "a")), c.presence);
        assertEquals(3, hub.roomCount());
        assertFalse(hub.publishToSession(1, new Event(0, 0, 2, Target.SESSION, "", "dm", text("x"))));
        assertEquals(0, hub.publishToRoom(b, "one", roomEvent(b, "one", "e", text("x")), false));
        assertEquals(List.of(), a.events);
    }

    // ---- peer acks ----

    @Test
    void peerAckIsRoutedToTheSenderWithTheOriginalRequestIdAndPayload() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        int relay = hub.expectPeerAck(a, 41, 2, Duration.ofSeconds(5), timer.eventLoop());
        assertTrue(relay != 0);
        assertTrue(hub.publishToSession(2, new Event(relay, Flags.PEER_ACK, 1, Target.SESSION, "", "q", text("?"))));
        assertEquals(List.of(new SeenEvent(relay, Flags.PEER_ACK, 1, Target.SESSION, "", "q", "?")), b.events);

        ByteBuf answer = text("answer");
        assertTrue(hub.peerAck(b, relay, answer));
        assertEquals(List.of(new SeenAck(41, "answer")), a.replies);
        assertEquals(0, answer.refCnt());
        assertEquals(List.of(), b.replies);

        ByteBuf again = text("again");
        assertFalse(hub.peerAck(b, relay, again), "a relay id is answered once");
        assertEquals(0, again.refCnt());

        timer.advanceTimeBy(10, TimeUnit.SECONDS);
        timer.runScheduledPendingTasks();
        assertEquals(1, a.replies.size(), "the timer was cancelled: no ACK_TIMEOUT after the ACK");
    }

    @Test
    void relayIdsAreDistinctAndNeverZero() {
        TestMember a = member(1, "a");
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            int relay = hub.expectPeerAck(a, i, 2, Duration.ofSeconds(5), timer.eventLoop());
            assertTrue(relay != 0);
            assertTrue(seen.add(relay), "relay id " + relay + " reused while pending");
        }
        for (int relay : seen) {
            hub.cancelPeerAck(relay);
        }
    }

    @Test
    void peerAckFromTheWrongMemberOrForAnUnknownIdIsRefusedAndReleased() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        TestMember c = member(3, "c");
        int relay = hub.expectPeerAck(a, 7, 2, Duration.ofSeconds(5), timer.eventLoop());

        ByteBuf fromC = text("not yours");
        assertFalse(hub.peerAck(c, relay, fromC));
        assertEquals(0, fromC.refCnt());
        ByteBuf unknown = text("unknown");
        assertFalse(hub.peerAck(b, relay + 1000, unknown));
        assertEquals(0, unknown.refCnt());
        ByteBuf fromSender = text("self");
        assertFalse(hub.peerAck(a, relay, fromSender), "the sender cannot answer for the recipient");
        assertEquals(0, fromSender.refCnt());
        assertEquals(List.of(), a.replies);

        // The refused attempts did not consume the relay id: the real recipient still can answer.
        assertTrue(hub.peerAck(b, relay, text("ok")));
        assertEquals(List.of(new SeenAck(7, "ok")), a.replies);
    }

    @Test
    void anUnansweredPeerAckTimesOut() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        int relay = hub.expectPeerAck(a, 9, 2, Duration.ofMillis(500), timer.eventLoop());
        timer.advanceTimeBy(400, TimeUnit.MILLISECONDS);
        timer.runScheduledPendingTasks();
        assertEquals(List.of(), a.replies, "not yet");

        timer.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        timer.runScheduledPendingTasks();
        assertEquals(1, a.replies.size());
        ErrorFrame error = assertInstanceOf(ErrorFrame.class, a.replies.get(0));
        assertEquals(9, error.requestId());
        assertEquals(ErrorCode.ACK_TIMEOUT, error.errorCode());
        assertTrue(error.message().contains("500"), error.message());

        ByteBuf late = text("late");
        assertFalse(hub.peerAck(b, relay, late), "too late: the relay id is forgotten");
        assertEquals(0, late.refCnt());
        assertEquals(1, a.replies.size());
    }

    @Test
    void aCancelledPeerAckNeitherTimesOutNorAcceptsAnAnswer() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        int relay = hub.expectPeerAck(a, 3, 2, Duration.ofMillis(100), timer.eventLoop());
        hub.cancelPeerAck(relay);
        hub.cancelPeerAck(relay); // idempotent
        hub.cancelPeerAck(123456); // unknown: ignored
        ByteBuf answer = text("x");
        assertFalse(hub.peerAck(b, relay, answer));
        assertEquals(0, answer.refCnt());
        timer.advanceTimeBy(1, TimeUnit.SECONDS);
        timer.runScheduledPendingTasks();
        assertEquals(List.of(), a.replies);
    }

    @Test
    void timeoutOnARealEventLoop() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            TestMember a = member(1, "a");
            a.repliesLatch = new CountDownLatch(1);
            long start = System.nanoTime();
            hub.expectPeerAck(a, 5, 2, Duration.ofMillis(50), loop);
            assertTrue(a.repliesLatch.await(10, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
            ErrorFrame error = assertInstanceOf(ErrorFrame.class, a.replies.get(0));
            assertEquals(ErrorCode.ACK_TIMEOUT, error.errorCode());
            assertEquals(5, error.requestId());
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void membersOfAnotherEventLoopGetTheirEventsOnThatLoopInPublishOrder() throws Exception {
        DefaultEventLoop here = loop();
        DefaultEventLoop there = loop();
        TestMember publisher = member(1, "publisher");
        publisher.loop = here;
        List<TestMember> near = new ArrayList<>();
        List<TestMember> far = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestMember n = member(10 + i, "near" + i);
            n.loop = here;
            near.add(n);
            TestMember f = member(20 + i, "far" + i);
            f.loop = there;
            far.add(f);
        }
        TestMember anyThread = member(30, "any");
        for (TestMember m : members) {
            hub.join(m, "r", false);
        }
        int events = 200;
        int[] recipients = new int[1];
        here.submit(() -> {
            for (int i = 0; i < events; i++) {
                recipients[0] = hub.publishToRoom(publisher, "r", roomEvent(publisher, "r", "e", text("n" + i)), false);
            }
        }).sync();
        assertEquals(7, recipients[0], "every member but the publisher counts as a recipient");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            expected.add("n" + i);
        }
        for (TestMember m : members) {
            if (m == publisher) {
                continue;
            }
            Await.until(m + " has every event", () -> m.events.size() == events);
            assertEquals(expected, m.events.stream().map(SeenEvent::payload).toList(), m + " in publish order");
        }
        Thread hereThread = here.submit(Thread::currentThread).get();
        Thread thereThread = there.submit(Thread::currentThread).get();
        for (TestMember m : near) {
            assertEquals(Set.of(hereThread), m.threads, m + " served on the publisher's loop");
        }
        for (TestMember m : far) {
            assertEquals(Set.of(thereThread), m.threads, m + " served on its own loop");
        }
        assertEquals(Set.of(hereThread), anyThread.threads, "a member without a loop is served at once");
        assertEquals(7L * events, hub.delivered());
    }

    @Test
    void aBatchReachesEveryMemberInOrderOnItsOwnLoopAndIsEncodedOncePerLoop() throws Exception {
        DefaultEventLoop here = loop();
        DefaultEventLoop there = loop();
        TestMember publisher = member(1, "publisher");
        publisher.loop = here;
        TestMember near = member(2, "near");
        near.loop = here;
        TestMember far = member(3, "far");
        far.loop = there;
        TestMember farToo = member(4, "far too");
        farToo.loop = there;
        TestMember refusing = member(5, "refusing");
        refusing.loop = there;
        refusing.accept = false;
        for (TestMember m : members) {
            hub.join(m, "r", false);
        }
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            events.add(roomEvent(publisher, "r", "e", text("b" + i)));
        }
        ErrorCode failed = here.submit(() -> hub.publishRoom(publisher, "r", events, false)).get();
        assertNull(failed);
        List<String> expected = List.of("b0", "b1", "b2", "b3", "b4");
        for (TestMember m : List.of(near, far, farToo)) {
            Await.until(m + " has the batch", () -> m.events.size() == expected.size());
            assertEquals(expected, m.events.stream().map(SeenEvent::payload).toList(), m + " in publish order");
        }
        Await.until("the refusing member was offered the batch", () -> refusing.threads.size() == 1);
        assertTrue(publisher.events.isEmpty(), "not to the publisher without includeSelf");
        // The members of one loop share one encoding of each message; another loop has its own.
        assertSame(far.outbounds.get(0), farToo.outbounds.get(0));
        assertNotSame(near.outbounds.get(0), far.outbounds.get(0));
        Await.until("counted", () -> hub.delivered() + hub.dropped() == 20);
        assertEquals(15, hub.delivered());
        assertEquals(5, hub.dropped(), "every message a slow consumer refused is counted");
        for (Event e : events) {
            Await.until("released after the fan-out on both loops", () -> e.refCnt() == 0);
        }
    }
    @Test
    void aFanOutSeesEveryJoinAndLeaveBeforeIt() {
        TestMember a = member(1, "a");
        TestMember b = member(2, "b");
        TestMember c = member(3, "c");
        hub.join(a, "r", false);
        hub.join(b, "r", false);
        hub.publishToRoom(a, "r", roomEvent(a, "r", "e", text("1")), false);
        hub.join(c, "r", false);
        hub.publishToRoom(a, "r", roomEvent(a, "r", "e", text("2")), false);
        hub.join(c, "r", true); // again, with presence: the same members
        hub.publishToRoom(a, "r", roomEvent(a, "r", "e", text("3")), false);
        hub.leave(b, "r");
        hub.publishToRoom(a, "r", roomEvent(a, "r", "e", text("4")), false);
        hub.join(b, "r", false);
        hub.publishToRoom(a, "r", roomEvent(a, "r", "e", text("5")), false);
        assertEquals(List.of("1", "2", "3", "5"), b.events.stream().map(SeenEvent::payload).toList());
        assertEquals(List.of("2", "3", "4", "5"), c.events.stream().map(SeenEvent::payload).toList());
        assertTrue(a.events.isEmpty());
    }
}
