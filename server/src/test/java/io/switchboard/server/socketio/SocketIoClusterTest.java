package io.switchboard.server.socketio;

import io.switchboard.server.socketio.settings.SocketIoOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.cluster.RedisServerExtension;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes joined through a real redis-server, official socket.io-client 4.8 clients on both
 * (scenarios.mjs "cluster"): a room event, a broadcast, a direct message and a peer ack cross
 * the nodes; a socket on node B recovers while node A publishes to its room; a private id taken
 * to the other node gets a new socket there.
 */
@Timeout(120)
class SocketIoClusterTest {
    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private Server node() throws Exception {
        return servers.start(TransportUnderTest.NIO, b -> b.cluster(redis.uri())
                .clusterHeartbeatTtl(Duration.ofMillis(900))
                .socketIoOptions(b.socketIoOptionsNow().withRecovery(
                        SocketIoOptions.Recovery.OFF.withMaxDisconnection(Duration.ofMinutes(2)))));
    }

    private static String url(Server server) {
        return "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();
    }

    @Test
    void socketIoClientsOnTwoNodesShareRoomsBroadcastsDirectMessagesPeerAcksAndRecover() throws Exception {
        Path work = SioClientScenarios.prepare();
        Server a = node();
        Server b = node();
        JsonNode r = SioClientScenarios.run(work, "cluster", List.of(url(a), url(b)), Map.of());

        String a1 = r.path("a1").asText();
        String b1 = r.path("b1First").asText();
        String b2 = r.path("b2").asText();
        // Room: members on both nodes, seen from node A; an event from node A reaches node B.
        assertEquals(new TreeSet<>(Set.of(a1, b1)), strings(r.path("roomMembersA")));
        assertEquals("from A", r.path("room").get(0).get(0).asText());
        assertEquals(0, r.path("roomA").size(), "the publisher does not get its own room event");
        // Broadcast from node B: node A's socket and the other socket on B, not the sender.
        assertEquals(List.of("from B2"), firstArgs(r.path("everyoneA")));
        assertEquals(List.of("from B2"), firstArgs(r.path("everyoneB1")));
        assertEquals(0, r.path("everyoneB2").size());
        // A direct message and a peer ack from node A to a socket on node B.
        assertEquals(List.of("hello B2"), firstArgs(r.path("dm")));
        assertEquals("[null,\"answer to q1\"]", r.path("peerAnswer").toString());
        // Recovery on node B while node A published to the room and to the socket itself.
        assertTrue(r.path("b1Recovered").asBoolean(), "socket.recovered");
        assertEquals(b1, r.path("b1Second").asText());
        assertEquals(new TreeSet<>(Set.of(a1, b1)), strings(r.path("membersWhileAway")), "still in the room");
        assertEquals(List.of("from A", "missed 1", "missed 2"), firstArgs(r.path("room")));
        assertEquals(List.of("missed direct"), firstArgs(r.path("dmB1")));
        // A pid is only known to its node: elsewhere the client gets a new socket.
        assertFalse(r.path("b2Pid").isNull(), "node B handed out a pid");
        assertNotEquals(b2, r.path("strangerId").asText());
        assertFalse(r.path("strangerRecovered").asBoolean());
        assertEquals(1L, a.socketIo().counts().get("recovery_unknown_pid"), a.socketIo().counts()::toString);
        assertEquals(1L, b.socketIo().counts().get("recovery_succeeded"), b.socketIo().counts()::toString);
    }

    private static List<String> firstArgs(JsonNode events) {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.get(0).asText()));
        return out;
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
