package io.switchboard.client.load.workload.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.engine.Progress;
import io.switchboard.client.load.engine.StageRunner;
import io.switchboard.client.load.result.ErrorKind;
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
 * Against a server with a short idle timeout, subscribers (which never send after their JOIN)
 * keep their connections alive with PINGs the way the library does (a third of the idle timeout
 * announced in WELCOME), so the server cuts none of them; and a cut, had there been one, would be
 * a {@code disconnect} error.
 */
@Timeout(120)
class FanoutKeepaliveTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void subscribersOutliveTheServersIdleTimeout(TransportUnderTest t) throws Exception {
        t.config();
        Server server = servers.start(t, b -> b.idleTimeout(Duration.ofMillis(600)));
        // 4 publishes/s over 3 rooms' worth of subscribers: each publisher sends every 250 ms,
        // each subscriber gets an event about every 750 ms, longer than the idle timeout.
        StageResult r = new StageRunner(Progress.silent()).run(LoadSettings.builder().protocol(Protocol.FANOUT)
                .target("127.0.0.1:" + server.address(Listener.FRAMED).getPort())
                .transport(t.choice).epollMode(t.epollMode).timeout(Duration.ofSeconds(5))
                .connections(4).pipeline(4).rate(4).payload(PayloadSpec.fixed(64))
                .option("subscribers", "3").option("rooms", "3").option("publishers", "1").option("drain", "200ms")
                .duration(Duration.ofMillis(2500)).build());
        assertEquals(0, r.errors().getOrDefault(ErrorKind.DISCONNECT, 0L), () -> r.errors() + " " + r.counters());
        assertEquals(4, r.counters().get("connects"), () -> "no reconnects: " + r.counters());
        assertTrue(r.counters().get("keepalives") > 3, () -> "subscribers sent PINGs: " + r.counters());
        assertEquals(0, r.counters().get("missing"), r.counters()::toString);
    }
}
