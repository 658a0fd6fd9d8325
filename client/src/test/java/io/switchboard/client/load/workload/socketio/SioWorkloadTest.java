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

    @ParameterizedTest
    @EnumSource(Peer.class)
    void echoCompletesEveryRequestOnItsAckOverWebSocket(Peer peer) throws Exception {
        Started s = start(peer, "/", "");
        try (AutoCloseable stop = s.stop(); WorkloadHarness h = new WorkloadHarness(TransportUnderTest.NIO.config(),
                settings(s.url, 8).build(), SioWorkload::new)) {
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
}
