package io.switchboard.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.server.launch.Server;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Peers that reset their connections, with and without replies still being written to them, are
 * routine: nothing about them is logged at WARN or above, on any listener or transport.
 */
@Timeout(60)
class ResetLoggingTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @RegisterExtension
    final LogCapture logs = new LogCapture("io.switchboard");

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void resetsAreNotWarnings(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        // A frame cut short, then a reset.
        reset(server, Listener.FRAMED, new byte[] {0, 0, 0});
        // Echo replies piling up unread (more than the socket buffers hold), then a reset.
        reset(server, Listener.ECHO, new byte[4 << 20]);
        // Pipelined HTTP requests whose responses are not read, then a reset.
        reset(server, Listener.HTTP, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n".repeat(2000).getBytes(US_ASCII));
        // A request cut short in its headers, then a reset.
        reset(server, Listener.HTTP, "GET / HTTP/1.1\r\nHost: t\r\nX-Long: ".getBytes(US_ASCII));
        List<String> warnings = logs.warnings();
        assertEquals(List.of(), warnings);
    }

    /** Connects, writes what it can of {@code data} without reading, resets, and waits until the server closed its side. */
    private static void reset(Server server, Listener listener, byte[] data) throws Exception {
        Metrics.ListenerCounters counters = server.metrics().listener(listener);
        long acceptedBefore = counters.accepted();
        InetSocketAddress address = server.address(listener);
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 5000);
        socket.setSoTimeout(2000);
        Thread writer = new Thread(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                for (int off = 0; off < data.length; off += 64 * 1024) {
                    out.write(data, off, Math.min(64 * 1024, data.length - off));
                }
                out.flush();
            } catch (Exception e) {
                // the socket is reset under the writer: expected
            }
        }, "reset-writer");
        writer.start();
        writer.join(1000); // a blocked write (peer not reading) is cut short by the reset
        awaitTrue(() -> counters.accepted() > acceptedBefore);
        socket.setSoLinger(true, 0);
        socket.close(); // RST
        writer.join(5000);
        awaitTrue(() -> counters.open() == 0);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        Await.until("no open connections", condition::getAsBoolean);
    }
}
