package io.switchboard.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code listeners.bind: 0.0.0.0} means every IPv4 interface and nothing else: a connection to
 * {@code ::1} is refused (and a datagram to it unanswered), on every transport. {@code ::} is the
 * OS's dual stack: both {@code 127.0.0.1} and {@code ::1} answer (with Linux's default
 * {@code net.ipv6.bindv6only=0}). Loopback only: the listeners are reached at 127.0.0.1 and ::1.
 */
class BindAddressFamilyTest {
    private static final List<Listener> TCP = List.of(Listener.FRAMED, Listener.ECHO, Listener.HTTP);

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL", "NIO"})
    void ipv4WildcardTakesIpv4Only(TransportUnderTest transport) throws Exception {
        InetAddress ipv6Loopback = ipv6LoopbackOrSkip();
        Server server = servers.start(transport, b -> b.bindAddress(address("0.0.0.0")));
        for (Listener listener : TCP) {
            int port = server.address(listener).getPort();
            echoOrConnect(listener, InetAddress.getByName("127.0.0.1"), port);
            assertThrows(ConnectException.class, () -> echoOrConnect(listener, ipv6Loopback, port),
                    listener + " listener bound to 0.0.0.0 took a connection to [::1]:" + port);
        }
        int udp = server.address(Listener.UDP).getPort();
        assertArrayEquals(new byte[] {1, 2, 3}, udpEcho(InetAddress.getByName("127.0.0.1"), udp));
        assertThrows(PortUnreachableException.class, () -> udpEcho(ipv6Loopback, udp),
                "udp listener bound to 0.0.0.0 answered a datagram to [::1]:" + udp);
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "NIO"})
    void ipv6WildcardIsDualStack(TransportUnderTest transport) throws Exception {
        InetAddress ipv6Loopback = ipv6LoopbackOrSkip();
        assumeTrue(!bindv6only(), "net.ipv6.bindv6only=1: :: is IPv6 only on this machine");
        Server server = servers.start(transport, b -> b.bindAddress(address("::")));
        for (Listener listener : TCP) {
            int port = server.address(listener).getPort();
            echoOrConnect(listener, InetAddress.getByName("127.0.0.1"), port);
            echoOrConnect(listener, ipv6Loopback, port);
        }
        int udp = server.address(Listener.UDP).getPort();
        assertArrayEquals(new byte[] {1, 2, 3}, udpEcho(InetAddress.getByName("127.0.0.1"), udp));
        assertArrayEquals(new byte[] {1, 2, 3}, udpEcho(ipv6Loopback, udp));
    }

    /** Connects; on the echo listener also proves the connection is served with a round trip. */
    private static void echoOrConnect(Listener listener, InetAddress host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(2000);
            if (listener == Listener.ECHO) {
                socket.getOutputStream().write(42);
                InputStream in = socket.getInputStream();
                assertEquals(42, in.read());
            }
        }
    }

    /** One datagram to the UDP echo over a connected socket (so that ICMP port unreachable surfaces). */
    private static byte[] udpEcho(InetAddress host, int port) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(new InetSocketAddress(host, port));
            socket.setSoTimeout(2000);
            socket.send(new DatagramPacket(new byte[] {1, 2, 3}, 3));
            DatagramPacket reply = new DatagramPacket(new byte[16], 16);
            socket.receive(reply);
            return Arrays.copyOf(reply.getData(), reply.getLength());
        }
    }

    private static InetAddress ipv6LoopbackOrSkip() throws IOException {
        InetAddress v6 = InetAddress.getByName("::1");
        boolean usable;
        try (DatagramChannel probe = DatagramChannel.open(StandardProtocolFamily.INET6)) {
            probe.bind(new InetSocketAddress(v6, 0));
            usable = true;
        } catch (IOException | UnsupportedOperationException e) {
            usable = false;
        }
        assumeTrue(usable, "no IPv6 loopback on this machine");
        return v6;
    }

    private static boolean bindv6only() {
        try {
            return Files.readString(Path.of("/proc/sys/net/ipv6/bindv6only")).trim()
                    .equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
