package io.switchboard.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Type=notify}: a Unix datagram socket bound by the test (Netty epoll) stands in for
 * systemd, at a file path and at an abstract name; the server must send {@code READY=1} with a
 * {@code STATUS=} naming every listener once they are bound, and {@code STOPPING=1} when a
 * graceful shutdown begins.
 */
@Timeout(60)
class SystemdNotifyTest {
    private EventLoopGroup group;
    private Channel systemd;
    private final BlockingQueue<String> notifications = new LinkedBlockingQueue<>();

    @TempDir
    Path dir;

    @BeforeEach
    void epollOnly() {
        assumeTrue(Epoll.isAvailable(), "needs epoll: " + Epoll.unavailabilityCause());
        group = new EpollEventLoopGroup(1);
    }

    @AfterEach
    void stop() {
        if (systemd != null) {
            systemd.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private void listen(String socketPath) {
        systemd = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        notifications.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(socketPath)).syncUninterruptibly().channel();
    }

    private static Map<String, String> parse(String datagram) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (String line : datagram.split("\n")) {
            int eq = line.indexOf('=');
            fields.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return fields;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readyWithTheListenersThenStopping(boolean abstractName) throws Exception {
        String name = "switchboard-notify-" + UUID.randomUUID();
        String bound = abstractName ? "\0" + name : dir.resolve("notify.sock").toString();
        String notifySocket = abstractName ? "@" + name : bound;
        listen(bound);
        ServerConfig.Builder builder = ServerConfig.builder().bindAddress(InetAddress.getLoopbackAddress())
                .transport(TransportUnderTest.EPOLL_EDGE.choice).ioThreads(1);
        for (Listener l : Listener.values()) {
            builder.port(l, 0);
        }
        Server server = Server.start(builder.build(), Map.of("NOTIFY_SOCKET", notifySocket));
        try {
            String ready = notifications.poll(10, TimeUnit.SECONDS);
            assertNotNull(ready, "no READY=1");
            Map<String, String> fields = parse(ready);
            assertEquals("1", fields.get("READY"));
            assertEquals(Long.toString(ProcessHandle.current().pid()), fields.get("MAINPID"));
            String status = fields.get("STATUS");
            for (Listener l : server.listeners().keySet()) {
                String expected = l.id() + " 127.0.0.1:" + server.address(l).getPort();
                assertTrue(status.contains(expected), status + " lacks " + expected);
            }
        } finally {
            server.shutdownGracefully(Duration.ofSeconds(5));
        }
        String stopping = notifications.poll(10, TimeUnit.SECONDS);
        assertNotNull(stopping, "no STOPPING=1");
        Map<String, String> fields = parse(stopping);
        assertEquals("1", fields.get("STOPPING"));
        assertTrue(fields.get("STATUS").startsWith("draining"), stopping);
    }

    @Test
    void withoutNotifySocketNothingIsSentAndABadOneIsNotFatal() throws Exception {
        assertTrue(!SystemdNotify.fromEnvironment(Map.of()).enabled());
        // A relative path is not a notify socket: logged, ignored, the server still starts.
        assertTrue(!SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", "relative/path")).enabled());
        // A socket nobody listens on: logged, not thrown.
        try (SystemdNotify notify = SystemdNotify.fromEnvironment(
                Map.of("NOTIFY_SOCKET", dir.resolve("nobody.sock").toString()))) {
            assertTrue(!notify.enabled());
            notify.ready("serving nothing");
        }
    }
}
