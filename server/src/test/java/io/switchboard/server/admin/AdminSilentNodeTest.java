package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.server.rooms.ClusterBroker;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.rooms.SessionIds;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A cluster where the other node is alive but never answers: listings answer after the timeout
 * with what came and name the node missing, a session that may be there is 504, and nothing hangs.
 */
class AdminSilentNodeTest {
    /** Node 1 of a cluster whose node 2 takes every message and answers none. */
    private static final class SilentPeer implements ClusterBroker {
        @Override
        public void roomOpened(String room) {
        }

        @Override
        public void roomClosed(String room) {
        }

        @Override
        public CompletionStage<Void> joined(String room, Member member) {
            return null;
        }

        @Override
        public void left(String room, Member member) {
        }

        @Override
        public boolean forwardToRoom(String room, Event event) {
            return true;
        }

        @Override
        public boolean forwardToAll(Event event) {
            return true;
        }

        @Override
        public SessionRoute forwardToSession(long sessionId, Event event) {
            return SessionRoute.FORWARDED;
        }

        @Override
        public void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload) {
            payload.release();
        }

        @Override
        public void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code) {
        }

        @Override
        public boolean sendToAll(String topic, ByteBuf body) {
            body.release();
            return true;
        }

        @Override
        public boolean sendToNode(int node, String topic, ByteBuf body) {
            body.release();
            return true;
        }

        @Override
        public Set<Integer> otherNodes() {
            return Set.of(2);
        }

        @Override
        public boolean isLocal(long sessionId) {
            return SessionIds.nodeOf(sessionId) == 1;
        }

        @Override
        public void remoteMembers(String room, List<MemberInfo> into) {
        }

        @Override
        public int nodeId() {
            return 1;
        }

        @Override
        public boolean isUp() {
            return true;
        }

        @Override
        public long forwarded() {
            return 0;
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
            return 2;
        }
    }

    @Test
    void aSilentNodeIsNamedAndNothingHangs() throws Exception {
        AdminApi api = new AdminApi(new RoomHub(ByteBufAllocator.DEFAULT, new SilentPeer()), ByteBufAllocator.DEFAULT,
                "nio", null, Duration.ofMillis(300));
        long started = System.nanoTime();
        JsonNode rooms = api.rooms(null, 10).get(5, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(250), "waited for the silent node");
        assertEquals("[2]", rooms.path("missingNodes").toString());
        assertEquals(0, rooms.path("rooms").size());
        assertEquals("[2]", api.sessions(SessionFilter.ANY, null, 10).get(5, TimeUnit.SECONDS).path("missingNodes").toString());

        CompletableFuture<?> session = api.session((2L << SessionIds.NODE_SHIFT) + 1);
        AdminException timedOut = assertInstanceOf(AdminException.class,
                org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> session.get(5, TimeUnit.SECONDS)).getCause());
        assertEquals(HttpResponseStatus.GATEWAY_TIMEOUT, timedOut.status());
        assertTrue(timedOut.getMessage().contains("nodes [2] did not answer within 300 ms"), timedOut.getMessage());

        AdminException noRoom = assertInstanceOf(AdminException.class, org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class,
                () -> api.closeRoom("nowhere", "r", "test").get(5, TimeUnit.SECONDS)).getCause());
        assertEquals(HttpResponseStatus.NOT_FOUND, noRoom.status());
        assertTrue(noRoom.getMessage().contains("(nodes [2] did not answer within 300 ms)"), noRoom.getMessage());
    }
}
