package io.switchboard.client.load.workload.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
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
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(30)
class UdpWorkloadTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static LoadSettings settings(int port, int pipeline, PayloadSpec payload) {
        return LoadSettings.builder().protocol(Protocol.UDP).target("127.0.0.1:" + port)
                .connections(1).pipeline(pipeline).payload(payload).build();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void everyDatagramComesBackFromTheServer(TransportUnderTest transport) throws Exception {
        TransportConfig config = transport.config();
        Server server = servers.start(transport);
        int port = server.address(Listener.UDP).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings(port, 8, PayloadSpec.range(20, 1400)),
                UdpWorkload::new)) {
            WorkloadHarness.Conn a = h.connect(0);
            WorkloadHarness.Conn b = h.connect(1);
            a.send(300);
            b.send(300);
            h.await("600 echoes", () -> a.completed == 300 && b.completed == 300, 10_000);
            h.onLoop(() -> {
                a.connection.close();
                b.connection.close();
                return null;
            });
            assertEquals(0, h.counter("lost"));
            assertEquals(0, h.counter("duplicated"));
            assertEquals(0, h.counter("reordered"));
            assertEquals(0, h.counter("late"));
            assertEquals(0, h.counter("foreign"));
            assertTrue(a.failures.isEmpty() && b.failures.isEmpty(), () -> a.details + " " + b.details);
            assertEquals(a.bytesSent, a.bytesReceived);
            assertTrue(a.readCompletes > 0);
        }
    }

    /**
     * Against an echo that drops every 10th datagram, answers the 7th twice and holds the 3rd
     * back until the 4th is answered: exact counts of each.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void lostDuplicatedAndReorderedAreCountedExactly(TransportUnderTest transport) throws Exception {
        TransportConfig config = transport.config();
        EventLoopGroup group = config.newEventLoopGroup(1, "lossy-echo");
        try {
            Channel echo = config.configureDatagram(new Bootstrap()).group(group)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048))
                    .handler(new LossyEcho())
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) echo.localAddress()).getPort();
            try (WorkloadHarness h = new WorkloadHarness(config, settings(port, 100, PayloadSpec.fixed(64)),
                    UdpWorkload::new)) {
                WorkloadHarness.Conn c = h.connect(0);
                c.send(100);
                h.await("90 answers and the duplicate", () -> c.completed == 90 && h.counter("duplicated") == 1,
                        10_000);
                assertEquals(10, c.inFlight());
                h.onLoop(() -> {
                    c.connection.close();
                    return null;
                });
                assertEquals(10, h.counter("lost"), "10, 20, ..., 100 never came back");
                assertEquals(1, h.counter("duplicated"));
                assertEquals(1, h.counter("reordered"), "3 came after 4");
                assertEquals(0, h.counter("late"));
                assertEquals(0, h.counter("foreign"));
                assertTrue(c.failures.isEmpty(), c.details::toString);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** A timed-out datagram is lost; its reply, when it finally comes, is late and completes nothing. */
    @Test
    void aReplyAfterTheTimeoutIsLateNotACompletion() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        EventLoopGroup group = config.newEventLoopGroup(1, "held-echo");
        try {
            HeldEcho held = new HeldEcho();
            Channel echo = config.configureDatagram(new Bootstrap()).group(group).handler(held)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) echo.localAddress()).getPort();
            try (WorkloadHarness h = new WorkloadHarness(config, settings(port, 1, PayloadSpec.fixed(32)),
                    UdpWorkload::new)) {
                WorkloadHarness.Conn c = h.connect(0);
                c.send(1);
                h.await("the datagram at the echo", () -> held.held != null, 5_000);
                h.onLoop(() -> {
                    int token = c.tokensInFlight().get(0);
                    ((UdpConnection) c.connection).timedOut(token);
                    c.giveUp(token);
                    return null;
                });
                assertEquals(1, h.counter("lost"));
                echo.eventLoop().submit(held::release).sync();
                h.await("the late reply", () -> h.counter("late") == 1, 5_000);
                assertEquals(0, c.completed);
                c.send(1);
                h.await("the next datagram", () -> held.held != null, 5_000);
                echo.eventLoop().submit(held::release).sync();
                h.await("its answer", () -> c.completed == 1, 5_000);
                assertEquals(1, h.counter("lost"));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void payloadsTooSmallForTheHeaderOrTooLargeForADatagramAreRefused() {
        TransportConfig config = TransportUnderTest.NIO.config();
        WorkloadException small = assertThrows(WorkloadException.class,
                () -> new WorkloadHarness(config, settings(9, 1, PayloadSpec.range(8, 64)), UdpWorkload::new));
        assertEquals("payload: 8-64 (expected: at least 20 bytes for udp, the size of its sequence header)",
                small.getMessage());
        WorkloadException large = assertThrows(WorkloadException.class,
                () -> new WorkloadHarness(config, settings(9, 1, PayloadSpec.fixed(70_000)), UdpWorkload::new));
        assertTrue(large.getMessage().startsWith("payload: 70000 (expected: at most 65507"), large.getMessage());
    }

    @Test
    void nothingListeningIsAConnectionError() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (WorkloadHarness h = new WorkloadHarness(config, settings(port, 1, PayloadSpec.fixed(32)), UdpWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            c.send(1);
            h.await("port unreachable", () -> c.connectionErrors == 1, 5_000);
            assertTrue(c.details.get(0).startsWith("connection CONNECT_REFUSED"), c.details::toString);
            assertEquals(ErrorKind.CONNECT_REFUSED.key(), "connect_refused");
        }
    }

    /** Echoes datagrams 1, 2, ...: drops every 10th, answers the 7th twice, answers the 3rd after the 4th. */
    private static final class LossyEcho extends SimpleChannelInboundHandler<DatagramPacket> {
        private int n;
        private DatagramPacket third;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            n++;
            if (n % 10 == 0) {
                return;
            }
            DatagramPacket reply = new DatagramPacket(packet.content().retain(), packet.sender());
            if (n == 3) {
                third = reply;
                return;
            }
            if (n == 7) {
                ctx.write(reply.retainedDuplicate());
            }
            ctx.write(reply);
            if (n == 4) {
                ctx.write(third);
                third = null;
            }
            ctx.flush();
        }
    }

    /** Holds each datagram until the test releases it. */
    private static final class HeldEcho extends SimpleChannelInboundHandler<DatagramPacket> {
        volatile DatagramPacket held;
        private ChannelHandlerContext ctx;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            this.ctx = ctx;
            held = new DatagramPacket(packet.content().retain(), packet.sender());
        }

        Object release() {
            DatagramPacket p = held;
            held = null;
            ctx.writeAndFlush(p);
            return null;
        }
    }
}
