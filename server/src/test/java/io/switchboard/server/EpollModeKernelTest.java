package io.switchboard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.server.launch.Server;
import io.switchboard.testing.KernelEpollView;
import io.switchboard.testing.TransportUnderTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves that the epoll mode reaches the kernel: the listener and the accepted sockets are
 * registered with EPOLLET in edge mode and without it in level mode, as /proc/self/fdinfo shows.
 */
class EpollModeKernelTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL"})
    void epollModeIsTheKernelsRegistration(TransportUnderTest transport) throws Exception {
        assumeTrue(KernelEpollView.supported(), "needs Linux /proc/self/fdinfo");
        Server server = servers.start(transport);
        boolean edge = transport == TransportUnderTest.EPOLL_EDGE;
        for (Listener listener : List.of(Listener.FRAMED, Listener.ECHO)) {
            int port = server.address(listener).getPort();
            try (Socket socket = new Socket(server.address(listener).getAddress(), port)) {
                // A round trip guarantees that the accepted socket is registered.
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                if (listener == Listener.ECHO) {
                    out.write(7);
                    assertEquals(7, in.read());
                } else {
                    // HELLO, version 1, empty name and token; read the WELCOME's length field.
                    out.write(new byte[] {0, 0, 0, 11, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0});
                    assertEquals(0, in.read());
                }
                assertRegistration(listener + " accepted socket", port, socket.getLocalPort(), edge);
                assertRegistration(listener + " listener", port, 0, edge);
            }
        }
    }

    private static void assertRegistration(String what, int localPort, int remotePort, boolean edge) {
        OptionalInt fd = KernelEpollView.tcpSocketFd(localPort, remotePort);
        assertFalse(fd.isEmpty(), what + ": socket not found in /proc/net/tcp");
        List<Long> masks = KernelEpollView.eventMasks(fd.getAsInt());
        assertEquals(1, masks.size(), what + ": expected one epoll registration of fd " + fd.getAsInt() + ", got " + masks);
        long mask = masks.get(0);
        assertEquals(edge, (mask & KernelEpollView.EPOLLET) != 0,
                what + ": events mask 0x" + Long.toHexString(mask) + (edge ? " lacks" : " has") + " EPOLLET");
    }
}
