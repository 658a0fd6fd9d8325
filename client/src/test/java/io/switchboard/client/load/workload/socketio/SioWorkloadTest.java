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
        if (peer == Peer.NODE) {
            SioNodeServer node = SioNodeServer.start(namespace, token);
            return new Started("http://127.0.0.1:" + node.port + namespace, node,
                    Map.of("join_event", "join", "publish_event", "publish"));
        }
        Server server = servers.start(TransportUnderTest.NIO, b -> {
            if (!token.isEmpty()) {
                b.authToken(token);
            }
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

    private static Map<String, String> with(Map<String, String> base, String... kv) {
        Map<String, String> out = new java.util.LinkedHashMap<>(base);
        for (int i = 0; i < kv.length; i += 2) {
            out.put(kv[i], kv[i + 1]);
        }
        return out;
    }
}
