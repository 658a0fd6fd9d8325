package io.switchboard.client.load.workload.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Only publishers send, so the rate and a request budget are shared among the event loops by
 * their publishers, not by all their connections: 4 subscribers and 1 publisher on 2 loops put
 * the publisher on loop 0 and nothing that sends on loop 1.
 */
@Timeout(120)
class FanoutRateShareTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static LoadSettings.Builder settings(TransportUnderTest t, Server server) {
        return LoadSettings.builder().protocol(Protocol.FANOUT)
                .target("127.0.0.1:" + server.address(Listener.FRAMED).getPort())
                .transport(t.choice).epollMode(t.epollMode).timeout(Duration.ofSeconds(5))
                .connections(5).threads(2).pipeline(16).payload(PayloadSpec.fixed(64))
                .option("subscribers", "4").option("publishers", "1").option("drain", "300ms");
    }

    private static long counter(StageResult r, String name) {
        Long v = r.counters().get(name);
        if (v == null) {
            throw new AssertionError("no counter " + name + " in " + r.counters());
        }
        return v;
    }

    /**
     * Every publish the schedule released found the publisher: none left waiting for a connection
     * at the end. (Not "none ever waited": with 16 publishes in flight, a machine that stalls the
     * server for 80 ms makes one wait for an ack, which is counted as blocked. A share of the rate
     * given to the loop without a publisher would never be sent, and is caught here.)
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theWholeRateGoesToTheLoopsThatHavePublishers(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = new StageRunner(Progress.silent()).run(settings(t, server).rate(200)
                .warmup(Duration.ofMillis(300)).duration(Duration.ofSeconds(1)).build());
        assertEquals(0, counter(r, "unsent_at_end"), r.counters()::toString);
        assertEquals(counter(r, "scheduled"), counter(r, "sent"), r.counters()::toString);
        assertEquals(counter(r, "sent"), counter(r, "publishes"), r.counters()::toString);
    }

    /** A request-bounded stage ends once its requests are published, on any loop layout. */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aRequestBoundedStageEnds(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new StageRunner(Progress.silent())
                .run(settings(t, server).rate(200).duration(null).requests(100).build()));
        assertEquals(100, counter(r, "publishes"), r.counters()::toString);
        assertEquals(100, counter(r, "publishes_accepted"), r.counters()::toString);
        assertEquals(400, counter(r, "deliveries"), r.counters()::toString);
        assertEquals(0, counter(r, "missing"), r.counters()::toString);
    }

    /** The same in closed loop (no rate): the budget goes to the loops that can spend it. */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aClosedLoopRequestBoundedStageEnds(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new StageRunner(Progress.silent())
                .run(settings(t, server).duration(null).requests(100).build()));
        assertEquals(100, counter(r, "publishes_accepted"), r.counters()::toString);
        assertEquals(400, counter(r, "deliveries"), r.counters()::toString);
    }
}
