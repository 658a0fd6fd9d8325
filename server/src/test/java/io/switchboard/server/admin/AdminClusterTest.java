package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.cluster.RedisServerExtension;
import io.switchboard.server.launch.Server;
import io.switchboard.server.testing.FramedTestClient;
import io.switchboard.server.testing.JavaWsClient;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The admin API of a cluster of two nodes through a real redis-server, asked on node A only (node
 * B's admin listener is off: it answers A over the cluster all the same): room counts and members
 * cluster-wide, sessions on B listed, described, removed from a room, kicked; a room closed and a
 * notice sent on both nodes.
 */
@Timeout(120)
class AdminClusterTest {
    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "NIO"})
    void listingsAndActionsAcrossTwoNodes(TransportUnderTest transport) throws Exception {
        Path tokens = AdminApiIntegrationTest.tokenFile(dir, "ops " + AdminApiIntegrationTest.ADMIN_TOKEN + "\n");
        Server a = servers.start(transport, b -> b.cluster(redis.uri()).clusterHeartbeatTtl(Duration.ofMillis(900))
                .enabled(Listener.ADMIN, true).adminTokenFile(tokens));
        Server b = servers.start(transport, c -> c.cluster(redis.uri()).clusterHeartbeatTtl(Duration.ofMillis(900)));
        assertTrue(!b.listeners().containsKey(Listener.ADMIN), "node B's admin listener is off");
        AdminHttp admin = new AdminHttp(a.address(Listener.ADMIN), AdminApiIntegrationTest.ADMIN_TOKEN);
        await(() -> a.hub().otherNodes().contains(b.hub().nodeId()), "node A sees node B");
        try (FramedTestClient fred = new FramedTestClient(a.transport(), a.address(Listener.FRAMED), "fred");
             FramedTestClient bob = new FramedTestClient(b.transport(), b.address(Listener.FRAMED), "bob");
             JavaWsClient wendy = JavaWsClient.connect(b.address(Listener.HTTP).getPort())) {
            wendy.send("{\"type\":\"hello\",\"name\":\"wendy\"}");
            wendy.send("{\"type\":\"join\",\"room\":\"lobby\",\"id\":1}");
            wendy.nextContaining("\"ack\"");
            fred.join("lobby");
            bob.join("lobby");
            bob.join("b-only");
            String fredId = Long.toUnsignedString(fred.sessionId);
            String bobId = Long.toUnsignedString(bob.sessionId);

            // Room counts are cluster-wide, summed over the nodes; a room only B has is listed.
            JsonNode rooms = admin.ok("GET", "/rooms", null);
            assertEquals(List.of("b-only 1", "lobby 3"), AdminApiIntegrationTest.roomList(rooms), rooms.toString());
            assertEquals(0, rooms.path("missingNodes").size());
            JsonNode paged = admin.ok("GET", "/rooms?limit=1", null);
            assertEquals(List.of("b-only 1"), AdminApiIntegrationTest.roomList(paged));
            assertEquals(List.of("lobby 3"), AdminApiIntegrationTest.roomList(
                    admin.ok("GET", "/rooms?limit=1&after=" + paged.path("next").asText(), null)));

            JsonNode lobby = admin.ok("GET", "/rooms/lobby", null);
            assertEquals(3, lobby.path("members").asInt());
            Map<String, Integer> nodes = new HashMap<>();
            Map<String, String> protocols = new HashMap<>();
            for (JsonNode s : lobby.path("sessions")) {
                nodes.put(s.path("name").asText(), s.path("node").asInt());
                protocols.put(s.path("name").asText(), s.path("protocol").asText());
            }
            assertEquals(Map.of("fred", a.hub().nodeId(), "bob", b.hub().nodeId(), "wendy", b.hub().nodeId()), nodes);
            assertEquals(Map.of("fred", "framed", "bob", "framed", "wendy", "websocket"), protocols);
            JsonNode page1 = admin.ok("GET", "/rooms/lobby?limit=2", null);
            JsonNode page2 = admin.ok("GET", "/rooms/lobby?limit=2&after=" + page1.path("next").asText(), null);
            assertEquals(2, page1.path("sessions").size());
            assertEquals(1, page2.path("sessions").size());

            assertEquals(3, admin.ok("GET", "/sessions", null).path("count").asInt());
            String wendyId = AdminApiIntegrationTest.sessionOf(admin, "websocket");
            assertEquals(List.of(bobId), AdminApiIntegrationTest.ids(admin.ok("GET", "/sessions?room=b-only", null)));
            JsonNode bobDetail = admin.ok("GET", "/sessions/" + bobId, null);
            assertEquals(b.hub().nodeId(), bobDetail.path("node").asInt());
            assertEquals(List.of("lobby", "b-only"), AdminApiIntegrationTest.texts(bobDetail.path("rooms")));
            assertTrue(bobDetail.path("messagesIn").asLong() >= 3, bobDetail.toString());

            // A notice from A reaches the room's members on both nodes.
            assertEquals(3, admin.ok("POST", "/notice", "{\"room\":\"lobby\",\"message\":\"from A\"}").path("members").asInt());
            assertTrue(fred.nextEvent("sb:notice").text().contains("from A"));
            assertTrue(bob.nextEvent("sb:notice").text().contains("from A"));
            assertTrue(wendy.nextContaining("sb:notice").contains("from A"));

            // Actions on B's sessions, asked on A.
            admin.ok("POST", "/sessions/" + bobId + "/remove", "{\"room\":\"b-only\",\"reason\":\"not yours\"}");
            assertTrue(bob.nextEvent("sb:removed").text().contains("not yours"));
            AdminApiIntegrationTest.awaitRooms(admin, List.of("lobby 3"));
            JsonNode closed = admin.ok("POST", "/rooms/lobby/close", "{\"reason\":\"night\"}");
            assertEquals(3, closed.path("removed").asInt());
            assertTrue(fred.nextEvent("sb:removed").text().contains("night"));
            assertTrue(bob.nextEvent("sb:removed").text().contains("night"));
            assertTrue(wendy.nextContaining("sb:removed").contains("night"));
            AdminApiIntegrationTest.awaitRooms(admin, List.of());

            admin.ok("POST", "/sessions/" + bobId + "/kick", "{\"reason\":\"kicked from A\"}");
            assertEquals("kicked from A", bob.nextBye().message());
            admin.ok("POST", "/sessions/" + wendyId + "/kick", "{\"reason\":\"you too\"}");
            assertEquals(1000, wendy.closed.get(10, TimeUnit.SECONDS));
            assertEquals("you too", wendy.closeReason);
            AdminApiIntegrationTest.awaitSessions(admin, 1);
            admin.error(404, "GET", "/sessions/" + bobId, null);
            assertEquals(List.of(fredId), AdminApiIntegrationTest.ids(admin.ok("GET", "/sessions", null)));
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
