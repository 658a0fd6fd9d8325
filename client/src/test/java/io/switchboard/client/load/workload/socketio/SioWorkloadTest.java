package io.switchboard.client.load.workload.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.harness.WorkloadHarness;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.socketio.settings.EngineConfig;
import java.time.Duration;
import io.switchboard.testing.TransportUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The socketio workloads against the two servers they must drive: Switchboard (relay events and
 * an embedding-API echo handler) and the reference Node socket.io 4.8 server
 * ({@link SioNodeServer}), over WebSocket and long-polling. Counts are exact; nothing is timed.
 */
@Timeout(60)
class SioWorkloadTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    /** The server at the other end. */
    enum Peer { SWITCHBOARD, NODE }

    /** A started peer: its target URL, what stops it, the fan-out options it needs. */
    private record Started(String url, AutoCloseable stop, Map<String, String> fanoutOptions) {
    }

    private Started start(Peer peer, String namespace, String token) throws Exception {
        return start(peer, namespace, token, 25_000);
    }

    private Started start(Peer peer, String namespace, String token, int pingMillis) throws Exception {
        if (peer == Peer.NODE) {
            SioNodeServer node = SioNodeServer.start(namespace, token, pingMillis);
            return new Started("http://127.0.0.1:" + node.port + namespace, node,
                    Map.of("join_event", "join", "publish_event", "publish"));
        }
        Server server = servers.start(TransportUnderTest.NIO, b -> {
            if (!token.isEmpty()) {
                b.authToken(token);
            }
            b.socketIo(EngineConfig.builder().pingInterval(Duration.ofMillis(pingMillis))
                    .pingTimeout(Duration.ofSeconds(20)).build());
        });
        server.socketIo().sockets().on("echo", (socket, args, ack) -> ack.sendArgs(args));
        return new Started("http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + namespace, () -> { },
                Map.of());
    }

    private static LoadSettings.Builder settings(String url, int pipeline) {
        return LoadSettings.builder().protocol(Protocol.SOCKETIO).target(url).connections(2).pipeline(pipeline)
                .payload(PayloadSpec.range(1, 700));
    }

    /** Every peer over every Engine.IO transport. */
    static List<Object[]> peersAndTransports() {
        List<Object[]> out = new ArrayList<>();
        for (Peer p : Peer.values()) {
            for (String t : List.of("websocket", "polling")) {
                out.add(new Object[] {p, t});
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("peersAndTransports")
    void echoCompletesEveryRequestOnItsAck(Peer peer, String transport) throws Exception {
        Started s = start(peer, "/", "");
        try (AutoCloseable stop = s.stop(); WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                settings(s.url, 8).option("transport", transport).build(), SioWorkload::new)) {
            WorkloadHarness.Conn a = h.connect(0);
            WorkloadHarness.Conn b = h.connect(1);
            a.send(300);
            b.send(300);
            h.await("600 acks", () -> a.settled() == 300 && b.settled() == 300, 30_000);
            assertEquals(300, a.completed, a.details::toString);
            assertEquals(300, b.completed, b.details::toString);
            assertEquals(0, a.connectionErrors + b.connectionErrors);
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("peersAndTransports")
    void fanoutCountsEveryDeliveryOnceAndInOrder(Peer peer, String transport) throws Exception {
        Started s = start(peer, "/", "");
        LoadSettings settings = settings(s.url, 4).connections(7).payload(PayloadSpec.range(72, 300))
                .option("workload", "fanout").option("transport", transport).option("subscribers", "6")
                .option("rooms", "2").options(with(s.fanoutOptions, "workload", "fanout", "transport", transport,
                        "subscribers", "6", "rooms", "2")).build();
        try (AutoCloseable stop = s.stop(); WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                settings, SioWorkload::new)) {
            List<WorkloadHarness.Conn> subs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                subs.add(h.open(i, null));
            }
            for (WorkloadHarness.Conn c : subs) {
                c.ready.get(20, TimeUnit.SECONDS);
            }
            WorkloadHarness.Conn pub = h.connect(6);
            pub.send(100);
            h.await("100 acks and 300 deliveries",
                    () -> pub.acknowledged == 100 && subs.stream().mapToInt(c -> c.deliveries).sum() == 300, 30_000);
            h.workload().finish();
            assertEquals(100, h.counter("publishes_accepted"));
            assertEquals(300, h.counter("deliveries"));
            assertEquals(300, h.counter("expected_deliveries"));
            assertEquals(0, h.counter("missing"));
            assertEquals(0, h.counter("duplicate_deliveries"));
            assertEquals(0, h.counter("out_of_order"));
            assertEquals(0, h.counter("corrupt_deliveries"));
            for (WorkloadHarness.Conn c : subs) {
                assertEquals(50, c.deliveries, "each room gets every other publish");
            }
        }
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("peersAndTransports")
    void emitCompletesEachEventOnceWritten(Peer peer, String transport) throws Exception {
        Started s = start(peer, "/", "");
        try (AutoCloseable stop = s.stop(); WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                settings(s.url, 16).option("workload", "emit").option("transport", transport).build(),
                SioWorkload::new)) {
            WorkloadHarness.Conn a = h.connect(0);
            a.send(500);
            h.await("500 emits written", () -> a.settled() == 500, 30_000);
            assertEquals(500, a.completed, a.details::toString);
            assertEquals(0, a.connectionErrors);
        }
    }

    /** Held sockets answer the server's pings (every 200 ms here) and stay open. */
    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("peersAndTransports")
    void connscaleHoldsSocketsAndAnswersEveryPing(Peer peer, String transport) throws Exception {
        Started s = start(peer, "/", "", 200);
        try (AutoCloseable stop = s.stop(); WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                settings(s.url, 1).connections(3).option("workload", "connscale").option("transport", transport)
                        .build(), SioWorkload::new)) {
            List<WorkloadHarness.Conn> conns = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                conns.add(h.connect(i));
            }
            assertEquals(3, h.counter("opened"));
            h.await("two pings answered per socket", () -> h.counter("pings_answered") >= 6, 20_000);
            for (WorkloadHarness.Conn c : conns) {
                assertTrue(!c.closedWith.isDone(), "still open");
                assertEquals(0, c.connectionErrors);
            }
            h.onLoop(() -> {
                conns.forEach(c -> c.connection.close());
                return null;
            });
            assertEquals(3, h.counter("survived"));
            assertEquals(0, h.counter("closed_early"));
        }
    }

    @ParameterizedTest
    @EnumSource(Peer.class)
    void aMissingAuthTokenIsAConnectFailureThatSaysWhyAndTheRightOneConnects(Peer peer) throws Exception {
        Started s = start(peer, "/", "s3cret");
        try (AutoCloseable stop = s.stop()) {
            try (WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(), settings(s.url, 1).build(),
                    SioWorkload::new)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> h.connect(0));
                assertTrue(e.getCause().getMessage().startsWith("CONNECT to / refused: "), e.getCause()::toString);
                assertTrue(e.getCause().getMessage().contains("auth token"), e.getCause()::toString);
            }
            try (WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                    settings(s.url, 1).option("auth", "{\"token\":\"s3cret\"}").build(), SioWorkload::new)) {
                WorkloadHarness.Conn c = h.connect(0);
                c.send(10);
                h.await("ten acks", () -> c.completed == 10, 10_000);
            }
        }
    }

    @Test
    void aNamespaceInTheTargetIsConnectedToAndAnUnknownOneRefused() throws Exception {
        try (SioNodeServer node = SioNodeServer.start("/chat", "");
             WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                     settings("http://127.0.0.1:" + node.port + "/chat?room=x", 4).build(), SioWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            c.send(50);
            h.await("50 acks", () -> c.completed == 50, 10_000);
        }
        Started s = start(Peer.SWITCHBOARD, "/nowhere", "");
        try (WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(), settings(s.url, 1).build(),
                SioWorkload::new)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.connect(0));
            assertTrue(e.getCause().getMessage().contains("Invalid namespace"), e.getCause()::toString);
        }
    }

    @Test
    void relayEchoIsAPublishToAnEmptyRoomAndARefusalFailsOnlyThatRequest() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO, b -> b.maxPayloadBytes(100));
        String url = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();
        try (WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(), settings(url, 4)
                .payload(PayloadSpec.range(10, 200)).option("event", "sb:publish")
                .option("args", "[\"nobody\",\"load\"]").build(), SioWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            c.send(200);
            h.await("200 answers", () -> c.settled() == 200, 10_000);
            assertTrue(c.completed > 0 && c.failures(ErrorKind.PROTOCOL_ERROR) > 0, c.details::toString);
            assertEquals(200, c.completed + c.failures(ErrorKind.PROTOCOL_ERROR));
            assertTrue(c.details.get(0).contains("304"), c.details::toString);
            assertEquals(0, c.connectionErrors);
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertEquals("workload: nope (expected: echo, emit, fanout or connscale)", assertThrows(WorkloadException.class,
                () -> new WorkloadHarness(TransportUnderTest.NIO.config(), settings("http://127.0.0.1:1", 1)
                        .option("workload", "nope").build(), SioWorkload::new)).getMessage());
        assertEquals("transport: tcp (expected: websocket or polling)", assertThrows(WorkloadException.class,
                () -> new WorkloadHarness(TransportUnderTest.NIO.config(), settings("http://127.0.0.1:1", 1)
                        .option("transport", "tcp").build(), SioWorkload::new)).getMessage());
        assertTrue(assertThrows(WorkloadException.class, () -> new WorkloadHarness(TransportUnderTest.NIO.config(),
                settings("http://127.0.0.1:1", 1).option("auth", "[1]").build(), SioWorkload::new))
                .getMessage().startsWith("auth: [1] (expected: a JSON object"));
    }

    private static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> out = new java.util.LinkedHashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }
}
