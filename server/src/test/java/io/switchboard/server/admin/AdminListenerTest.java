package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.limits.RawFramedClient;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The admin listener as a listener among the others, over loopback sockets on every transport:
 * its connections have a limit of their own, apart from {@code limits.max-connections}, and they
 * drain at a graceful shutdown.
 */
@Timeout(60)
class AdminListenerTest {
    private static final String TOKEN = AdminApiIntegrationTest.ADMIN_TOKEN;

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;

    private final List<Socket> sockets = new ArrayList<>();

    private Server start(TransportUnderTest transport, int maxConnections) throws Exception {
        Path tokens = AdminApiIntegrationTest.tokenFile(dir, "ops " + TOKEN + "\n");
        return servers.start(transport, b -> b.enabled(Listener.ADMIN, true).adminTokenFile(tokens)
                .maxConnections(maxConnections));
    }

    private Socket connect(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(address, 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** An HTTP/1.1 response read off a socket: its status line, its headers in lower case, its body. */
    private record Response(String status, String headers, String body) {
    }

    private static void get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + TOKEN
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static Response read(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("end of stream in the response head: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        String status = text.substring(0, text.indexOf("\r\n"));
        String headers = text.substring(status.length()).toLowerCase(Locale.ROOT);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).strip());
            }
        }
        return new Response(status, headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private void closeAll() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    /**
     * Admin connections count against {@link AdminInitializer#MAX_CONNECTIONS}, not against
     * {@code limits.max-connections}: with the admin listener full, the framed listener still
     * admits its two; with the framed listener full, every admin connection still answers; one
     * more admin connection is answered 503 and closed, and a place is back once one closes.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void adminConnectionsHaveALimitOfTheirOwn(TransportUnderTest transport) throws Exception {
        Server server = start(transport, 2);
        InetSocketAddress admin = server.address(Listener.ADMIN);
        List<Socket> operators = new ArrayList<>();
        for (int i = 0; i < AdminInitializer.MAX_CONNECTIONS; i++) {
            operators.add(connect(admin));
        }
        InetSocketAddress framed = server.address(Listener.FRAMED);
        try (RawFramedClient a = new RawFramedClient(transport.config(), framed);
                RawFramedClient b = new RawFramedClient(transport.config(), framed)) {
            a.hello();
            b.hello();
            try (RawFramedClient third = new RawFramedClient(transport.config(), framed)) {
                ErrorFrame error = assertInstanceOf(ErrorFrame.class, third.next());
                assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, error.errorCode(), "the framed listener is full");
            }
            for (Socket s : operators) {
                get(s, "/rooms");
                Response r = read(s);
                assertEquals("HTTP/1.1 200 OK", r.status(), r.body());
            }

            Socket over = connect(admin);
            Response refused = read(over);
            assertEquals("HTTP/1.1 503 Service Unavailable", refused.status());
            assertTrue(refused.headers().contains("retry-after: 1") && refused.headers().contains("connection: close"),
                    refused.headers());
            assertEquals("{\"status\":503,\"error\":\"more than " + AdminInitializer.MAX_CONNECTIONS
                    + " admin connections open, retry later\"}", AdminHttp.JSON.readTree(refused.body()).toString());
            assertEquals(-1, over.getInputStream().read(), "closed after the 503");
            assertEquals(1, server.metrics().refusedCount(Listener.ADMIN, "max_connections"));
            assertEquals(1, server.metrics().refusedCount(Listener.FRAMED, "max_connections"), "the third framed one only");

            operators.get(0).close();
            Await.until("a place on the admin listener once a connection closed", () -> {
                Socket again = connect(admin);
                get(again, "/rooms");
                return read(again).status().equals("HTTP/1.1 200 OK");
            });
        } finally {
            closeAll();
        }
    }

    /**
     * At a graceful shutdown an idle admin connection is told like an HTTP one: closed at once,
     * counted among the connections drained (none cut at the deadline).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void adminConnectionsDrainAtShutdown(TransportUnderTest transport) throws Exception {
        Server server = start(transport, 0);
        Socket s = connect(server.address(Listener.ADMIN));
        try {
            get(s, "/rooms");
            assertEquals("HTTP/1.1 200 OK", read(s).status());
            CompletableFuture<Connections.DrainResult> drained = CompletableFuture.supplyAsync(
                    () -> server.shutdownGracefully(Duration.ofSeconds(30)));
            assertEquals(-1, s.getInputStream().read(), "the idle admin connection closed by the drain");
            Connections.DrainResult result = drained.get(20, TimeUnit.SECONDS);
            assertEquals(new Connections.DrainResult(1, 0), result, "drained: the admin connection, none cut");
        } finally {
            closeAll();
        }
    }
}
