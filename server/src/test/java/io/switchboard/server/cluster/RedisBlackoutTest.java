package io.switchboard.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.cluster.NodeClient.Acked;
import io.switchboard.server.cluster.NodeClient.Received;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.FaultProxy;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two nodes and a real redis-server, with a {@link FaultProxy} between node A and Redis (node B
 * reaches Redis directly). The path from A to Redis blacks out silently: no FIN, no RST, commands
 * and pub/sub messages held. What {@code docs/cluster.md} says must then happen, does:
 *
 * <ul>
 * <li>B notices A's heartbeat expire (one to one and a third TTLs) and reaps A's members: its
 *     presence member gets LEFT for each, its member list drops them;</li>
 * <li>A keeps serving its own room locally; its commands time out (Lettuce's 5 s command
 *     timeout is what detects the dead path: TCP keepalive would not, the proxy's socket is
 *     alive), it reports the link down on {@code /readyz} and {@code /metrics}, and answers an
 *     acknowledged publish with 309 NOT_FORWARDED after handing it to its local members;</li>
 * <li>the path comes back, either as it was (the held bytes flow: the same connections resume) or
 *     with an RST to both ends (a middlebox that lost the flow: Lettuce reconnects and
 *     resubscribes). A registers again, writes its members back (B's presence member gets JOINED
 *     for them, both member lists are whole again), and events cross the nodes both ways.</li>
 * </ul>
 *
 * Protections: the heartbeat's expiry and the reaper (B's LEFTs), Lettuce's command timeout
 * (A's link down; without it nothing on A ever notices), the re-registration and resync (A's
 * members back on B).
 */
@Timeout(90)
class RedisBlackoutTest {
    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    enum Recovery {
        /** The held bytes flow again on the same connections. */
        HEAL,
        /** Both ends get an RST as the path comes back; Lettuce reconnects. */
        RESET_THEN_HEAL
    }

    private static TransportUnderTest transport() {
        return TransportUnderTest.EPOLL_EDGE.choice.forced().isAvailable() ? TransportUnderTest.EPOLL_EDGE
                : TransportUnderTest.NIO;
    }

    private NodeClient client(Server server, String name) throws InterruptedException {
        NodeClient c = new NodeClient(server, name);
        resources.add(c);
        return c;
    }

    private static RedisBroker broker(Server server) {
        return (RedisBroker) server.cluster();
    }

    private static Set<Long> memberIds(Server server, String room) {
        Set<Long> ids = new HashSet<>();
        for (MemberInfo m : server.hub().members(room)) {
            ids.add(m.sessionId());
        }
        return ids;
    }

    @ParameterizedTest
    @EnumSource(Recovery.class)
    void aNodeSurvivesABlackoutBetweenItAndRedis(Recovery recovery) throws Exception {
        FaultProxy proxy = FaultProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), redis.port()));
        resources.add(0, proxy); // closed first: its RST ends A's Redis connections before the nodes stop
        Duration ttl = Duration.ofMillis(900);
        Server a = servers.start(transport(), b -> b.cluster(URI.create("redis://127.0.0.1:" + proxy.address().getPort()))
                .clusterHeartbeatTtl(ttl));
        Server b = servers.start(transport(), c -> c.cluster(redis.uri()).clusterHeartbeatTtl(ttl));
        NodeClient a1 = client(a, "a1");
        NodeClient a2 = client(a, "a2");
        NodeClient b1 = client(b, "b1");
        a1.join("r", false);
        a2.join("r", false);
        b1.join("r", true);
        Set<Long> all = Set.of(a1.sessionId, a2.sessionId, b1.sessionId);
        for (Server s : List.of(a, b)) {
            Await.until("members of r on node " + broker(s).nodeId() + " to be " + all, () -> memberIds(s, "r").equals(all));
        }
        Await.until("both nodes to see each other", () -> broker(a).nodesAlive() == 2 && broker(b).nodesAlive() == 2);
        b1.received.clear();
        HttpClient http = HttpClient.newHttpClient();

        proxy.blackout();
        // B: A's heartbeat expires, A's members are reaped, b1 is told.
        Set<Long> left = new HashSet<>();
        while (left.size() < 2) {
            Presence p = b1.next(Presence.class, q -> true);
            assertEquals(Opcode.LEFT, p.opcode(), "while A is away: " + p);
            assertTrue(left.add(p.sessionId()), "two LEFTs for " + p.sessionId());
        }
        assertEquals(Set.of(a1.sessionId, a2.sessionId), left);
        Await.until("B to list only its own member", () -> memberIds(b, "r").equals(Set.of(b1.sessionId)));
        // A: its commands time out; it says the link is down, and keeps its room going locally.
        Await.until("A to see its link to Redis down", () -> !broker(a).isUp());
        HttpResponse<String> ready = get(http, a, "/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("{\"status\":\"ready\",\"cluster\":\"down\"}\n", ready.body());
        assertTrue(get(http, a, "/metrics").body().contains("\nswitchboard_cluster_up 0\n"));
        a1.publish(7, Flags.ACK, "r", "e", "local only");
        assertEquals("local only", a2.next(Received.class, r -> true).text());
        ErrorFrame notForwarded = a1.next(ErrorFrame.class, r -> true);
        assertEquals(new ErrorFrame(7, ErrorCode.NOT_FORWARDED.code(), notForwarded.message()), notForwarded);

        if (recovery == Recovery.RESET_THEN_HEAL) {
            proxy.reset();
        }
        proxy.heal();
        Await.until("A's link to be up again", () -> broker(a).isUp());
        // A registers again and writes its members back: b1 hears them join, both lists are whole.
        Set<Long> back = new HashSet<>();
        while (back.size() < 2) {
            Presence p = b1.next(Presence.class, q -> q.opcode() == Opcode.JOINED);
            back.add(p.sessionId());
        }
        assertEquals(Set.of(a1.sessionId, a2.sessionId), back);
        for (Server s : List.of(a, b)) {
            Await.until("members of r on node " + broker(s).nodeId() + " to be " + all + " again",
                    () -> memberIds(s, "r").equals(all));
        }
        Await.until("both nodes to count two nodes", () -> broker(a).nodesAlive() == 2 && broker(b).nodesAlive() == 2);
        // Events cross the nodes again, both ways.
        a1.publish(8, Flags.ACK, "r", "e", "from a");
        assertEquals(new Acked(8, ""), a1.next(Acked.class, r -> r.requestId() == 8));
        assertEquals("from a", b1.next(Received.class, r -> r.text().equals("from a")).text());
        b1.publish(9, Flags.ACK, "r", "e", "from b");
        assertEquals(new Acked(9, ""), b1.next(Acked.class, r -> r.requestId() == 9));
        assertEquals("from b", a1.next(Received.class, r -> r.text().equals("from b")).text());
        assertEquals("from b", a2.next(Received.class, r -> r.text().equals("from b")).text());
        assertEquals("{\"status\":\"ready\",\"cluster\":\"up\"}\n", get(http, a, "/readyz").body());
    }

    private static HttpResponse<String> get(HttpClient http, Server server, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
