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
import io.switchboard.testing.Await;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
        // A pid whose socket is still connected on the other node (not waiting to recover): no
        // node holds it for recovery, and the client gets a new socket.
        assertFalse(r.path("b2Pid").isNull(), "node B handed out a pid");
        assertNotEquals(b2, r.path("strangerId").asText());
        assertFalse(r.path("strangerRecovered").asBoolean());
        assertEquals(1L, a.socketIo().counts().get("recovery_unknown_pid"), a.socketIo().counts()::toString);
        assertEquals(1L, b.socketIo().counts().get("recovery_succeeded"), b.socketIo().counts()::toString);
    }

    /**
     * A broadcast to several rooms with exceptions (rooms and a socket id) sent on node A reaches
     * each member once on both nodes: Socket.IO sockets, a WebSocket-JSON client and a framed
     * client on node B. socketsJoin, socketsLeave, disconnectSockets and fetchSockets act on both
     * nodes, whichever node calls them.
     */
    @Test
    void broadcastsWithSeveralRoomsOrExceptionsAndSocketsOperationsReachEveryNode() throws Exception {
        Path work = SioClientScenarios.prepare();
        Server a = node();
        Server b = node();
        new ClusterApp(a.socketIo());
        new ClusterApp(b.socketIo());
        try (FramedPeer framed = new FramedPeer(b.transport(), b.address(Listener.FRAMED), "java-framed", "r2")) {
            JsonNode r = SioClientScenarios.run(work, "clusterOps", List.of(url(a), url(b)), Map.of());
            JsonNode ids = r.path("ids");

            // to(r1, r2).except(x): a1 and b1 (both rooms) once; not a2, b2 (in x), not b3.
            assertEquals(1, r.path("sent").path(0).asInt(), "recipients on node A: a1");
            for (String who : List.of("a1", "b1")) {
                JsonNode got = r.path("multi").path(who);
                assertEquals(1, got.size(), () -> who + " got " + got);
                assertEquals("{\"k\":1}", got.get(0).get(0).toString(), "an object argument stays an object across nodes");
                assertEquals("two", got.get(0).get(1).asText());
            }
            for (String who : List.of("a2", "b2", "b3")) {
                assertEquals(0, r.path("multi").path(who).size(), () -> who + " is excepted or not targeted");
            }
            // to(r1).except(b1's id): a1 and the WebSocket-JSON client only.
            assertEquals(1, r.path("single").path("a1").size());
            for (String who : List.of("a2", "b1", "b2", "b3")) {
                assertEquals(0, r.path("single").path(who).size(), () -> who + " got except-sid");
            }
            // A one-room broadcast crosses on the room's channel with its arguments' format.
            assertEquals("[[{\"k\":2},[3]]]", withoutOffsets(r.path("objects").path("b1")).toString());
            assertEquals(1, r.path("wsMulti").size(), r.path("wsMulti")::toString);
            assertEquals("[{\"k\":1},\"two\"]", r.path("wsMulti").get(0).path("args").toString());
            assertEquals(1, r.path("wsSingle").size(), r.path("wsSingle")::toString);
            // The framed member of r2 on node B: multi once, except-sid not, before the marker.
            List<FramedPeer.Seen> framedEvents = new ArrayList<>();
            Await.until("the marker at the framed client", () -> {
                for (Object o; (o = framed.seen.poll()) != null;) {
                    if (o instanceof FramedPeer.Seen seen) {
                        framedEvents.add(seen);
                    }
                }
                return framedEvents.stream().anyMatch(e -> e.event().equals("marker"));
            });
            assertEquals(List.of("multi", "marker"), framedEvents.stream().map(FramedPeer.Seen::event).toList());
            assertEquals("[{\"k\":1},\"two\"]", framedEvents.get(0).text());

            // socketsJoin from node A put the members of r2 of both nodes in "joined": fetchSockets
            // (from node A) describes them, the ones of node B included, with rooms and handshake.
            Map<String, JsonNode> joined = new java.util.TreeMap<>();
            r.path("fetchedJoined").forEach(s -> joined.put(s.path("who").asText(), s));
            assertEquals(Set.of("a1", "a2", "b1", "b2"), joined.keySet());
            assertEquals(new TreeSet<>(Set.of(ids.path("b1").asText(), "r1", "r2", "joined")), strings(joined.get("b1").path("rooms")));
            assertEquals(ids.path("b1").asText(), joined.get("b1").path("id").asText());
            assertNotEquals(joined.get("a1").path("node").asInt(), joined.get("b1").path("node").asInt());
            assertEquals("127.0.0.1", joined.get("b1").path("address").asText());
            Await.until("the framed member of r2 on node B in room joined", () ->
                    b.socketIo().hub().isMember("joined", framed.sessionId));
            // socketsLeave from node B took the members of x (a2 on A, b2 on B) out of it.
            Set<String> afterLeave = new TreeSet<>();
            r.path("fetchedAfterLeave").forEach(s -> afterLeave.add(s.path("who").asText()));
            assertEquals(Set.of("a1", "b1"), afterLeave);
            // disconnectSockets from node A disconnected b3 on node B.
            assertEquals("io server disconnect", r.path("b3Reason").asText());
        }
    }

    /**
     * fetchSockets waits a bounded time for every node alive: a node that is announced but never
     * answers (a NODE_UP published by hand) makes it fail with what the others answered and that
     * node named as missing.
     */
    @Test
    void fetchSocketsFailsWithWhatItGatheredWhenANodeDoesNotAnswer() throws Exception {
        Server a = node();
        Server b = node();
        SocketIoServer sio = a.socketIo();
        int silent = 4_000_001;
        try (io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.uri().toString());
                var conn = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            Await.until("both nodes see each other", () -> sio.hub().otherNodes().size() == 1
                    && b.socketIo().hub().otherNodes().size() == 1);
            // Envelope NODE_UP: version 1, kind 6, origin u32.
            byte[] nodeUp = java.nio.ByteBuffer.allocate(6).put((byte) 1).put((byte) 6).putInt(silent).array();
            conn.sync().publish("sb:all".getBytes(java.nio.charset.StandardCharsets.UTF_8), nodeUp);
            Await.until("node A counts the silent node alive", () -> sio.hub().otherNodes().contains(silent));
            java.util.concurrent.ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> sio.sockets().broadcast().fetchSockets(Duration.ofMillis(300)).get(10, java.util.concurrent.TimeUnit.SECONDS));
            FetchTimeoutException timeout = org.junit.jupiter.api.Assertions.assertInstanceOf(FetchTimeoutException.class,
                    failed.getCause());
            assertEquals(Set.of(silent), timeout.missingNodes());
            assertEquals(List.of(), timeout.partial(), "no sockets on either node");
        }
        // Once the silent node's announcement is stale (1 1/3 TTL), fetchSockets completes again.
        Await.until("the silent node forgotten", () -> !sio.hub().otherNodes().contains(silent));
        assertEquals(List.of(), sio.sockets().fetchSockets().get(10, java.util.concurrent.TimeUnit.SECONDS));
    }

    /**
     * A socket of node A whose client reconnects to node B with its pid and offset: node B takes
     * it over from node A (same id, its room, the events published meanwhile by both nodes and a
     * direct message, once, in order per publisher; recovered === true); afterwards room events from both nodes
     * and a direct message sent on node A (the id still names A) reach it on B, and node A lists
     * it among the room's members.
     */
    @ParameterizedTest(name = "client transports {0}")
    @ValueSource(strings = {"polling", "websocket", "polling,websocket"})
    void aSocketRecoversOnTheOtherNode(String transports) throws Exception {
        Path work = SioClientScenarios.prepare();
        Server a = node();
        Server b = node();
        JsonNode r = SioClientScenarios.run(work, "clusterRecover", List.of(url(a), url(b)),
                Map.of("transports", List.of(transports.split(","))));
        assertEquals(transports.endsWith("websocket") ? "websocket" : "polling", r.path("transport").asText());
        String id = r.path("firstId").asText();
        assertTrue(r.path("recovered").asBoolean(), "socket.recovered on node B");
        assertEquals(id, r.path("secondId").asText());
        // Each once, and in order per publisher (b1 on node B: n1 n2 n4; c1 on node A: n3 n5 end);
        // events of two publishers on two nodes have no order between them.
        List<String> news = firstArgs(r.path("news"));
        assertEquals(new TreeSet<>(List.of("n1", "n2", "n3", "n4", "n5", "end")), new TreeSet<>(news), news::toString);
        assertEquals(6, news.size(), news::toString);
        assertEquals(List.of("n1", "n2", "n4"), news.stream().filter(List.of("n1", "n2", "n4")::contains).toList());
        assertEquals(List.of("n3", "n5", "end"), news.stream().filter(List.of("n3", "n5", "end")::contains).toList());
        assertEquals(List.of("d1", "d2"), firstArgs(r.path("direct")));
        Set<String> members = new TreeSet<>(Set.of(id, r.path("c1").asText(), r.path("b1").asText()));
        assertEquals(members, strings(r.path("membersFromA")));
        assertEquals(members, strings(r.path("membersFromB")));
        assertEquals(1L, a.socketIo().counts().get("recovery_handed_over"), a.socketIo().counts()::toString);
        assertEquals(1L, b.socketIo().counts().get("recovery_succeeded"), b.socketIo().counts()::toString);
        assertEquals(0, a.socketIo().sockets().localSockets().size());
        // The clients are gone: node B told node A, which no longer passes events for the id on.
        long sid = Long.parseUnsignedLong(id);
        Await.until("node A forgets the socket it handed over", () -> !a.socketIo().hub().movedAway(sid));
    }

    /** The application both nodes run: server-side broadcasts and sockets operations, answered by ack. */
    static final class ClusterApp {
        ClusterApp(SocketIoServer io) {
            Namespace main = io.sockets();
            main.on("bcast", (socket, args, ack) -> {
                Broadcast b = main.broadcast();
                b = b.to(texts(args.path(0)));
                b = b.except(texts(args.path(1)));
                Object[] rest = new Object[args.size() - 3];
                for (int i = 3; i < args.size(); i++) {
                    rest[i - 3] = args.get(i);
                }
                ack.send(null, b.emit(args.path(2).asText(), rest));
            });
            main.on("sockets-join", (socket, args, ack) -> {
                main.in(texts(args.path(0))).socketsJoin(args.path(1).asText());
                ack.send((Object) null);
            });
            main.on("sockets-leave", (socket, args, ack) -> {
                main.in(texts(args.path(0))).socketsLeave(args.path(1).asText());
                ack.send((Object) null);
            });
            main.on("disconnect-sockets", (socket, args, ack) -> {
                main.in(texts(args.path(0))).disconnectSockets();
                ack.send((Object) null);
            });
            main.on("fetch", (socket, args, ack) -> main.in(texts(args.path(0))).fetchSockets().whenComplete((found, e) -> {
                if (e != null) {
                    ack.send(Map.of("message", String.valueOf(e)));
                    return;
                }
                List<Map<String, Object>> out = new ArrayList<>();
                for (RemoteSocket s : found) {
                    java.net.InetSocketAddress address = (java.net.InetSocketAddress) s.handshake().remoteAddress();
                    out.add(Map.of("id", s.id(), "node", s.node(), "rooms", List.copyOf(s.rooms()),
                            "who", String.valueOf(s.handshake().queryParam("who")), "address", address.getHostString()));
                }
                ack.send(null, out);
            }));
        }

        private static String[] texts(JsonNode array) {
            List<String> out = new ArrayList<>();
            array.forEach(n -> out.add(n.asText()));
            return out.toArray(new String[0]);
        }
    }

    /** Each event's arguments without the last one (the offset that recovery adds). */
    private static JsonNode withoutOffsets(JsonNode events) {
        com.fasterxml.jackson.databind.node.ArrayNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        events.forEach(e -> {
            com.fasterxml.jackson.databind.node.ArrayNode args = e.deepCopy();
            args.remove(args.size() - 1);
            out.add(args);
        });
        return out;
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
