package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Leave;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.MembersReply;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Session.MemberPage;
import io.switchboard.server.session.SlowConsumerPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rooms, events and acks through {@link FramedSessionHandler}: several sessions, each on its own
 * {@link EmbeddedChannel}, sharing one {@link RoomHub}. A session's replies and the events other
 * sessions deliver to it are encoded by a {@link FrameEncoder} in its pipeline and decoded again
 * here, as a client would see them.
 */
class FramedRoomsHandlerTest {
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    private final List<Session> sessions = new ArrayList<>();

    @AfterEach
    void releaseAll() {
        for (Session s : sessions) {
            s.close();
        }
    }

    /** What a client saw of an EVENT, with the payload copied out as text. */
    record SeenEvent(int requestId, int flags, long senderId, Target target, String room, String event, String payload) {
    }

    /** One client connection: its channel and a decoder for what the server wrote to it. */
    final class Session {
        long id;
        final EmbeddedChannel channel;
        /** Flushes that reached the channel itself, after consolidation. */
        final FlushCounter flushes = new FlushCounter();
        final EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
        final Queue<Frame> received = new ArrayDeque<>();
        /** A buffer queued by hand to make the channel unwritable; not a frame. */
        ByteBuf clog;

        /** The session handler with the encoder and flush consolidation in front, as the server wires them. */
        Session(long id, ServerConfig config) {
            this.id = id;
            this.channel = new EmbeddedChannel(flushes,
                    new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true),
                    FrameEncoder.INSTANCE, new FramedSessionHandler(id, config.framedConfig(), hub, new Metrics(),
                            Authenticator.of(AuthTokens.of(config.authConfig().token()))));
            sessions.add(this);
        }

        /** The server's own pipeline; the session id is learned from WELCOME. */
        Session(FramedServerInitializer initializer) {
            this.id = -1;
            this.channel = new EmbeddedChannel(flushes, initializer);
            sessions.add(this);
        }

        void send(Frame... frames) {
            channel.writeInbound((Object[]) frames);
        }

        /** Runs the channel's queued tasks (the scheduled flushes) and decodes what was written. */
        Queue<Frame> poll() {
            channel.runPendingTasks();
            for (Object out; (out = channel.readOutbound()) != null; ) {
                if (out == clog) {
                    ReferenceCountUtil.release(out);
                    clog = null;
                    continue;
                }
                decoder.writeInbound(out);
            }
            for (Object frame; (frame = decoder.readInbound()) != null; ) {
                received.add((Frame) frame);
            }
            return received;
        }

        Frame next() {
            Frame frame = poll().poll();
            assertTrue(frame != null, "session " + id + " expected a frame, got nothing");
            return frame;
        }

        <T extends Frame> T next(Class<T> type) {
            Frame frame = next();
            if (!type.isInstance(frame)) {
                ReferenceCountUtil.release(frame);
                throw new AssertionError("session " + id + " expected " + type.getSimpleName() + ", got " + frame);
            }
            return type.cast(frame);
        }

        SeenEvent nextEvent() {
            Event e = next(Event.class);
            try {
                return new SeenEvent(e.requestId(), e.flags(), e.senderId(), e.target(), e.room(), e.event(),
                        e.content().toString(StandardCharsets.UTF_8));
            } finally {
                e.release();
            }
        }

        /** Reads an ACK and returns its payload as text. */
        String nextAck(int requestId) {
            Ack ack = next(Ack.class);
            try {
                assertEquals(requestId, ack.requestId(), ack.toString());
                return ack.content().toString(StandardCharsets.UTF_8);
            } finally {
                ack.release();
            }
        }

        ErrorFrame nextError(int requestId, ErrorCode code) {
            ErrorFrame error = next(ErrorFrame.class);
            assertEquals(requestId, error.requestId(), error.toString());
            assertEquals(code, error.errorCode(), error.toString());
            return error;
        }

        void expectNothing() {
            Frame frame = poll().poll();
            if (frame != null) {
                ReferenceCountUtil.release(frame);
                throw new AssertionError("session " + id + " expected nothing, got " + frame);
            }
        }

        Welcome hello(String name) {
            return hello(name, "");
        }

        Welcome hello(String name, String token) {
            send(new Hello(1, Wire.PROTOCOL_VERSION, name, token));
            Welcome welcome = next(Welcome.class);
            if (id < 0) {
                id = welcome.sessionId();
            }
            assertEquals(id, welcome.sessionId());
            return welcome;
        }

        /** Makes the channel unwritable: a flushed message the embedded "peer" has not taken yet. */
        void clog() {
            int size = channel.config().getWriteBufferHighWaterMark() + 1;
            clog = Unpooled.buffer(size).writeZero(size);
            ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
            out.addMessage(clog, size, channel.newPromise());
            out.addFlush();
            assertFalse(channel.isWritable());
        }

        /** The "peer" takes the clogging message: writable again. */
        void unclog() {
            channel.unsafe().outboundBuffer().removeBytes(clog.readableBytes());
            clog = null;
            assertTrue(channel.isWritable());
        }

        void close() {
            for (Frame frame; (frame = received.poll()) != null; ) {
                ReferenceCountUtil.release(frame);
            }
            channel.finishAndReleaseAll();
            decoder.finishAndReleaseAll();
        }
    }

    /** Counts the flushes that reach the head of the pipeline, and those made while a read batch ends. */
    static final class FlushCounter extends io.netty.channel.ChannelDuplexHandler {
        int count;
        int inReadComplete;
        private boolean readCompleting;

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readCompleting = true;
            try {
                ctx.fireChannelReadComplete();
            } finally {
                readCompleting = false;
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            count++;
            if (readCompleting) {
                inReadComplete++;
            }
            ctx.flush();
        }
    }

    private static ServerConfig.Builder config() {
        return ServerConfig.builder().idleTimeout(Duration.ZERO);
    }

    private Session session(long id) {
        return new Session(id, config().build());
    }

    private Session session(long id, ServerConfig config) {
        return new Session(id, config);
    }

    private Session joined(long id, String name, String room) {
        Session s = session(id);
        s.hello(name);
        s.send(new Join(2, 0, room));
        return s;
    }

    private static ByteBuf text(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return PooledByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
    }

    private static Publish toRoom(int requestId, int flags, String room, String event, ByteBuf payload) {
        return new Publish(requestId, flags, Target.ROOM, room, 0, event, payload);
    }

    private static Publish toSession(int requestId, int flags, long session, String event, ByteBuf payload) {
        return new Publish(requestId, flags, Target.SESSION, "", session, event, payload);
    }

    // ---- JOIN and LEAVE ----

    @Test
    void joinWithAckIsAcknowledgedAndWithoutAckIsSilent() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(5, Flags.ACK, "lobby"));
        assertEquals("", a.nextAck(5));
        a.send(new Join(6, 0, "quiet"));
        a.expectNothing();
        assertEquals(2, hub.roomCount());
        assertEquals(List.of(new MemberInfo(1, "alice")), hub.members("quiet"));
    }

    @Test
    void joinBeforeHelloIsRefused() {
        Session a = session(1);
        a.send(new Join(5, Flags.ACK, "lobby"));
        a.nextError(5, ErrorCode.HANDSHAKE_REQUIRED);
        assertEquals(0, hub.roomCount());
    }

    @Test
    void joinWithAnEmptyNameIsInvalid() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(3, Flags.ACK, ""));
        a.nextError(3, ErrorCode.INVALID_ARGUMENT);
        a.expectNothing();
        assertEquals(0, hub.roomCount());
    }

    @Test
    void roomNamesAreLimitedInUtf8Bytes() {
        Session a = session(1, config().maxRoomNameBytes(8).build());
        a.hello("alice");
        a.send(new Join(3, Flags.ACK, "123456789"));
        ErrorFrame error = a.nextError(3, ErrorCode.NAME_TOO_LONG);
        assertTrue(error.message().contains("9") && error.message().contains("8"), error.message());
        a.send(new Join(4, Flags.ACK, "ééééé")); // 5 characters, 10 bytes
        a.nextError(4, ErrorCode.NAME_TOO_LONG);
        a.send(new Join(5, Flags.ACK, "12345678"), new Join(6, Flags.ACK, "éééé"));
        assertEquals("", a.nextAck(5));
        assertEquals("", a.nextAck(6));
        assertEquals(2, hub.roomCount());
    }

    @Test
    void joiningMoreRoomsThanAllowedIsRefused() {
        Session a = session(1, config().maxRoomsPerSession(2).build());
        a.hello("alice");
        a.send(new Join(1, Flags.ACK, "one"), new Join(2, Flags.ACK, "two"), new Join(3, Flags.ACK, "three"));
        a.nextAck(1);
        a.nextAck(2);
        a.nextError(3, ErrorCode.TOO_MANY_ROOMS);
        assertFalse(hub.isMember(hub.session(1), "three"));

        a.send(new Join(4, Flags.ACK, "one"));
        a.nextAck(4); // joining a room it is in again is not one more
        a.send(new Leave(5, Flags.ACK, "one"), new Join(6, Flags.ACK, "three"));
        a.nextAck(5);
        a.nextAck(6);
        assertEquals(2, hub.membershipCount());
    }

    @Test
    void leaveErrorsAndAck() {
        Session a = session(1);
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        b.send(new Join(1, 0, "lobby"));

        a.send(new Leave(7, Flags.ACK, "nowhere"));
        a.nextError(7, ErrorCode.UNKNOWN_ROOM);
        a.send(new Leave(8, Flags.ACK, "lobby"));
        a.nextError(8, ErrorCode.NOT_JOINED);

        a.send(new Join(9, 0, "lobby"), new Leave(10, Flags.ACK, "lobby"));
        a.nextAck(10);
        a.send(new Leave(11, 0, "lobby"));
        a.nextError(11, ErrorCode.NOT_JOINED);
        b.send(new Leave(2, 0, "lobby"));
        b.expectNothing();
        assertEquals(0, hub.roomCount());
        a.send(new Leave(12, 0, "lobby"));
        a.nextError(12, ErrorCode.UNKNOWN_ROOM);
    }

    // ---- PUBLISH ----

    @Test
    void publishToARoomReachesTheOtherMembersWithSenderRoomEventAndPayload() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        Session c = joined(3, "carol", "elsewhere");
        ByteBuf payload = text("hello room");
        a.send(toRoom(4, 0, "lobby", "chat", payload));
        assertEquals(new SeenEvent(0, 0, 1, Target.ROOM, "lobby", "chat", "hello room"), b.nextEvent());
        b.expectNothing();
        a.expectNothing();
        c.expectNothing();
        assertEquals(0, payload.refCnt());
        assertEquals(1, hub.delivered());
    }

    @Test
    void publishWithIncludeSelfReachesTheSenderToo() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        a.send(toRoom(4, Flags.INCLUDE_SELF, "lobby", "chat", text("echo")));
        SeenEvent expected = new SeenEvent(0, 0, 1, Target.ROOM, "lobby", "chat", "echo");
        assertEquals(expected, a.nextEvent());
        assertEquals(expected, b.nextEvent());
        a.expectNothing();
    }

    @Test
    void publishWithAckIsAcknowledgedAfterDelivery() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        a.send(toRoom(21, Flags.ACK, "lobby", "chat", text("x")));
        assertEquals(1, hub.delivered(), "delivered before the ACK was written");
        assertEquals("", a.nextAck(21));
        assertEquals("x", b.nextEvent().payload());
        a.send(toRoom(22, Flags.ACK, "empty-room", "chat", text("y")));
        assertEquals("", a.nextAck(22), "a publish to a room without members succeeds too");
    }

    @Test
    void publishToARoomWithAnInvalidNameIsRefused() {
        Session a = session(1, config().maxRoomNameBytes(4).build());
        a.hello("alice");
        ByteBuf p1 = text("x");
        ByteBuf p2 = text("y");
        a.send(toRoom(1, Flags.ACK, "", "e", p1), toRoom(2, Flags.ACK, "12345", "e", p2));
        a.nextError(1, ErrorCode.INVALID_ARGUMENT);
        a.nextError(2, ErrorCode.NAME_TOO_LONG);
        assertEquals(0, p1.refCnt());
        assertEquals(0, p2.refCnt());
    }

    @Test
    void eventNameOverTheLimitIsRefused() {
        Session a = session(1, config().maxEventNameBytes(8).build());
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        a.send(new Join(1, 0, "lobby"));
        b.send(new Join(1, 0, "lobby"));
        ByteBuf payload = text("x");
        a.send(toRoom(3, Flags.ACK, "lobby", "123456789", payload));
        a.nextError(3, ErrorCode.NAME_TOO_LONG);
        assertEquals(0, payload.refCnt());
        b.expectNothing();
        a.send(toRoom(4, Flags.ACK, "lobby", "12345678", text("x")));
        a.nextAck(4);
        assertEquals("12345678", b.nextEvent().event());
    }

    @Test
    void payloadOverTheLimitIsRefused() {
        Session a = session(1, config().maxPayloadBytes(16).build());
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        a.send(new Join(1, 0, "lobby"));
        b.send(new Join(1, 0, "lobby"));
        ByteBuf big = text("x".repeat(17));
        a.send(toRoom(3, Flags.ACK, "lobby", "e", big));
        ErrorFrame error = a.nextError(3, ErrorCode.PAYLOAD_TOO_LARGE);
        assertTrue(error.message().contains("17"), error.message());
        assertEquals(0, big.refCnt());
        b.expectNothing();
        a.send(toRoom(4, Flags.ACK, "lobby", "e", text("x".repeat(16))));
        a.nextAck(4);
        assertEquals(16, b.nextEvent().payload().length());
        assertEquals(0, hub.dropped());
    }

    @Test
    void publishToAllReachesEverySessionThatCompletedTheHandshake() {
        Session a = session(1);
        Session b = session(2);
        Session c = session(3);
        Session stranger = session(4); // no HELLO: not registered
        a.hello("alice");
        b.hello("bob");
        c.hello("carol");
        b.send(new Join(1, 0, "lobby")); // rooms do not matter
        a.send(new Publish(5, Flags.ACK, Target.ALL, "", 0, "news", text("extra")));
        a.nextAck(5);
        SeenEvent expected = new SeenEvent(0, 0, 1, Target.ALL, "", "news", "extra");
        assertEquals(expected, b.nextEvent());
        assertEquals(expected, c.nextEvent());
        a.expectNothing();
        stranger.expectNothing();

        a.send(new Publish(6, Flags.INCLUDE_SELF, Target.ALL, "", 0, "news", text("again")));
        assertEquals("again", a.nextEvent().payload());
        assertEquals("again", b.nextEvent().payload());
        assertEquals("again", c.nextEvent().payload());
    }

    @Test
    void publishToASessionReachesOnlyThatSession() {
        Session a = session(1);
        Session b = session(2);
        Session c = session(3);
        a.hello("alice");
        b.hello("bob");
        c.hello("carol");
        a.send(toSession(7, Flags.ACK, 2, "dm", text("psst")));
        a.nextAck(7);
        assertEquals(new SeenEvent(0, 0, 1, Target.SESSION, "", "dm", "psst"), b.nextEvent());
        c.expectNothing();
        a.expectNothing();
    }

    @Test
    void publishToAnUnknownSessionIsRefused() {
        Session a = session(1);
        a.hello("alice");
        ByteBuf payload = text("x");
        a.send(toSession(8, Flags.ACK, 99, "dm", payload));
        ErrorFrame error = a.nextError(8, ErrorCode.UNKNOWN_SESSION);
        assertTrue(error.message().contains("99"), error.message());
        assertEquals(0, payload.refCnt());
        a.expectNothing();
    }

    @Test
    void aClosedSessionIsUnknown() {
        Session a = session(1);
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        b.channel.close();
        a.send(toSession(8, 0, 2, "dm", text("x")));
        a.nextError(8, ErrorCode.UNKNOWN_SESSION);
    }

    @Test
    void peerAckNeedsASessionTarget() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        ByteBuf p1 = text("x");
        ByteBuf p2 = text("y");
        a.send(toRoom(9, Flags.PEER_ACK, "lobby", "e", p1),
                new Publish(10, Flags.PEER_ACK | Flags.ACK, Target.ALL, "", 0, "e", p2));
        a.nextError(9, ErrorCode.INVALID_ARGUMENT);
        a.nextError(10, ErrorCode.INVALID_ARGUMENT);
        assertEquals(0, p1.refCnt());
        assertEquals(0, p2.refCnt());
        b.expectNothing();
    }

    // ---- peer acknowledgements ----

    @Test
    void peerAckRoundTrip() {
        Session a = session(1);
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        a.send(toSession(11, Flags.PEER_ACK | Flags.ACK, 2, "question", text("ready?")));
        a.expectNothing(); // the ACK comes from the peer, not from the server
        SeenEvent event = b.nextEvent();
        assertEquals(Flags.PEER_ACK, event.flags());
        assertNotEquals(0, event.requestId(), "the relay id");
        assertEquals(new SeenEvent(event.requestId(), Flags.PEER_ACK, 1, Target.SESSION, "", "question", "ready?"), event);

        ByteBuf answer = text("ready!");
        b.send(new Ack(event.requestId(), answer));
        b.expectNothing();
        assertEquals("ready!", a.nextAck(11));
        a.expectNothing();

        // Answered: no ACK_TIMEOUT later, and a second answer is unknown.
        a.channel.advanceTimeBy(config().build().peerAckTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        a.channel.runScheduledPendingTasks();
        a.expectNothing();
        b.send(new Ack(event.requestId(), text("again")));
        b.nextError(event.requestId(), ErrorCode.UNKNOWN_ACK);
    }

    @Test
    void peerAckRoundTripThroughTheWireCodec() {
        // The same as above, with B's ACK arriving as bytes (its payload a slice of the read buffer).
        Session a = session(1);
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        b.channel.pipeline().addFirst(new FrameDecoder());
        a.send(toSession(12, Flags.PEER_ACK, 2, "q", text("?")));
        int relay = b.nextEvent().requestId();
        Ack ack = new Ack(relay, text("wire"));
        ByteBuf wire = FrameEncoder.encode(PooledByteBufAllocator.DEFAULT, ack);
        ack.release();
        b.channel.writeInbound(wire);
        assertEquals("wire", a.nextAck(12));
    }

    @Test
    void onlyTheAddresseeMayAnswerAPeerAck() {
        Session a = session(1);
        Session b = session(2);
        Session c = session(3);
        a.hello("alice");
        b.hello("bob");
        c.hello("carol");
        a.send(toSession(13, Flags.PEER_ACK, 2, "q", text("?")));
        int relay = b.nextEvent().requestId();
        ByteBuf forged = text("forged");
        c.send(new Ack(relay, forged));
        c.nextError(relay, ErrorCode.UNKNOWN_ACK);
        assertEquals(0, forged.refCnt());
        a.send(new Ack(relay, text("self")));
        a.nextError(relay, ErrorCode.UNKNOWN_ACK);
        a.expectNothing();
        b.send(new Ack(relay, text("real")));
        assertEquals("real", a.nextAck(13));
    }

    @Test
    void anUnansweredPeerAckTimesOut() {
        Session a = session(1, config().peerAckTimeout(Duration.ofMillis(200)).build());
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        a.send(toSession(14, Flags.PEER_ACK, 2, "q", text("?")));
        int relay = b.nextEvent().requestId();
        a.channel.advanceTimeBy(150, TimeUnit.MILLISECONDS);
        a.channel.runScheduledPendingTasks();
        a.expectNothing();
        a.channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        a.channel.runScheduledPendingTasks();
        ErrorFrame error = a.nextError(14, ErrorCode.ACK_TIMEOUT);
        assertTrue(error.message().contains("200"), error.message());
        assertTrue(a.channel.isOpen(), "ACK_TIMEOUT does not close the connection");

        ByteBuf late = text("late");
        b.send(new Ack(relay, late));
        b.nextError(relay, ErrorCode.UNKNOWN_ACK);
        assertEquals(0, late.refCnt());
        a.expectNothing();
    }

    @Test
    void peerAckToAnUnknownSessionDoesNotTimeOutLater() {
        Session a = session(1, config().peerAckTimeout(Duration.ofMillis(100)).build());
        a.hello("alice");
        a.send(toSession(15, Flags.PEER_ACK, 42, "q", text("?")));
        a.nextError(15, ErrorCode.UNKNOWN_SESSION);
        a.channel.advanceTimeBy(1, TimeUnit.SECONDS);
        a.channel.runScheduledPendingTasks();
        a.expectNothing();
    }

    @Test
    void ackForNothingIsUnknown() {
        Session a = session(1);
        a.hello("alice");
        ByteBuf payload = text("?");
        a.send(new Ack(77, payload));
        a.nextError(77, ErrorCode.UNKNOWN_ACK);
        assertEquals(0, payload.refCnt());
        assertTrue(a.channel.isOpen());
    }

    // ---- MEMBERS and presence ----

    @Test
    void membersListsEveryMemberWithItsHelloName() {
        Session a = joined(1, "alice", "lobby");
        joined(2, "bob", "lobby");
        joined(3, "", "lobby");
        joined(4, "dave", "elsewhere");
        a.send(new Members(30, "lobby"));
        MembersReply reply = a.next(MembersReply.class);
        assertEquals(30, reply.requestId());
        assertEquals("lobby", reply.room());
        assertEquals(new HashSet<>(List.of(new MemberInfo(1, "alice"), new MemberInfo(2, "bob"), new MemberInfo(3, ""))),
                new HashSet<>(reply.members()));
        assertEquals(3, reply.members().size());
    }

    @Test
    void membersComeInPagesInTheOrderOfTheirSessionIds() {
        Session a = joined(5, "e", "lobby");
        for (long id : new long[] {3, 9, 1, 7}) {
            joined(id, "m" + id, "lobby");
        }
        joined(2, "other", "elsewhere");
        a.send(new Members(40, "lobby", 0, 2));
        MembersReply first = a.next(MembersReply.class);
        assertEquals(List.of(new MemberInfo(1, "m1"), new MemberInfo(3, "m3")), first.members());
        assertTrue(first.paged());
        assertEquals(3, first.next());
        a.send(new Members(41, "lobby", first.next(), 2));
        MembersReply second = a.next(MembersReply.class);
        assertEquals(List.of(new MemberInfo(5, "e"), new MemberInfo(7, "m7")), second.members());
        assertEquals(7, second.next());
        a.send(new Members(42, "lobby", second.next(), 2));
        MembersReply last = a.next(MembersReply.class);
        assertEquals(List.of(new MemberInfo(9, "m9")), last.members());
        assertEquals(0, last.next(), "no page after the last");
        a.send(new Members(43, "lobby", 9, 5));
        assertEquals(List.of(), a.next(MembersReply.class).members());
        a.send(new Members(44, "lobby"));
        MembersReply whole = a.next(MembersReply.class);
        assertFalse(whole.paged(), "a whole-room request gets the original answer");
        assertEquals(5, whole.members().size());
    }

    @Test
    void aMembersPageOrdersSessionIdsUnsigned() {
        List<MemberInfo> all = List.of(new MemberInfo(-1L, "top"), new MemberInfo(2, "two"), new MemberInfo(Long.MIN_VALUE, "mid"));
        MemberPage page = MemberPage.of(all, 2, 1);
        assertEquals(List.of(new MemberInfo(Long.MIN_VALUE, "mid")), page.members());
        assertEquals(Long.MIN_VALUE, page.next());
        page = MemberPage.of(all, Long.MIN_VALUE, 1);
        assertEquals(List.of(new MemberInfo(-1L, "top")), page.members());
        assertEquals(0, page.next());
    }

    @Test
    void membersOfARoomNotJoinedIsRefused() {
        Session a = session(1);
        a.hello("alice");
        joined(2, "bob", "lobby");
        a.send(new Members(31, "lobby"), new Members(32, "nowhere"));
        a.nextError(31, ErrorCode.NOT_JOINED);
        a.nextError(32, ErrorCode.NOT_JOINED);
    }

    @Test
    void presenceNoticesGoToMembersThatAskedForThem() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(1, Flags.PRESENCE | Flags.ACK, "lobby"));
        a.nextAck(1);
        a.expectNothing();
        Session quiet = joined(3, "quiet", "lobby");
        assertEquals(new Presence(Opcode.JOINED, "lobby", 3, "quiet"), a.next(Presence.class));

        Session b = joined(2, "bob", "lobby");
        assertEquals(new Presence(Opcode.JOINED, "lobby", 2, "bob"), a.next(Presence.class));
        b.send(new Leave(3, 0, "lobby"));
        assertEquals(new Presence(Opcode.LEFT, "lobby", 2, "bob"), a.next(Presence.class));
        b.expectNothing();
        quiet.expectNothing();

        b.send(new Join(4, 0, "lobby"));
        assertEquals(Opcode.JOINED, a.next(Presence.class).opcode());
        b.channel.close();
        assertEquals(new Presence(Opcode.LEFT, "lobby", 2, "bob"), a.next(Presence.class));
        a.expectNothing();
        quiet.expectNothing();
        assertEquals(new HashSet<>(List.of(new MemberInfo(1, "alice"), new MemberInfo(3, "quiet"))),
                new HashSet<>(hub.members("lobby")));
        assertNull(hub.session(2));
    }

    @Test
    void joiningAgainChangesWhetherTheMemberSeesPresence() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(1, Flags.PRESENCE | Flags.ACK, "lobby"));
        a.nextAck(1);
        a.send(new Join(2, Flags.ACK, "lobby")); // still a member, no longer watching
        a.nextAck(2);
        Session b = joined(2, "bob", "lobby");
        a.expectNothing(); // deliveries on an embedded channel are synchronous: a notice would be here
        a.send(new Join(3, Flags.PRESENCE | Flags.ACK, "lobby"));
        a.nextAck(3);
        b.send(new Leave(3, 0, "lobby"));
        assertEquals(new Presence(Opcode.LEFT, "lobby", 2, "bob"), a.next(Presence.class));
        a.send(new Leave(4, Flags.ACK, "lobby"));
        a.nextAck(4);
        joined(3, "carol", "lobby");
        a.expectNothing();
    }

    // ---- answers that come at once instead of at a timeout (issue: defects found from outside) ----

    @Test
    void aPeerAckFailsAtOnceWhenTheRecipientDisconnects() {
        Session a = session(1, config().peerAckTimeout(Duration.ofSeconds(30)).build());
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        a.send(toSession(21, Flags.PEER_ACK, 2, "q", text("?")));
        b.nextEvent();
        a.expectNothing();
        b.channel.close();
        ErrorFrame error = a.nextError(21, ErrorCode.ACK_TIMEOUT);
        assertTrue(error.message().contains("ended before it acknowledged"), error.message());
        a.channel.advanceTimeBy(31, TimeUnit.SECONDS);
        a.channel.runScheduledPendingTasks();
        a.expectNothing(); // and not a second time at the timeout
    }

    @Test
    void aPeerAckEventDroppedForASlowConsumerFailsItsPublisherAtOnce() {
        Session a = session(1, config().peerAckTimeout(Duration.ofSeconds(30)).build());
        Session b = session(2);
        a.hello("alice");
        b.hello("bob");
        b.clog();
        a.send(toSession(22, Flags.PEER_ACK, 2, "q", text("?")));
        ErrorFrame error = a.nextError(22, ErrorCode.ACK_TIMEOUT);
        assertTrue(error.message().contains("slow consumer"), error.message());
        assertEquals(1, hub.dropped());
        b.unclog();
        b.expectNothing();
    }

    @Test
    void joinedAndLeftFromAClientAreRefusedWithTheirRequestId() {
        Session a = session(1);
        a.hello("alice");
        // Through the wire codec: the decoder keeps the request id a client put in the header.
        EmbeddedChannel wire = new EmbeddedChannel(new FrameDecoder());
        wire.writeInbound(FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, new Presence(Opcode.JOINED, "r", 7, "x", 31)),
                FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, new Presence(Opcode.LEFT, "r", 7, "x", 32)));
        a.send((Frame) wire.readInbound(), (Frame) wire.readInbound());
        assertFalse(wire.finish());
        a.nextError(31, ErrorCode.UNEXPECTED_OPCODE);
        a.nextError(32, ErrorCode.UNEXPECTED_OPCODE);
    }

    @Test
    void presenceNoticesDroppedForASlowConsumerAreCounted() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(1, Flags.PRESENCE | Flags.ACK, "lobby"));
        a.nextAck(1);
        a.clog();
        joined(2, "bob", "lobby");
        assertEquals(1, hub.dropped(), "the JOINED notice alice could not take");
        assertEquals(0, hub.delivered());
        a.unclog();
        a.expectNothing();
    }

    @Test
    void closingASessionLeavesAllItsRooms() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(1, Flags.PRESENCE, "one"), new Join(2, Flags.PRESENCE, "two"));
        Session b = session(2);
        b.hello("bob");
        b.send(new Join(1, 0, "one"), new Join(2, 0, "two"), new Join(3, 0, "three"));
        assertEquals(Opcode.JOINED, a.next(Presence.class).opcode());
        assertEquals(Opcode.JOINED, a.next(Presence.class).opcode());
        b.channel.close();
        List<String> left = new ArrayList<>();
        left.add(a.next(Presence.class).room());
        left.add(a.next(Presence.class).room());
        assertEquals(new HashSet<>(List.of("one", "two")), new HashSet<>(left));
        assertEquals(2, hub.roomCount(), "room three went with its only member");
        assertEquals(2, hub.membershipCount());
    }

    // ---- auth ----

    @Test
    void helloWithoutTheTokenFailsAndCloses() {
        Session a = session(1, config().authToken("s3cret").build());
        a.send(new Hello(1, Wire.PROTOCOL_VERSION, "alice", ""));
        ErrorFrame error = a.nextError(1, ErrorCode.AUTH_FAILED);
        assertFalse(error.message().contains("s3cret"));
        a.channel.runPendingTasks();
        assertFalse(a.channel.isOpen());
        assertNull(hub.session(1));
    }

    @Test
    void helloWithAWrongTokenFailsAndCloses() {
        Session a = session(1, config().authToken("s3cret").build());
        a.send(new Hello(1, Wire.PROTOCOL_VERSION, "alice", "s3cret!"));
        ErrorFrame error = a.nextError(1, ErrorCode.AUTH_FAILED);
        assertFalse(error.message().contains("s3cret"));
        a.channel.runPendingTasks();
        assertFalse(a.channel.isOpen());
        assertNull(hub.session(1));
    }

    @Test
    void helloWithTheRightTokenIsWelcome() {
        Session a = session(1, config().authToken("s3cret").build());
        a.hello("alice", "s3cret");
        assertTrue(a.channel.isOpen());
        a.send(new Join(2, Flags.ACK, "lobby"));
        a.nextAck(2);
    }

    // ---- ordering and slow consumers ----

    @Test
    void aThousandEventsArriveInOrder() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        int total = 1000;
        int batch = 100; // one read batch of the publisher, then the receiver's loop runs
        for (int start = 0; start < total; start += batch) {
            Frame[] frames = new Frame[batch];
            for (int i = 0; i < batch; i++) {
                frames[i] = toRoom(0, 0, "lobby", "n", text(Integer.toString(start + i)));
            }
            a.send(frames);
            b.poll();
        }
        for (int i = 0; i < total; i++) {
            assertEquals(Integer.toString(i), b.nextEvent().payload());
        }
        b.expectNothing();
        assertEquals(total, hub.delivered());
        assertEquals(0, hub.dropped());
    }

    /** Buffers written to {@code s}'s channel since its last poll, left in place (not decoded). */
    private static int buffersWritten(Session s) {
        s.channel.runPendingTasks();
        return s.channel.outboundMessages().size();
    }

    @Test
    void aBurstOfPublishesReachesEachMemberInOneWriteAndIsAnsweredInOrder() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        Session c = joined(3, "carol", "lobby");
        b.poll();
        c.poll();
        Frame[] burst = new Frame[8];
        for (int i = 0; i < burst.length; i++) {
            burst[i] = toRoom(10 + i, Flags.ACK, "lobby", "n", text("e" + i));
        }
        a.send(burst); // one read batch
        assertEquals(1, buffersWritten(b), "eight events, one buffer");
        assertEquals(1, buffersWritten(c));
        for (int i = 0; i < burst.length; i++) {
            assertEquals(new SeenEvent(0, 0, 1, Target.ROOM, "lobby", "n", "e" + i), b.nextEvent());
            assertEquals("e" + i, c.nextEvent().payload());
        }
        for (int i = 0; i < burst.length; i++) {
            a.nextAck(10 + i);
        }
        a.expectNothing();
        b.expectNothing();
        assertEquals(16, hub.delivered());
    }

    @Test
    void aBurstIsPublishedBeforeTheNextOtherRequestIsAnswered() {
        Session a = session(1, config().maxEventNameBytes(8).build());
        a.hello("alice");
        a.send(new Join(1, Flags.ACK, "lobby"));
        a.nextAck(1);
        Session b = joined(2, "bob", "lobby");
        ByteBuf refused = text("r");
        a.send(toRoom(2, Flags.ACK, "lobby", "e", text("p2")),
                toRoom(3, Flags.ACK, "lobby", "e", text("p3")),
                new Join(4, Flags.ACK, "other"),
                toRoom(5, Flags.ACK, "lobby", "e", text("p5")),
                toRoom(6, Flags.ACK, "lobby", "123456789", refused),
                toRoom(7, Flags.ACK, "lobby", "e", text("p7")),
                new Members(8, "other"));
        a.nextAck(2);
        a.nextAck(3);
        a.nextAck(4);
        a.nextAck(5);
        a.nextError(6, ErrorCode.NAME_TOO_LONG);
        a.nextAck(7);
        assertEquals(List.of(new MemberInfo(1, "alice")), a.next(MembersReply.class).members());
        for (String p : List.of("p2", "p3", "p5", "p7")) {
            assertEquals(p, b.nextEvent().payload());
        }
        b.expectNothing();
        assertEquals(0, refused.refCnt());
    }

    @Test
    void aBurstEndsAtAnotherRoomOrOtherFlagsAndKeepsPublishOrderForEveryMember() {
        Session a = session(1);
        a.hello("alice");
        a.send(new Join(1, 0, "x"), new Join(2, 0, "y"));
        Session both = session(2);
        both.hello("bob");
        both.send(new Join(1, 0, "x"), new Join(2, 0, "y"));
        both.poll();
        a.send(toRoom(0, 0, "x", "e", text("1")), toRoom(0, 0, "x", "e", text("2")),
                toRoom(0, 0, "y", "e", text("3")), toRoom(0, Flags.INCLUDE_SELF, "y", "e", text("4")),
                toRoom(0, 0, "x", "e", text("5")), toSession(0, 0, 2, "e", text("6")), toRoom(0, 0, "x", "e", text("7")));
        assertEquals(6, buffersWritten(both), "buffers: [1 2] [3] [4] [5] [6] [7], the direct event alone");
        for (String p : List.of("1", "2", "3", "4", "5", "6", "7")) {
            assertEquals(p, both.nextEvent().payload());
        }
        assertEquals("4", a.nextEvent().payload(), "only the INCLUDE_SELF one back to the publisher");
        a.expectNothing();
    }

    @Test
    void aBurstLongerThanTheLimitIsSplit() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        b.poll();
        Frame[] frames = new Frame[FramedSessionHandler.MAX_BURST + 1];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = toRoom(0, 0, "lobby", "n", text(Integer.toString(i)));
        }
        a.send(frames);
        assertEquals(2, buffersWritten(b));
        for (int i = 0; i < frames.length; i++) {
            assertEquals(Integer.toString(i), b.nextEvent().payload());
        }
    }

    @Test
    void aBurstStopsAtItsPayloadBytes() {
        ServerConfig big = config().maxPayloadBytes(48 * 1024).build();
        Session a = session(1, big);
        Session b = session(2, big);
        a.hello("alice");
        b.hello("bob");
        a.send(new Join(1, 0, "lobby"));
        b.send(new Join(1, 0, "lobby"));
        b.poll();
        int size = FramedSessionHandler.MAX_BURST_BYTES / 2 - 100;
        a.send(toRoom(0, 0, "lobby", "n", text("1".repeat(size))), toRoom(0, 0, "lobby", "n", text("2".repeat(size))),
                toRoom(0, 0, "lobby", "n", text("3".repeat(size))));
        assertEquals(2, buffersWritten(b), "[1 2] within the bytes of a burst, [3] apart");
        for (String p : List.of("1", "2", "3")) {
            assertEquals(p.repeat(size), b.nextEvent().payload());
        }
    }

    @Test
    void aRequestTheRateLimitAnswersComesAfterTheBurstBeforeIt() {
        ServerConfig limited = config().rateLimit(1).rateBurst(5).build();
        Metrics metrics = new Metrics();
        FramedServerInitializer initializer = new FramedServerInitializer(limited.framedConfig(), hub, metrics, null,
                Authenticator.of(AuthTokens.none()), new io.switchboard.server.limits.Admission(
                        new io.switchboard.server.limits.Limits(limited.limitsConfig(), metrics),
                        new io.switchboard.server.lifecycle.Connections()));
        Session a = new Session(initializer);
        a.hello("alice"); // the first of the five tokens
        Frame[] frames = new Frame[8];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = toRoom(i + 1, Flags.ACK, "r", "n", text("e" + i));
        }
        a.send(frames); // one read batch: 1-4 wait in a burst when 5 is refused by the rate
        for (int id = 1; id <= 4; id++) {
            a.nextAck(id);
        }
        for (int id = 5; id <= 8; id++) {
            a.nextError(id, ErrorCode.RATE_LIMITED);
        }
        a.expectNothing();
    }

    @Test
    void aSlowConsumerLosesAWholeBurstAndEveryEventOfItIsCounted() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        Session c = joined(3, "carol", "lobby");
        b.clog();
        a.send(toRoom(0, 0, "lobby", "n", text("e0")), toRoom(0, 0, "lobby", "n", text("e1")),
                toRoom(0, 0, "lobby", "n", text("e2")));
        assertEquals(3, hub.dropped());
        assertEquals(3, hub.delivered());
        assertEquals("e0", c.nextEvent().payload());
        assertEquals("e1", c.nextEvent().payload());
        assertEquals("e2", c.nextEvent().payload());
        b.unclog();
        b.expectNothing();
    }

    /** A session on the server's own pipeline that said HELLO and joined "lobby". */
    private Session inTheLobby(FramedServerInitializer initializer, String name) {
        Session s = new Session(initializer);
        s.hello(name);
        s.send(new Join(1, Flags.ACK, "lobby"));
        s.nextAck(1);
        return s;
    }

    /** Bytes in the channel's outbound buffer: what has been written into its pipeline and not yet taken. */
    private static long queued(Session s) {
        return s.channel.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    @Test
    void aMemberHoldsWhatFanOutsHandItAndWritesItAllInOneTaskWithOneFlush() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        b.poll();
        a.send(toRoom(0, 0, "lobby", "n", text("e0")), toRoom(0, 0, "lobby", "n", text("e1")));
        a.send(toRoom(0, 0, "lobby", "n", text("e2")));
        a.send(toRoom(0, 0, "lobby", "n", text("e3")), toRoom(0, 0, "lobby", "n", text("e4")));
        assertEquals(0, queued(b), "three fan-outs, nothing written into bob's pipeline yet");
        assertEquals(0, b.channel.outboundMessages().size());
        assertEquals(5, hub.delivered(), "handed over all the same");
        int flushes = b.flushes.count;
        b.channel.runPendingTasks();
        assertEquals(3, b.channel.outboundMessages().size(), "two bursts and an event, in one task");
        assertEquals(flushes + 1, b.flushes.count, "and one flush");
        for (int i = 0; i < 5; i++) {
            assertEquals("e" + i, b.nextEvent().payload());
        }
        b.expectNothing();
    }

    @Test
    void aReplyComesAfterTheEventsHeldBeforeIt() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        b.poll();
        a.send(toRoom(0, 0, "lobby", "n", text("first")));
        assertEquals(0, queued(b));
        b.send(PayloadFrame.of(Opcode.PING, 7, text("p"))); // answered before bob's task runs
        List<Object> written = new ArrayList<>(b.channel.outboundMessages());
        assertEquals(2, written.size(), "the event, then the PONG");
        assertEquals("first", b.nextEvent().payload());
        PayloadFrame pong = b.next(PayloadFrame.class);
        assertEquals(Opcode.PONG, pong.opcode());
        assertEquals(7, pong.requestId());
        pong.release();
        b.expectNothing();
    }

    @Test
    void aFullHoldIsWrittenAtOnce() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        b.poll();
        for (int i = 0; i < FramedSessionHandler.MAX_HELD - 1; i++) {
            a.send(toRoom(0, 0, "lobby", "n", text("e" + i))); // one read batch each: one held event each
        }
        assertEquals(0, queued(b));
        assertEquals(0, b.channel.outboundMessages().size());
        a.send(toRoom(0, 0, "lobby", "n", text("e" + (FramedSessionHandler.MAX_HELD - 1))));
        assertEquals(FramedSessionHandler.MAX_HELD, b.channel.outboundMessages().size(),
                "the " + FramedSessionHandler.MAX_HELD + "th event writes and flushes the hold, without a task");
        for (int i = 0; i < FramedSessionHandler.MAX_HELD; i++) {
            assertEquals("e" + i, b.nextEvent().payload());
        }

        ByteBuf big = PooledByteBufAllocator.DEFAULT.buffer(FramedSessionHandler.MAX_HELD_BYTES)
                .writeZero(FramedSessionHandler.MAX_HELD_BYTES);
        a.send(toRoom(0, 0, "lobby", "big", big));
        assertEquals(1, b.channel.outboundMessages().size(), "so does an event of the most bytes held");
        assertEquals("big", b.nextEvent().event());
        b.expectNothing();
    }

    @Test
    void aPublisherGetsItsOwnEventWithNothingElseToFlushIt() {
        FramedServerInitializer initializer = new FramedServerInitializer(config().build().framedConfig(), hub, new Metrics());
        Session a = inTheLobby(initializer, "alice");
        a.send(toRoom(0, Flags.INCLUDE_SELF, "lobby", "n", text("mine"))); // no ACK: no reply to flush it
        assertEquals("mine", a.nextEvent().payload());
        a.send(toRoom(0, Flags.INCLUDE_SELF, "lobby", "n", text("one")), toRoom(0, Flags.INCLUDE_SELF, "lobby", "n", text("two")));
        assertEquals("one", a.nextEvent().payload());
        assertEquals("two", a.nextEvent().payload());
        a.expectNothing();
    }

    @Test
    void whatAClosedConnectionHeldIsReleased() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        b.poll();
        ByteBuf payload = text("held");
        a.send(toRoom(0, 0, "lobby", "n", payload.retain()), toRoom(0, 0, "lobby", "n", text("too")));
        assertTrue(payload.refCnt() > 1, "held by bob's connection");
        b.channel.close();
        b.channel.runPendingTasks();
        assertEquals(1, payload.refCnt(), "released with the connection (ours is the one left)");
        payload.release();
    }

    @Test
    void theRepliesToABurstLeaveInTheReadBatchsOwnFlush() {
        FramedServerInitializer initializer = new FramedServerInitializer(config().build().framedConfig(), hub, new Metrics());
        Session a = inTheLobby(initializer, "alice");
        Session b = inTheLobby(initializer, "bob");
        int flushes = a.flushes.count;
        int inReadComplete = a.flushes.inReadComplete;
        a.send(toRoom(2, Flags.ACK, "lobby", "n", text("x")), toRoom(3, Flags.ACK, "lobby", "n", text("y")));
        assertEquals(flushes + 1, a.flushes.count, "one flush for the read batch");
        assertEquals(inReadComplete + 1, a.flushes.inReadComplete,
                "made as the read batch ends, not by a task after every member's flush");
        a.nextAck(2);
        a.nextAck(3);
        assertEquals("x", b.nextEvent().payload());
        assertEquals("y", b.nextEvent().payload());
    }

    @Test
    void aBurstIsCountedAsItsEventsInTheSessionsTraffic() {
        FramedServerInitializer initializer = new FramedServerInitializer(config().build().framedConfig(), hub, new Metrics());
        Session a = inTheLobby(initializer, "alice");
        Session b = inTheLobby(initializer, "bob");
        io.switchboard.server.session.Session bob = (io.switchboard.server.session.Session) hub.session(b.id);
        b.channel.runPendingTasks();
        var before = bob.counters().snapshot();
        a.send(toRoom(0, 0, "lobby", "n", text("one")), toRoom(0, 0, "lobby", "n", text("two")),
                toRoom(0, 0, "lobby", "n", text("three")));
        b.channel.runPendingTasks();
        int bytes = b.channel.outboundMessages().stream().mapToInt(m -> ((ByteBuf) m).readableBytes()).sum();
        var after = bob.counters().snapshot();
        assertEquals(3, after.messagesOut() - before.messagesOut(), "three events, not one buffer");
        assertEquals(bytes, after.bytesOut() - before.bytesOut());
        assertEquals("one", b.nextEvent().payload());
        assertEquals("two", b.nextEvent().payload());
        assertEquals("three", b.nextEvent().payload());
    }

    @Test
    void slowConsumerEventsAreDroppedUnderTheDropPolicy() {
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        Session c = joined(3, "carol", "lobby");
        b.clog();
        long pending = b.channel.unsafe().outboundBuffer().totalPendingWriteBytes();
        for (int i = 0; i < 5; i++) {
            a.send(toRoom(0, 0, "lobby", "n", text("e" + i)));
        }
        assertEquals(5, hub.dropped());
        assertEquals(5, hub.delivered());
        for (int i = 0; i < 5; i++) {
            assertEquals("e" + i, c.nextEvent().payload(), "other members still receive");
        }
        assertTrue(b.channel.isOpen(), "DROP keeps the connection");
        assertEquals(pending, b.channel.unsafe().outboundBuffer().totalPendingWriteBytes(),
                "nothing was queued behind the clog");

        b.unclog();
        a.send(toRoom(0, 0, "lobby", "n", text("after")));
        assertEquals("after", b.nextEvent().payload());
        b.expectNothing();
        assertEquals("after", c.nextEvent().payload());
        assertEquals(5, hub.dropped());
    }

    @Test
    void slowConsumerIsDisconnectedUnderTheDisconnectPolicy() {
        ServerConfig disconnect = config().slowConsumerPolicy(SlowConsumerPolicy.DISCONNECT).build();
        Session a = session(1, disconnect);
        Session b = session(2, disconnect);
        Session c = session(3, disconnect);
        a.hello("alice");
        b.hello("bob");
        c.hello("carol");
        a.send(new Join(1, 0, "lobby"));
        b.send(new Join(1, 0, "lobby"));
        c.send(new Join(1, Flags.PRESENCE, "lobby"));
        b.clog();
        a.send(toRoom(0, 0, "lobby", "n", text("e0")), toRoom(0, 0, "lobby", "n", text("e1")));
        assertEquals(2, hub.dropped());
        assertEquals("e0", c.nextEvent().payload());
        assertEquals("e1", c.nextEvent().payload());

        ErrorFrame error = b.nextError(0, ErrorCode.SLOW_CONSUMER);
        assertTrue(error.message().contains(Integer.toString(disconnect.writeBufferHighWaterMark())), error.message());
        b.expectNothing();
        b.channel.runPendingTasks();
        assertFalse(b.channel.isOpen());
        assertNull(hub.session(2));
        assertEquals(new Presence(Opcode.LEFT, "lobby", 2, "bob"), c.next(Presence.class));

        a.send(toRoom(0, 0, "lobby", "n", text("e2")));
        assertEquals("e2", c.nextEvent().payload());
        assertEquals(2, hub.dropped(), "b is gone, not dropping");
        assertEquals(new HashSet<>(List.of(new MemberInfo(1, "alice"), new MemberInfo(3, "carol"))),
                new HashSet<>(hub.members("lobby")));
    }

    @Test
    void everythingReceivedIsReleased() {
        // A release check across the whole flow: every payload the sessions were handed is freed.
        Session a = joined(1, "alice", "lobby");
        Session b = joined(2, "bob", "lobby");
        List<ReferenceCounted> payloads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteBuf p = text("p" + i);
            payloads.add(p);
            a.send(toRoom(i, Flags.ACK | Flags.INCLUDE_SELF, "lobby", "e", p));
        }
        ByteBuf large = PooledByteBufAllocator.DEFAULT.directBuffer(4096).writeZero(4096);
        payloads.add(large);
        a.send(toRoom(9, 0, "lobby", "big", large));
        assertTrue(large.refCnt() > 0, "a large payload is not copied: the unflushed write still holds it");
        a.poll();
        b.poll();
        for (ReferenceCounted p : payloads) {
            assertEquals(0, p.refCnt(), "released once written: " + p);
        }
        assertEquals(4096, b.received.stream().filter(f -> f instanceof Event && ((Event) f).event().equals("big"))
                .mapToInt(f -> ((Event) f).content().readableBytes()).sum());
    }

    // ---- flushing and the server's own pipeline ----

    @Test
    void repliesToOneReadBatchAreFlushedOnce() {
        Session a = session(1);
        a.hello("alice");
        int before = a.flushes.count;
        a.send(new Join(1, Flags.ACK, "one"), new Join(2, Flags.ACK, "two"), new Join(3, Flags.ACK, "three"),
                new Members(4, "one"));
        assertEquals(before + 1, a.flushes.count, "one flush at the end of the read batch");
        a.nextAck(1);
        a.nextAck(2);
        a.nextAck(3);
        a.next(MembersReply.class);
    }

    @Test
    void theServerPipelineRoutesEventsBetweenSessions() {
        FramedServerInitializer initializer = new FramedServerInitializer(config().build().framedConfig(), hub, new Metrics());
        Session a = new Session(initializer);
        Session b = new Session(initializer);
        a.hello("alice");
        b.hello("bob");
        assertNotEquals(a.id, b.id);
        a.send(new Join(1, Flags.ACK | Flags.PRESENCE, "lobby"));
        a.nextAck(1);
        b.send(new Join(1, Flags.ACK, "lobby"));
        b.nextAck(1);
        assertEquals(new Presence(Opcode.JOINED, "lobby", b.id, "bob"), a.next(Presence.class));
        b.send(toRoom(2, Flags.ACK, "lobby", "chat", text("hi")));
        b.nextAck(2);
        assertEquals(new SeenEvent(0, 0, b.id, Target.ROOM, "lobby", "chat", "hi"), a.nextEvent());
        a.send(toSession(3, Flags.PEER_ACK, b.id, "q", text("?")));
        SeenEvent question = b.nextEvent();
        b.send(new Ack(question.requestId(), text("!")));
        assertEquals("!", a.nextAck(3));
        b.channel.close();
        assertEquals(new Presence(Opcode.LEFT, "lobby", b.id, "bob"), a.next(Presence.class));
        a.expectNothing();
    }
}
