package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Backpressure;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.rooms.ClusterBroker;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.SessionTestAccess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A JOIN that waits for the cluster parks the session's later input: reading stops, and nothing
 * but the join's completion starts it again (a writability change does not), the parked
 * requests are answered in order after the join, and the parked queue is bounded.
 */
class FramedParkingTest {
    /** A broker whose first-member joins complete when the test says so. */
    static final class PendingBroker implements ClusterBroker {
        final CompletableFuture<Void> pending = new CompletableFuture<>();

        @Override public void roomOpened(String room) { }
        @Override public void roomClosed(String room) { }
        @Override public CompletionStage<Void> joined(String room, Member member) { return pending; }
        @Override public void left(String room, Member member) { }
        @Override public boolean forwardToRoom(String room, Event event) { return true; }
        @Override public boolean forwardToAll(Event event) { return true; }
        @Override public SessionRoute forwardToSession(long sessionId, Event event) { return SessionRoute.NO_SUCH_NODE; }
        @Override public void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload) {
            payload.release();
        }
        @Override public void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code) { }
        @Override public boolean isLocal(long sessionId) { return true; }
        @Override public void remoteMembers(String room, List<MemberInfo> into) { }
        @Override public int nodeId() { return 1; }
        @Override public boolean isUp() { return true; }
        @Override public long forwarded() { return 0; }
        @Override public long forwardFailed() { return 0; }
        @Override public long received() { return 0; }
        @Override public int nodesAlive() { return 1; }
    }

    private final PendingBroker broker = new PendingBroker();
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT, broker);
    private final EmbeddedChannel ch = new EmbeddedChannel(Backpressure.INSTANCE,
            new FramedSessionHandler(hub.newSessionId(), ServerConfig.builder().idleTimeout(Duration.ZERO).build().framedConfig(), hub));

    @AfterEach
    void release() {
        ch.finishAndReleaseAll();
    }

    private <T> T next(Class<T> type) {
        Object out = ch.readOutbound();
        return assertInstanceOf(type, out);
    }

    private void handshake() {
        ch.writeInbound(new Hello(1, Wire.PROTOCOL_VERSION, "p", ""));
        ReferenceCountUtil.release(next(Welcome.class));
    }

    @Test
    void aWritabilityChangeDuringAParkedJoinDoesNotResumeReading() {
        handshake();
        ch.writeInbound(new Join(2, Flags.ACK, "r"), PayloadFrame.of(Opcode.PING, 3, Unpooled.EMPTY_BUFFER));
        assertNull(ch.readOutbound(), "the JOIN and the PING behind it wait");
        assertFalse(ch.config().isAutoRead());

        // The peer's buffer fills and drains again: backpressure must not reopen reading.
        int size = ch.config().getWriteBufferHighWaterMark() + 1;
        ByteBuf clog = Unpooled.buffer(size).writeZero(size);
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        out.addMessage(clog, size, ch.newPromise());
        out.addFlush();
        assertFalse(ch.isWritable());
        out.remove();
        assertTrue(ch.isWritable());
        assertFalse(ch.config().isAutoRead(), "still parked after the writability change");

        broker.pending.complete(null);
        ch.runPendingTasks();
        assertEquals(2, next(Ack.class).requestId());
        PayloadFrame pong = next(PayloadFrame.class);
        assertEquals(3, pong.requestId());
        pong.release();
        assertTrue(ch.config().isAutoRead(), "reading resumes once the join is done");
    }

    @Test
    void theParkedQueueIsBounded() {
        handshake();
        ch.writeInbound(new Join(2, Flags.ACK, "r"));
        int max = SessionTestAccess.maxParked();
        for (int i = 0; i < max; i++) {
            ch.writeInbound(PayloadFrame.of(Opcode.PING, 10 + i, Unpooled.EMPTY_BUFFER));
        }
        ch.writeInbound(PayloadFrame.of(Opcode.PING, 9, Unpooled.EMPTY_BUFFER));
        ErrorFrame refused = next(ErrorFrame.class);
        assertEquals(9, refused.requestId());
        assertEquals(ErrorCode.RATE_LIMITED, refused.errorCode());
        assertNull(ch.readOutbound());

        broker.pending.complete(null);
        ch.runPendingTasks();
        assertEquals(2, next(Ack.class).requestId());
        for (int i = 0; i < max; i++) {
            PayloadFrame pong = next(PayloadFrame.class);
            assertEquals(10 + i, pong.requestId());
            pong.release();
        }
        assertTrue(ch.config().isAutoRead());
    }
}
