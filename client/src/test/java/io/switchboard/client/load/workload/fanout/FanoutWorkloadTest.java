package io.switchboard.client.load.workload.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.harness.WorkloadHarness;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(60)
class FanoutWorkloadTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static LoadSettings.Builder settings(String target, int subscribers, int rooms, int publishers) {
        return LoadSettings.builder().protocol(Protocol.FANOUT).target(target)
                .connections(subscribers + publishers).pipeline(8).payload(PayloadSpec.range(36, 300))
                .option("subscribers", Integer.toString(subscribers)).option("rooms", Integer.toString(rooms))
                .option("publishers", Integer.toString(publishers));
    }

    private static List<WorkloadHarness.Conn> subscribe(WorkloadHarness h, int n) throws Exception {
        List<WorkloadHarness.Conn> subs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            subs.add(h.open(i, null));
        }
        for (WorkloadHarness.Conn s : subs) {
            s.ready.get(10, TimeUnit.SECONDS);
        }
        return subs;
    }

    private static int deliveries(List<WorkloadHarness.Conn> subs) {
        return subs.stream().mapToInt(c -> c.deliveries).sum();
    }

    /** 1 publisher, 2 rooms of 5, 200 publishes: exactly 200 x 5 deliveries, nothing missing or twice. */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void everyAcceptedPublishReachesEveryMemberOfItsRoomOnce(TransportUnderTest transport) throws Exception {
        TransportConfig config = transport.config();
        Server server = servers.start(transport);
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 10, 2, 1).build(), FanoutWorkload::new)) {
            List<WorkloadHarness.Conn> subs = subscribe(h, 10);
            WorkloadHarness.Conn pub = h.connect(10);
            pub.send(200);
            h.await("200 acks and 1000 deliveries", () -> pub.acknowledged == 200 && deliveries(subs) == 1000, 20_000);
            h.workload().finish();
            assertEquals(200, h.counter("publishes"));
            assertEquals(200, h.counter("publishes_accepted"));
            assertEquals(1000, h.counter("deliveries"));
            assertEquals(1000, h.counter("expected_deliveries"));
            assertEquals(0, h.counter("missing"));
            assertEquals(0, h.counter("duplicate_deliveries"));
            assertEquals(0, h.counter("out_of_order"));
            assertEquals(0, h.counter("corrupt_deliveries"));
            for (WorkloadHarness.Conn s : subs) {
                assertEquals(100, s.deliveries, "each room got every other publish");
                assertTrue(s.deliveryLatencies.stream().allMatch(l -> l > 0));
            }
            assertEquals(0, pub.completed, "publishes are acknowledged, not timed: deliveries carry the latency");
        }
    }

    @Test
    void publishersWaitUntilEverySubscriberHasJoined() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO);
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 4, 1, 2).build(), FanoutWorkload::new)) {
            subscribe(h, 3);
            WorkloadHarness.Conn pub1 = h.open(4, null);
            WorkloadHarness.Conn pub2 = h.open(5, null);
            // Both have handled their WELCOME (bytes counted just before the workload's welcomed()),
            // which is when a publisher would be ready if it did not wait for the subscribers.
            h.await("both publishers welcomed", () -> pub1.bytesReceived > 0 && pub2.bytesReceived > 0, 10_000);
            assertFalse(h.onLoop(() -> pub1.ready.isDone() || pub2.ready.isDone()), "a publisher is ready too early");
            assertEquals(3, ((FanoutWorkload) h.workload()).joined());
            h.open(3, null).ready.get(10, TimeUnit.SECONDS);
            pub1.ready.get(10, TimeUnit.SECONDS);
            pub2.ready.get(10, TimeUnit.SECONDS);
            pub1.send(10);
            pub2.send(10);
            h.await("20 acks", () -> pub1.acknowledged + pub2.acknowledged == 20, 10_000);
            h.await("80 deliveries", () -> h.counter("deliveries") == 80, 10_000);
            h.workload().finish();
            assertEquals(80, h.counter("expected_deliveries"));
            assertEquals(0, h.counter("missing"));
        }
    }

    /** A subscriber that leaves halfway misses exactly what was published after it left. */
    @Test
    void aSubscriberGoneHalfwayCountsItsMissingDeliveries() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO);
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 3, 1, 1).build(), FanoutWorkload::new)) {
            List<WorkloadHarness.Conn> subs = subscribe(h, 3);
            WorkloadHarness.Conn pub = h.connect(3);
            pub.send(50);
            h.await("150 deliveries", () -> deliveries(subs) == 150, 10_000);
            h.onLoop(() -> {
                subs.get(2).connection.close();
                return null;
            });
            subs.get(2).closedWith.get(10, TimeUnit.SECONDS);
            pub.send(50);
            h.await("100 acks and 250 deliveries", () -> pub.acknowledged == 100 && deliveries(subs) == 250, 10_000);
            h.workload().finish();
            assertEquals(300, h.counter("expected_deliveries"));
            assertEquals(50, h.counter("missing"));
            assertEquals(250, h.counter("deliveries"));
        }
    }

    @Test
    void settingsThatCannotWorkAreRefusedUpFront() {
        TransportConfig config = TransportUnderTest.NIO.config();
        WorkloadException sum = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 4, 1, 1).connections(9).build(), FanoutWorkload::new));
        assertEquals("connections: 9 (expected: subscribers + publishers = 5 for fanout)", sum.getMessage());
        WorkloadException rooms = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 2, 3, 1).build(), FanoutWorkload::new));
        assertTrue(rooms.getMessage().startsWith("rooms: 3 (expected: at most the 2 subscribers"), rooms.getMessage());
        WorkloadException payload = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 2, 1, 1).payload(PayloadSpec.fixed(20)).build(), FanoutWorkload::new));
        assertTrue(payload.getMessage().startsWith("payload: 20 (expected: a size or range of at least 36"),
                payload.getMessage());
    }
}
