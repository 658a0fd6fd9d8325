package io.switchboard.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.KernelEpollView;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The client library against a real server over loopback, on every transport this machine offers. */
class FramedIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static ClientOptions options(Server server, TransportUnderTest transport) {
        InetSocketAddress address = server.address(Listener.FRAMED);
        return ClientOptions.builder()
                .host(address.getAddress().getHostAddress())
                .port(address.getPort())
                .transport(transport.choice)
                .epollMode(transport.epollMode)
                .name("test")
                .requestTimeout(Duration.ofSeconds(30))
                .build();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void handshakeAndPing(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (SwitchboardClient client = SwitchboardClient.connect(options(server, transport)).get(10, TimeUnit.SECONDS)) {
            assertTrue(client.sessionId() > 0);
            assertTrue(client.serverName().startsWith("switchboard/"), client.serverName());
            assertEquals(1 << 20, client.serverMaxFrameLength());
            assertFalse(client.ping().get(10, TimeUnit.SECONDS).isNegative());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void pipelinedEchoesOfEverySize(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxFrameLength(8 << 20));
        Random random = new Random(1);
        int[] sizes = {0, 1, 64 * 1024, 4 << 20, 0, 1, 64 * 1024, 4 << 20};
        try (SwitchboardClient client = SwitchboardClient.connect(options(server, transport)).get(10, TimeUnit.SECONDS)) {
            List<byte[]> sent = new ArrayList<>();
            List<CompletableFuture<byte[]>> replies = new ArrayList<>();
            for (int size : sizes) {
                byte[] payload = new byte[size];
                random.nextBytes(payload);
                sent.add(payload);
                replies.add(client.echo(payload)); // all in flight at once
            }
            for (int i = 0; i < sizes.length; i++) {
                assertArrayEquals(sent.get(i), replies.get(i).get(30, TimeUnit.SECONDS), "echo #" + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void manyConcurrentClients(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        List<SwitchboardClient> clients = new ArrayList<>();
        try {
            List<CompletableFuture<SwitchboardClient>> connecting = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                connecting.add(SwitchboardClient.connect(options(server, transport)));
            }
            for (CompletableFuture<SwitchboardClient> c : connecting) {
                clients.add(c.get(20, TimeUnit.SECONDS));
            }
            assertEquals(50, clients.stream().mapToLong(SwitchboardClient::sessionId).distinct().count());
            List<CompletableFuture<byte[]>> replies = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            for (int round = 0; round < 100; round++) {
                for (int c = 0; c < clients.size(); c++) {
                    byte[] payload = ("client " + c + " round " + round).getBytes();
                    sent.add(payload);
                    replies.add(clients.get(c).echo(payload));
                }
            }
            for (int i = 0; i < replies.size(); i++) {
                assertArrayEquals(sent.get(i), replies.get(i).get(30, TimeUnit.SECONDS));
            }
        } finally {
            clients.forEach(SwitchboardClient::close);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aFrameOverTheServersLimitIsRefusedAndTheConnectionCloses(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (SwitchboardClient client = SwitchboardClient.connect(options(server, transport)).get(10, TimeUnit.SECONDS)) {
            CompletionException e = assertThrows(CompletionException.class, () -> client.echo(new byte[2 << 20]).join());
            SwitchboardException error = assertInstanceOf(SwitchboardException.class, e.getCause());
            assertEquals(ErrorCode.FRAME_TOO_LARGE, error.errorCode());
            assertTrue(error.getMessage().contains("exceeds the maximum of 1048576"), error.getMessage());
            client.closeFuture().get(10, TimeUnit.SECONDS);
            // Reconnecting is on by default, and calls meanwhile fail fast.
            CompletionException after = assertThrows(CompletionException.class, () -> client.ping().join());
            assertInstanceOf(NotConnectedException.class, after.getCause());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theClientsHeartbeatKeepsAnIdleSessionOpenWhileASilentPeerIsClosed(TransportUnderTest transport)
            throws Exception {
        Server server = servers.start(transport, b -> b.idleTimeout(Duration.ofMillis(600)));
        try (SwitchboardClient client = SwitchboardClient.connect(options(server, transport)).get(10, TimeUnit.SECONDS);
                java.net.Socket silent = new java.net.Socket(server.address(Listener.FRAMED).getAddress(),
                        server.address(Listener.FRAMED).getPort())) {
            silent.setSoTimeout(10_000);
            // HELLO, then nothing: the server must give up on this one.
            silent.getOutputStream().write(new byte[] {0, 0, 0, 11, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0});
            java.io.DataInputStream in = new java.io.DataInputStream(silent.getInputStream());
            in.readFully(new byte[in.readInt()]); // WELCOME
            int length = in.readInt();
            byte[] error = new byte[length];
            in.readFully(error);
            assertEquals(0x07, error[0], "an ERROR frame");
            assertEquals(408, ((error[6] & 0xff) << 8) | (error[7] & 0xff), "IDLE_TIMEOUT");
            assertEquals(-1, in.read(), "then the connection closes");

            Thread.sleep(1500); // well past the idle timeout, without a single request from us
            assertTrue(client.isOpen(), "the client's own pings kept the session alive");
            assertFalse(client.ping().get(10, TimeUnit.SECONDS).isNegative());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL"})
    void theClientsEpollModeReachesTheKernel(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (SwitchboardClient client = SwitchboardClient.connect(options(server, transport)).get(10, TimeUnit.SECONDS)) {
            int localPort = ((InetSocketAddress) client.channel().localAddress()).getPort();
            OptionalInt fd = KernelEpollView.tcpSocketFd(localPort, client.remoteAddress().getPort());
            assertTrue(fd.isPresent());
            List<Long> masks = KernelEpollView.eventMasks(fd.getAsInt());
            assertEquals(1, masks.size(), masks.toString());
            assertEquals(transport == TransportUnderTest.EPOLL_EDGE, (masks.get(0) & KernelEpollView.EPOLLET) != 0,
                    "mask 0x" + Long.toHexString(masks.get(0)));
        }
    }
}
