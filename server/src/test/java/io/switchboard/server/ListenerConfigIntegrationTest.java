package io.switchboard.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.http.AccessLogHandler;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Configuration keys that shape the listeners, over real sockets on every transport: a listener's
 * own bind address, a listener switched off, {@code metrics.enabled} and the access log.
 */
@Timeout(60)
class ListenerConfigIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @RegisterExtension
    final LogCapture access = new LogCapture(AccessLogHandler.LOGGER_NAME);

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void bindAddressesSwitchesAndAccessLog(TransportUnderTest transport) throws Exception {
        InetAddress second = InetAddress.getByName("127.0.0.2");
        Server server = servers.start(transport, b -> b
                .bindAddress(Listener.HTTP, second)
                .enabled(Listener.ECHO, false)
                .metricsEnabled(false)
                .httpAccessLog(true));
        assertEquals(second, server.address(Listener.HTTP).getAddress());
        assertEquals(InetAddress.getLoopbackAddress(), server.address(Listener.FRAMED).getAddress());
        assertThrows(IllegalStateException.class, () -> server.address(Listener.ECHO));
        assertFalse(server.listeners().containsKey(Listener.ECHO));

        int port = server.address(Listener.HTTP).getPort();
        assertTrue(get(second, port, "/metrics").startsWith("HTTP/1.1 404 "));
        assertTrue(get(second, port, "/healthz").startsWith("HTTP/1.1 200 "));
        List<String> lines = access.await(l -> l.size() >= 2, Duration.ofSeconds(20));
        assertTrue(lines.get(0).matches("127\\.0\\.0\\.1 - - \\[.+] \"GET /metrics HTTP/1\\.1\" 404 \\d+ \"-\" \"-\" .+ms"),
                lines.get(0));
        assertTrue(lines.get(1).matches("127\\.0\\.0\\.1 - - \\[.+] \"GET /healthz HTTP/1\\.1\" 200 16 \"-\" \"-\" .+ms"),
                lines.get(1));
    }

    private static String get(InetAddress address, int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .getBytes(US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), US_ASCII);
        }
    }
}
