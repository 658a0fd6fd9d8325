package io.switchboard.client.load.workload.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.engine.Progress;
import io.switchboard.client.load.engine.StageRunner;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The four workloads of this part (udp, ws, fanout, connscale) run by the real engine against the
 * real server, one short stage each, over every transport: what reaches the stage result.
 */
@Timeout(120)
class WorkloadStagesTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static LoadSettings.Builder settings(TransportUnderTest t, Protocol protocol, Server server, Listener l) {
        return LoadSettings.builder().protocol(protocol)
                .target("127.0.0.1:" + server.address(l).getPort())
                .transport(t.choice).epollMode(t.epollMode)
                .duration(Duration.ofMillis(800)).timeout(Duration.ofSeconds(5));
    }

    private static StageResult run(LoadSettings s) throws Exception {
        return new StageRunner(Progress.silent()).run(s);
    }

    private static long counter(StageResult r, String name) {
        Long v = r.counters().get(name);
        if (v == null) {
            throw new AssertionError("no counter " + name + " in " + r.counters());
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void udpEchoStage(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = run(settings(t, Protocol.UDP, server, Listener.UDP).connections(2).pipeline(4)
                .payload(PayloadSpec.range(20, 1200)).option("drain", "300ms").build());
        assertTrue(r.totals().completed() > 0, r.totals()::toString);
        assertEquals(0, r.totals().inFlightAtEnd(), "the drain waited for the last replies");
        assertEquals(0, r.totals().errors(), () -> r.errors().toString());
        assertEquals(0, counter(r, "lost"));
        assertEquals(0, counter(r, "duplicated"));
        assertEquals(0, counter(r, "foreign"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void wsBridgeStage(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = run(settings(t, Protocol.WS, server, Listener.HTTP).connections(2).pipeline(4)
                .payload(PayloadSpec.range(1, 500)).duration(null).requests(400).build());
        assertEquals(400, r.totals().completed(), r.totals()::toString);
        assertEquals(0, r.totals().errors(), () -> r.errors().toString());
    }

    /**
     * Open loop: 400 publishes/s into 2 rooms of 5, after a warm-up that covers the handshakes and
     * joins: every accepted publish reaches its 5 members, exactly once.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void fanoutStage(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = run(settings(t, Protocol.FANOUT, server, Listener.FRAMED).connections(11).pipeline(16)
                .rate(400).payload(PayloadSpec.fixed(64)).option("subscribers", "10").option("rooms", "2")
                .option("drain", "500ms").warmup(Duration.ofSeconds(1)).build());
        long accepted = counter(r, "publishes_accepted");
        assertTrue(accepted > 0, r.counters()::toString);
        assertEquals(counter(r, "publishes"), accepted, r.counters()::toString);
        assertEquals(accepted * 5, counter(r, "expected_deliveries"));
        assertEquals(accepted * 5, counter(r, "deliveries"), r.counters()::toString);
        assertEquals(0, counter(r, "missing"));
        assertEquals(0, counter(r, "duplicate_deliveries"));
        assertEquals(0, counter(r, "out_of_order"));
        assertEquals(0, r.totals().errors(), () -> r.errors().toString());
        // One latency sample per delivery in the measured part (the engine adds its own for
        // publishes that never went out or were unanswered when the stage ended).
        long deliveredMeasured = r.totals().completed();
        assertTrue(deliveredMeasured > 0 && deliveredMeasured <= accepted * 5, r.totals()::toString);
        assertTrue(r.latency().getTotalCount() >= deliveredMeasured, r.totals()::toString);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void connscaleStage(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        // Generous bounds, as they are not under test: on a busy 2-core machine shared with other
        // builds, with paranoid leak detection, 200 framed handshakes can take seconds. The hold
        // lets the last of them open well before the stage ends; the timeout lets a handshake be slow.
        StageResult r = run(settings(t, Protocol.CONNSCALE, server, Listener.FRAMED).connections(200)
                .rampUp(Duration.ofMillis(200)).duration(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(30))
                .option("heartbeat", "100ms").build());
        assertEquals(200, counter(r, "opened"), r.counters()::toString);
        assertEquals(200, counter(r, "survived"));
        assertEquals(0, counter(r, "closed_early"));
        assertTrue(counter(r, "heartbeats_answered") > 200, r.counters()::toString);
        assertTrue(counter(r, "open_rate") > 0);
        assertEquals(200, r.latency().getTotalCount(), "one connect-latency sample per connection");
        assertEquals(Map.of(), r.errors());
    }
}
