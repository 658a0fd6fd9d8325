package io.switchboard.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.cluster.NodeClient.Acked;
import io.switchboard.server.cluster.NodeClient.Received;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerStartException;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several server nodes in one JVM, each with its own event loops and ports, joined through a real
 * redis-server; framed clients on each node. Every wait is for a condition, bounded.
 */
@Timeout(90)
class ClusterIntegrationTest {
    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private final List<NodeClient> clients = new ArrayList<>();

    @AfterEach
    void closeClients() {
        clients.forEach(NodeClient::close);
    }

    private Server node(TransportUnderTest transport, Consumer<ServerConfig.Builder> customize) throws ServerStartException {
        return servers.start(transport, b -> {
            b.cluster(redis.uri()).clusterHeartbeatTtl(Duration.ofMillis(900));
            customize.accept(b);
        });
    }

    private Server node() throws ServerStartException {
        return node(TransportUnderTest.EPOLL_EDGE.choice.forced().isAvailable() ? TransportUnderTest.EPOLL_EDGE
                : TransportUnderTest.NIO, b -> { });
    }

    private NodeClient client(Server server, String name) throws InterruptedException {
        NodeClient c = new NodeClient(server, name);
        clients.add(c);
        return c;
    }

    private static RedisBroker broker(Server server) {
        return (RedisBroker) server.cluster();
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, condition::getAsBoolean);
    }

    private static Set<Long> memberIds(Server server, String room) {
        Set<Long> ids = new HashSet<>();
        for (MemberInfo m : server.hub().members(room)) {
            ids.add(m.sessionId());
        }
        return ids;
    }

    private static void awaitMembers(String room, Set<Long> expected, Server... nodes) throws InterruptedException {
        for (Server s : nodes) {
            await("members of " + room + " on node " + broker(s).nodeId() + " to be " + expected,
                    () -> memberIds(s, room).equals(expected));
        }
    }

    @Test
    void aNodeThatCannotReachRedisDoesNotStart() throws Exception {
        redis.stop();
        ServerStartException e = assertThrows(ServerStartException.class, this::node);
        assertTrue(e.getMessage().startsWith("cluster: cannot join through redis://127.0.0.1:" + redis.port() + ": "),
                e.getMessage());
    }

    @Test
    void sessionIdsNameTheirNodeAndNodesAreDistinct() throws Exception {
        Server a = node();
        Server b = node();
        NodeClient x = client(a, "x");
        NodeClient y = client(b, "y");
        assertNotEquals(broker(a).nodeId(), broker(b).nodeId());
        assertEquals(broker(a).nodeId(), RoomHub.nodeOf(x.sessionId));
        assertEquals(broker(b).nodeId(), RoomHub.nodeOf(y.sessionId));
        await("both nodes to see each other", () -> broker(a).nodesAlive() == 2 && broker(b).nodesAlive() == 2);
    }

    /**
     * Two publishers on two nodes, subscribers on three nodes: every subscriber gets every event of
     * the other publishers once, in each publisher's order, and no publisher gets its own. Over the
     * native transport (Lettuce shares the server's event loops) and NIO (Lettuce on a loop of its own).
     */
    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "NIO"})
    void roomEventsCrossNodesExactlyOnceInPublisherOrder(TransportUnderTest transport) throws Exception {
        Server a = node(transport, b -> { });
        Server b = node(transport, c -> { });
        Server c = node(transport, d -> { });
        NodeClient pa = client(a, "pa");
        NodeClient pb = client(b, "pb");
        NodeClient sa = client(a, "sa");
        NodeClient sb = client(b, "sb");
        NodeClient sc = client(c, "sc");
        List<NodeClient> everyone = List.of(pa, pb, sa, sb, sc);
        Set<Long> ids = new HashSet<>();
        for (NodeClient n : everyone) {
            n.join("fanout", false);
            ids.add(n.sessionId);
        }
        awaitMembers("fanout", ids, a, b, c);

        int n = 300;
        for (int i = 0; i < n; i++) {
            pa.publish(0, 0, "fanout", "seq", "pa:" + i);
            pb.publish(0, 0, "fanout", "seq", "pb:" + i);
        }
        pa.publish(0, 0, "fanout", "end", "pa");
        pb.publish(0, 0, "fanout", "end", "pb");

        Map<NodeClient, Map<String, Integer>> counts = new HashMap<>();
        for (NodeClient s : everyone) {
            counts.put(s, receiveInOrder(s, s == pa ? Set.of("pb") : s == pb ? Set.of("pa") : Set.of("pa", "pb"), n));
        }
        // A fence from a third node: it was published after sc saw both ends, so every copy of the
        // publishers' events that Redis pushed to any node came before it.
        sc.publish(0, Flags.INCLUDE_SELF, "fanout", "fence", "sc");
        for (NodeClient s : everyone) {
            Received fence = s.next(Received.class, r -> r.event().equals("fence"));
            assertEquals(sc.sessionId, fence.sender());
            Object extra = s.received.poll();
            assertNull(extra, "nothing may arrive twice or out of turn; got " + extra);
        }
        assertEquals(Map.of("pb", n), counts.get(pa));
        assertEquals(Map.of("pa", n), counts.get(pb));
        for (NodeClient s : List.of(sa, sb, sc)) {
            assertEquals(Map.of("pa", n, "pb", n), counts.get(s));
        }
        assertTrue(broker(a).forwarded() >= n + 1, "forwarded on A: " + broker(a).forwarded());
        assertEquals(0, broker(a).forwardFailed());
    }

    /** Reads events until every expected publisher's end marker; checks each publisher's sequence. */
    private static Map<String, Integer> receiveInOrder(NodeClient s, Set<String> publishers, int n)
            throws InterruptedException {
        Map<String, Integer> next = new HashMap<>();
        Set<String> ended = new HashSet<>();
        while (!ended.equals(publishers)) {
            Received r = s.next(Received.class, x -> true);
            assertEquals(Target.ROOM, r.target());
            assertEquals("fanout", r.room());
            if (r.event().equals("end")) {
                assertTrue(publishers.contains(r.text()), "unexpected end from " + r.text());
                assertEquals(n, next.getOrDefault(r.text(), 0), r.text() + " ended early");
                assertTrue(ended.add(r.text()), "two ends from " + r.text());
                continue;
            }
            String[] parts = r.text().split(":");
            assertTrue(publishers.contains(parts[0]), "got an event of " + parts[0]);
            int expected = next.getOrDefault(parts[0], 0);
            assertEquals(expected, Integer.parseInt(parts[1]), "order of " + parts[0]);
            next.put(parts[0], expected + 1);
        }
        return next;
    }

    @Test
    void directMessagesPeerAcksAndBroadcastsCrossNodes() throws Exception {
        Server a = node();
        Server b = node();
        NodeClient x = client(a, "x");
        NodeClient y = client(b, "y");
        await("both nodes to see each other", () -> broker(a).nodesAlive() == 2 && broker(b).nodesAlive() == 2);

        x.send(1, Flags.ACK, y.sessionId, "dm", "hello");
        assertEquals(new Acked(1, ""), x.next(Acked.class, r -> true));
        Received dm = y.next(Received.class, r -> true);
        assertEquals(new Received(0, 0, x.sessionId, Target.SESSION, "", "dm", "hello"), dm);

        x.send(2, Flags.PEER_ACK, y.sessionId, "question", "ping?");
        Received question = y.next(Received.class, r -> true);
        assertEquals(Flags.PEER_ACK, question.flags());
        assertNotEquals(0, question.requestId());
        assertEquals("ping?", question.text());
        y.ack(question.requestId(), "pong");
        assertEquals(new Acked(2, "pong"), x.next(Acked.class, r -> true));

        // And back the other way.
        y.send(3, Flags.PEER_ACK, x.sessionId, "question", "you there?");
        Received back = x.next(Received.class, r -> true);
        x.ack(back.requestId(), "yes");
        assertEquals(new Acked(3, "yes"), y.next(Acked.class, r -> true));

        // A session the other node does not have: refused by that node, long before the 10 s timeout.
        long ghost = ((long) broker(b).nodeId() << RoomHub.NODE_SHIFT) | 0xFF_FFFF_FFFFL;
        long started = System.nanoTime();
        x.send(4, Flags.PEER_ACK, ghost, "question", "anyone?");
        ErrorFrame refused = x.next(ErrorFrame.class, r -> true);
        assertEquals(new ErrorFrame(4, ErrorCode.UNKNOWN_SESSION.code(), refused.message()), refused);
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos());

        // A node nobody runs: refused at once.
        int nobody = broker(a).nodeId() == 1 || broker(b).nodeId() == 1 ? 2 : 1;
        nobody = nobody == broker(a).nodeId() || nobody == broker(b).nodeId() ? 3 : nobody;
        x.send(5, Flags.ACK, ((long) nobody << RoomHub.NODE_SHIFT) | 1, "dm", "hello?");
        assertEquals(ErrorCode.UNKNOWN_SESSION.code(), x.next(ErrorFrame.class, r -> true).code());

        // Everyone, on every node; the publisher only with INCLUDE_SELF.
        x.broadcast(6, Flags.ACK, "news", "to all");
        assertEquals(new Acked(6, ""), x.next(Acked.class, r -> true));
        assertEquals(new Received(0, 0, x.sessionId, Target.ALL, "", "news", "to all"), y.next(Received.class, r -> true));
        y.broadcast(7, Flags.INCLUDE_SELF, "news", "from y");
        assertEquals("from y", x.next(Received.class, r -> true).text());
        assertEquals("from y", y.next(Received.class, r -> true).text());
    }

    @Test
    void aPeerAckFailsAtOnceWhenItsRecipientOnAnotherNodeLeaves() throws Exception {
        Server a = node();
        Server b = node();
        NodeClient x = client(a, "x");
        NodeClient y = client(b, "y");
        await("both nodes to see each other", () -> broker(a).nodesAlive() == 2 && broker(b).nodesAlive() == 2);
        x.send(8, Flags.PEER_ACK, y.sessionId, "question", "still there?");
        y.next(Received.class, r -> true);
        long started = System.nanoTime();
        y.disconnect(); // leaves without answering: node b tells node a, well before the 10 s timeout
        ErrorFrame gone = x.next(ErrorFrame.class, r -> true);
        assertEquals(8, gone.requestId());
        assertEquals(ErrorCode.ACK_TIMEOUT.code(), gone.code());
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(5).toNanos(), gone.message());
    }

    @Test
    void presenceIsClusterWide() throws Exception {
        Server a = node();
        Server b = node();
        NodeClient x = client(a, "x");
        NodeClient y = client(b, "y");
        x.join("lobby", true);
        y.join("lobby", true);
        assertEquals(new Presence(Opcode.JOINED, "lobby", y.sessionId, "y"), x.next(Presence.class, p -> true));
        awaitMembers("lobby", Set.of(x.sessionId, y.sessionId), a, b);
        assertEquals(Set.of(new MemberInfo(x.sessionId, "x"), new MemberInfo(y.sessionId, "y")),
                new HashSet<>(x.members("lobby").members()));
        assertEquals(Set.of(new MemberInfo(x.sessionId, "x"), new MemberInfo(y.sessionId, "y")),
                new HashSet<>(y.members("lobby").members()));

        NodeClient z = client(b, "z");
        z.join("lobby", false);
        assertEquals(new Presence(Opcode.JOINED, "lobby", z.sessionId, "z"), x.next(Presence.class, p -> true));
        assertEquals(new Presence(Opcode.JOINED, "lobby", z.sessionId, "z"), y.next(Presence.class, p -> true));

        y.leave("lobby");
        assertEquals(new Presence(Opcode.LEFT, "lobby", y.sessionId, "y"), x.next(Presence.class, p -> true));
        awaitMembers("lobby", Set.of(x.sessionId, z.sessionId), a, b);

        // A node that shuts down tells the others at once (no waiting for its heartbeat to expire).
        long started = System.nanoTime();
        b.close();
        assertEquals(new Presence(Opcode.LEFT, "lobby", z.sessionId, "z"), x.next(Presence.class, p -> true));
        assertTrue(System.nanoTime() - started < Duration.ofMillis(900).toNanos() + Duration.ofSeconds(5).toNanos());
        awaitMembers("lobby", Set.of(x.sessionId), a);
        assertEquals(List.of(new MemberInfo(x.sessionId, "x")), x.members("lobby").members());
        // It said so as it left: its sessions are unknown at once, not after its heartbeat expires.
        await("A to forget B", () -> broker(a).nodesAlive() == 1);
        x.send(1, Flags.ACK, z.sessionId, "dm", "still there?");
        assertEquals(ErrorCode.UNKNOWN_SESSION.code(), x.next(ErrorFrame.class, r -> true).code());
    }

    /**
     * A node that stops beating and drops its connections, as a crash would: when its heartbeat
     * expires one survivor (elected) removes its members from Redis, and every survivor's
     * presence members get one LEFT per member.
     */
    @Test
    void aCrashedNodesMembersExpire() throws Exception {
        Server a = node();
        Server b = node();
        Server c = node();
        NodeClient x = client(a, "x");
        NodeClient w = client(c, "w");
        NodeClient y = client(b, "y");
        NodeClient z = client(b, "z");
        x.join("crash", true);
        w.join("crash", true);
        y.join("crash", false);
        z.join("crash", false);
        awaitMembers("crash", Set.of(x.sessionId, w.sessionId, y.sessionId, z.sessionId), a, b, c);
        int dead = broker(b).nodeId();

        broker(b).abandon();

        for (NodeClient survivor : List.of(x, w)) {
            Set<Long> left = new HashSet<>();
            while (left.size() < 2) {
                Presence p = survivor.next(Presence.class, q -> true);
                if (p.opcode() == Opcode.LEFT) {
                    assertTrue(left.add(p.sessionId()), "two LEFTs for " + p.sessionId());
                }
            }
            assertEquals(Set.of(y.sessionId, z.sessionId), left);
        }
        awaitMembers("crash", Set.of(x.sessionId, w.sessionId), a, c);
        RedisClient inspector = RedisClient.create(redis.uri().toString());
        try (StatefulRedisConnection<String, String> conn = inspector.connect()) {
            await("the reaper to finish", () -> !conn.sync().smembers("sb:nodes").contains(Integer.toString(dead)));
            assertEquals(Set.of("#", Long.toString(x.sessionId), Long.toString(w.sessionId)),
                    conn.sync().hgetall("sb:room:crash").keySet());
            assertEquals(0, conn.sync().exists("sb:node:" + dead + ":rooms"));
        } finally {
            inspector.shutdown();
        }
        assertEquals(2, broker(a).reaped() + broker(c).reaped(), "one survivor removes each member");
        // No late duplicate: a round trip through each node, then nothing else is queued.
        for (NodeClient survivor : List.of(x, w)) {
            survivor.members("crash");
            assertNull(survivor.received.poll());
        }
        await("the survivors to count two nodes", () -> broker(a).nodesAlive() == 2 && broker(c).nodesAlive() == 2);
    }

    /**
     * Redis stops: each node keeps serving its local rooms, reports the link down, counts what it
     * could not forward and answers an acknowledged publish with 309. Redis comes back empty: the
     * nodes reconnect, register and announce their members again, and cross-node delivery resumes.
     */
    @Test
    void redisLostAndBack() throws Exception {
        Server a = node(TransportUnderTest.EPOLL_EDGE.choice.forced().isAvailable() ? TransportUnderTest.EPOLL_EDGE
                : TransportUnderTest.NIO, cfg -> cfg.clusterHeartbeatTtl(Duration.ofSeconds(2)));
        Server b = node(TransportUnderTest.NIO, cfg -> cfg.clusterHeartbeatTtl(Duration.ofSeconds(2)));
        NodeClient a1 = client(a, "a1");
        NodeClient a2 = client(a, "a2");
        NodeClient b1 = client(b, "b1");
        for (NodeClient n : List.of(a1, a2, b1)) {
            n.join("r", false);
        }
        Set<Long> all = Set.of(a1.sessionId, a2.sessionId, b1.sessionId);
        awaitMembers("r", all, a, b);
        HttpClient http = HttpClient.newHttpClient();
        assertEquals("{\"status\":\"ready\",\"cluster\":\"up\"}\n", get(http, a, "/readyz").body());

        redis.stop();
        await("both nodes to see the link down", () -> !broker(a).isUp() && !broker(b).isUp());
        HttpResponse<String> ready = get(http, a, "/readyz");
        assertEquals(200, ready.statusCode());
        assertEquals("{\"status\":\"ready\",\"cluster\":\"down\"}\n", ready.body());
        assertTrue(get(http, a, "/metrics").body().contains("\nswitchboard_cluster_up 0\n"));

        long failedBefore = broker(a).forwardFailed();
        a1.publish(7, Flags.ACK, "r", "e", "local only");
        assertEquals("local only", a2.next(Received.class, r -> true).text());
        ErrorFrame notForwarded = a1.next(ErrorFrame.class, r -> true);
        assertEquals(new ErrorFrame(7, ErrorCode.NOT_FORWARDED.code(), notForwarded.message()), notForwarded);
        a1.publish(8, 0, "r", "e", "local again");
        assertEquals("local again", a2.next(Received.class, r -> true).text());
        await("failures to be counted", () -> broker(a).forwardFailed() == failedBefore + 2);
        assertTrue(get(http, a, "/metrics").body().contains("\nswitchboard_cluster_forward_failed_total "
                + (failedBefore + 2) + "\n"));
        // Members are still listed from what the node knew.
        assertEquals(all, memberIds(a, "r"));

        redis.start(); // empty: persistence is off
        await("both nodes to be back", () -> broker(a).isUp() && broker(b).isUp());
        RedisClient inspector = RedisClient.create(redis.uri().toString());
        try (StatefulRedisConnection<String, String> conn = inspector.connect()) {
            Set<String> fields = Set.of("#", Long.toString(a1.sessionId), Long.toString(a2.sessionId),
                    Long.toString(b1.sessionId));
            await("every member announced again", () -> conn.sync().hgetall("sb:room:r").keySet().equals(fields));
        } finally {
            inspector.shutdown();
        }
        awaitMembers("r", all, a, b);
        // Cross-node delivery resumes; b1 never saw what was published while Redis was away.
        await("a publish from A to reach B", () -> {
            a1.publish(0, 0, "r", "e", "probe");
            try {
                Received r = b1.received.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS) instanceof Received got
                        ? got : null;
                if (r != null) {
                    assertEquals("probe", r.text());
                }
                return r != null;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        b1.publish(9, Flags.ACK, "r", "e", "from b");
        assertEquals(new Acked(9, ""), b1.next(Acked.class, r -> true));
        assertEquals("from b", a1.next(Received.class, r -> r.text().equals("from b")).text());
        assertEquals("from b", a2.next(Received.class, r -> r.text().equals("from b")).text());
        assertEquals("{\"status\":\"ready\",\"cluster\":\"up\"}\n", get(http, a, "/readyz").body());
        assertFalse(get(http, b, "/metrics").body().contains("\nswitchboard_cluster_up 0\n"));
    }

    private static HttpResponse<String> get(HttpClient http, Server server, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
