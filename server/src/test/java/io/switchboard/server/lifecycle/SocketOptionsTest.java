package io.switchboard.server.lifecycle;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.switchboard.common.transport.Transport;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerStartException;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Socket options from the configuration, and several listening sockets per port with SO_REUSEPORT. */
@Timeout(60)
class SocketOptionsTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void reusePortBindsNSocketsOnOnePortAndServesOnAll(TransportUnderTest transport) throws Exception {
        if (transport.choice.forced() != Transport.EPOLL) {
            transport.config(); // skip where unavailable
            ServerStartException refused = assertThrows(ServerStartException.class,
                    () -> servers.start(transport, b -> b.listenerChannels(2)));
            assertTrue(refused.getMessage().startsWith("socket.listener-channels: 2 (expected: 1 with the "
                    + transport.choice.forced().id() + " transport;"), refused.getMessage());
            return;
        }
        Server server = servers.start(transport, b -> b.listenerChannels(4));
        for (Listener l : List.of(Listener.FRAMED, Listener.ECHO, Listener.HTTP)) {
            List<Channel> channels = server.listenerChannels(l);
            assertEquals(4, channels.size(), l.id());
            int port = server.address(l).getPort();
            for (Channel ch : channels) {
                assertTrue(ch.isActive());
                assertEquals(port, ((InetSocketAddress) ch.localAddress()).getPort());
                assertEquals(Boolean.TRUE, ch.config().getOption(io.netty.channel.epoll.EpollChannelOption.SO_REUSEPORT));
            }
        }
        // Many connections: each served, and the kernel spread them over more than one socket.
        InetSocketAddress echo = server.address(Listener.ECHO);
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                Socket s = new Socket(echo.getAddress(), echo.getPort());
                s.setSoTimeout(10_000);
                sockets.add(s);
                byte[] line = ("hello " + i).getBytes(ISO_8859_1);
                s.getOutputStream().write(line);
                assertArrayEquals(line, s.getInputStream().readNBytes(line.length));
            }
            Set<Channel> acceptedBy = new HashSet<>();
            for (Channel child : server.connections().channels(Listener.ECHO)) {
                acceptedBy.add(child.parent());
            }
            assertTrue(acceptedBy.size() > 1, "every connection came through one listening socket");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void acceptedConnectionsGetTheConfiguredOptions(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.tcpNoDelay(false).sendBufferBytes(64 * 1024)
                .receiveBufferBytes(128 * 1024).backlog(64).writeBufferLowWaterMark(1000).writeBufferHighWaterMark(2000));
        InetSocketAddress echo = server.address(Listener.ECHO);
        try (Socket s = new Socket(echo.getAddress(), echo.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(1);
            assertEquals(1, s.getInputStream().read());
            Channel child = server.connections().channels(Listener.ECHO).get(0);
            assertFalse(child.config().getOption(ChannelOption.TCP_NODELAY));
            // Linux doubles SO_SNDBUF/SO_RCVBUF for its bookkeeping; NIO reports what the kernel says.
            int sndbuf = child.config().getOption(ChannelOption.SO_SNDBUF);
            assertTrue(sndbuf == 64 * 1024 || sndbuf == 128 * 1024, "SO_SNDBUF " + sndbuf);
            int rcvbuf = child.config().getOption(ChannelOption.SO_RCVBUF);
            assertTrue(rcvbuf == 128 * 1024 || rcvbuf == 256 * 1024, "SO_RCVBUF " + rcvbuf);
            assertEquals(1000, child.config().getWriteBufferLowWaterMark());
            assertEquals(2000, child.config().getWriteBufferHighWaterMark());
            assertEquals(64, server.listeners().get(Listener.ECHO).config().getOption(ChannelOption.SO_BACKLOG));
        }
    }
}
