package io.switchboard.client.load.workload.connscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.harness.WorkloadHarness;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(60)
class ConnscaleWorkloadTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static LoadSettings.Builder settings(String target, int connections) {
        return LoadSettings.builder().protocol(Protocol.CONNSCALE).target(target).connections(connections);
    }

    private static List<WorkloadHarness.Conn> openAll(WorkloadHarness h, int n) throws Exception {
        List<WorkloadHarness.Conn> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            conns.add(h.open(i, null));
        }
        for (WorkloadHarness.Conn c : conns) {
            c.ready.get(20, TimeUnit.SECONDS);
        }
        return conns;
    }

    private static void closeAll(WorkloadHarness h, List<WorkloadHarness.Conn> conns) throws Exception {
        h.onLoop(() -> {
            for (WorkloadHarness.Conn c : conns) {
                c.connection.close();
            }
            return null;
        });
        h.workload().finish();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedConnectionsOpenBeatAndSurvive(TransportUnderTest transport) throws Exception {
        TransportConfig config = transport.config();
        Server server = servers.start(transport);
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        int n = 300;
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, n).option("heartbeat", "100ms").build(),
                ConnscaleWorkload::new)) {
            List<WorkloadHarness.Conn> conns = openAll(h, n);
            assertEquals(n, h.counter("opened"));
            h.await("two heartbeats answered per connection", () -> h.counter("heartbeats_answered") >= 2L * n, 20_000);
            assertTrue(conns.stream().noneMatch(c -> c.connection.acceptsRequests()));
            closeAll(h, conns);
            assertEquals(n, h.counter("survived"));
            assertEquals(0, h.counter("closed_early"));
            assertEquals(1, h.counter("source_addresses"));
            assertTrue(h.counter("heartbeats_sent") >= h.counter("heartbeats_answered"));
            assertTrue(h.counter("open_rate") > 0, () -> h.counters().snapshot().toString());
        }
    }

    /**
     * With 100 connections per source address, 250 connections come from 127.0.0.1 (the
     * system's choice), 127.0.0.2 and 127.0.0.3, as the accepting side sees them.
     */
    @Test
    void connectionsBeyondOneAddressesPortsComeFromTheNextLoopbackAddresses() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        EventLoopGroup group = config.newEventLoopGroup(1, "acceptor");
        Map<String, AtomicInteger> peers = new ConcurrentHashMap<>();
        try {
            Channel listener = config.configure(new ServerBootstrap()).group(group)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            String peer = ((InetSocketAddress) ch.remoteAddress()).getAddress().getHostAddress();
                            peers.computeIfAbsent(peer, p -> new AtomicInteger()).incrementAndGet();
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            LoadSettings s = settings("127.0.0.1:" + port, 250).option("handshake", "raw")
                    .option("ports_per_address", "100").build();
            try (WorkloadHarness h = new WorkloadHarness(config, s, ConnscaleWorkload::new)) {
                List<WorkloadHarness.Conn> conns = openAll(h, 250);
                h.await("250 accepted", () -> peers.values().stream().mapToInt(AtomicInteger::get).sum() == 250, 10_000);
                Map<String, Integer> byPeer = new TreeMap<>();
                peers.forEach((k, v) -> byPeer.put(k, v.get()));
                assertEquals(Map.of("127.0.0.1", 100, "127.0.0.2", 100, "127.0.0.3", 50), byPeer);
                assertEquals(3, h.counter("source_addresses"));
                closeAll(h, conns);
                assertEquals(250, h.counter("survived"));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The server closes idle sessions after 1 s; a heartbeat every 200 ms keeps them. */
    @Test
    void withoutAHeartbeatIdleConnectionsAreClosedEarly() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO, b -> b.idleTimeout(Duration.ofSeconds(1)));
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        try (WorkloadHarness silent = new WorkloadHarness(config, settings(target, 50).build(), ConnscaleWorkload::new);
             WorkloadHarness beating = new WorkloadHarness(config, settings(target, 50).option("heartbeat", "200ms").build(),
                     ConnscaleWorkload::new)) {
            List<WorkloadHarness.Conn> quiet = openAll(silent, 50);
            List<WorkloadHarness.Conn> alive = openAll(beating, 50);
            silent.await("50 idle sessions closed by the server", () -> silent.counter("closed_early") == 50, 10_000);
            assertEquals(0, beating.counter("closed_early"));
            closeAll(silent, List.of());
            closeAll(beating, alive);
            assertEquals(0, silent.counter("survived"));
            assertEquals(50, beating.counter("survived"));
            assertEquals(0, beating.counter("closed_early"));
            assertTrue(quiet.stream().allMatch(c -> c.closedWith.isDone()));
        }
    }

    @Test
    void aRefusedHelloIsAConnectFailureNamingTheError() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO, b -> b.authToken("s3cret"));
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 1).build(), ConnscaleWorkload::new)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> h.open(0, null).ready.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().startsWith("HELLO refused: error 401"), e.getCause()::toString);
            assertEquals(0, h.counter("opened"));
        }
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 1).token("s3cret").build(),
                ConnscaleWorkload::new)) {
            h.connect(0);
            assertEquals(1, h.counter("opened"));
        }
    }

    @Test
    void impossibleSettingsAreRefusedUpFront() {
        TransportConfig config = TransportUnderTest.NIO.config();
        WorkloadException files = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 1_000_000).build(), ConnscaleWorkload::new));
        assertTrue(files.getMessage().startsWith("connections: 1000000 (expected: at most "), files.getMessage());
        WorkloadException v6 = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("[::1]:1", 11).option("ports_per_address", "10").build(), ConnscaleWorkload::new));
        assertTrue(v6.getMessage().contains("more need an IPv4 loopback server"), v6.getMessage());
        WorkloadException beat = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 1).option("heartbeat", "1ms").build(), ConnscaleWorkload::new));
        assertEquals("heartbeat: 1ms (expected: off, or 10ms or more)", beat.getMessage());
        WorkloadException mode = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 1).option("handshake", "tls").build(), ConnscaleWorkload::new));
        assertEquals("handshake: tls (expected: framed or raw)", mode.getMessage());
    }
}
