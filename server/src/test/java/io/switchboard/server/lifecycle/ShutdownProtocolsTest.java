package io.switchboard.server.lifecycle;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.limits.RawFramedClient;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What each protocol sees of a graceful shutdown, over loopback on every transport. */
@Timeout(60)
class ShutdownProtocolsTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @TempDir
    Path root;

    /** Runs the (blocking) graceful shutdown in the background. */
    private static CompletableFuture<Connections.DrainResult> shutDown(Server server, Duration drain) {
        return CompletableFuture.supplyAsync(() -> server.shutdownGracefully(drain));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedSessionGetsByeAndIsAnsweredUntilItSaysBye(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (RawFramedClient client = new RawFramedClient(transport.config(), server.address(Listener.FRAMED))) {
            client.hello();
            CompletableFuture<Connections.DrainResult> drained = shutDown(server, Duration.ofSeconds(30));
            Bye bye = assertInstanceOf(Bye.class, client.next());
            assertEquals(ErrorCode.SHUTTING_DOWN.code(), bye.code());
            assertFalse(server.isReady(), "still ready while draining");
            // Requests that crossed the BYE are still answered.
            client.send(PayloadFrame.of(Opcode.ECHO, 9, Unpooled.copiedBuffer("late", ISO_8859_1)));
            RawFramedClient.Payload reply = assertInstanceOf(RawFramedClient.Payload.class, client.next());
            assertArrayEquals("late".getBytes(ISO_8859_1), reply.bytes());
            assertFalse(drained.isDone(), "the drain did not wait for the session");
            client.send(new Bye(0, 0, "bye"));
            assertTrue(client.closed());
            Connections.DrainResult result = drained.get(20, TimeUnit.SECONDS);
            assertEquals(1, result.atStart());
            assertEquals(0, result.forced());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void helloAfterTheByeIsRefusedAndASilentSessionIsCutAtTheDeadline(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (RawFramedClient late = new RawFramedClient(transport.config(), server.address(Listener.FRAMED));
                RawFramedClient silent = new RawFramedClient(transport.config(), server.address(Listener.FRAMED))) {
            silent.hello();
            CompletableFuture<Connections.DrainResult> drained = shutDown(server, Duration.ofMillis(1500));
            assertInstanceOf(Bye.class, late.next());
            late.send(new Hello(5, Wire.PROTOCOL_VERSION, "late", ""));
            ErrorFrame refused = assertInstanceOf(ErrorFrame.class, late.next());
            assertEquals(ErrorCode.SHUTTING_DOWN, refused.errorCode());
            assertEquals(5, refused.requestId());
            assertTrue(late.closed());
            assertInstanceOf(Bye.class, silent.next());
            // The silent one never answers the BYE: closed at the drain timeout.
            Connections.DrainResult result = drained.get(20, TimeUnit.SECONDS);
            assertEquals(2, result.atStart());
            assertEquals(1, result.forced());
            assertTrue(silent.closed());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpFinishesTheResponseInFlightMarksTheNextConnectionCloseAndClosesIdleOnes(TransportUnderTest transport)
            throws Exception {
        byte[] big = new byte[8 << 20];
        new Random(5).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Files.writeString(root.resolve("small.txt"), "small\n");
        Server server = servers.start(transport, b -> b.staticRoot(root));
        InetSocketAddress address = server.address(Listener.HTTP);
        try (Socket idle = connect(address); Socket busy = connect(address)) {
            idle.getOutputStream().write("GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
            assertTrue(head(idle.getInputStream()).startsWith("http/1.1 200"));
            assertEquals("small\n", new String(idle.getInputStream().readNBytes(6), ISO_8859_1));
            // Two pipelined requests; the first's 8 MiB response stalls on the unread socket.
            busy.getOutputStream().write(("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(ISO_8859_1));
            awaitHttpBytesSent(server, big.length);
            CompletableFuture<Connections.DrainResult> drained = shutDown(server, Duration.ofSeconds(30));
            assertEquals(-1, idle.getInputStream().read(), "the idle keep-alive connection was not closed");
            InputStream in = busy.getInputStream();
            String first = head(in);
            assertTrue(first.startsWith("http/1.1 200"), first);
            assertFalse(first.contains("connection: close"), "the response in flight had already started");
            assertArrayEquals(big, in.readNBytes(big.length), "the response in flight was cut");
            String second = head(in);
            assertTrue(second.startsWith("http/1.1 200"), second);
            assertTrue(second.contains("connection: close\r\n"), second);
            assertEquals("small\n", new String(in.readNBytes(6), ISO_8859_1));
            assertEquals(-1, in.read(), "not closed after the response marked Connection: close");
            assertEquals(0, drained.get(20, TimeUnit.SECONDS).forced());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void webSocketIsClosedWith1001(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        CompletableFuture<String> welcome = new CompletableFuture<>();
        CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/ws"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                                welcome.complete(data.toString());
                                webSocket.request(1);
                                return null;
                            }

                            @Override
                            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                                closeCode.complete(statusCode);
                                return null;
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        assertTrue(welcome.get(10, TimeUnit.SECONDS).contains("welcome"));
        CompletableFuture<Connections.DrainResult> drained = shutDown(server, Duration.ofSeconds(30));
        assertEquals(1001, closeCode.get(10, TimeUnit.SECONDS));
        ws.abort();
        assertEquals(0, drained.get(20, TimeUnit.SECONDS).forced());
    }

    private static Socket connect(InetSocketAddress address) throws IOException {
        Socket socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(20_000);
        return socket;
    }

    /** A response head, lower-cased. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside a response head: " + head.toString(ISO_8859_1));
            }
            head.write(b);
        }
        return head.toString(ISO_8859_1).toLowerCase(Locale.ROOT);
    }

    private static final Pattern HTTP_SENT = Pattern.compile("switchboard_bytes_sent_total\\{listener=\"http\"} (\\d+)");

    /** Waits until the HTTP listener has handed this many bytes to its connections. */
    private static void awaitHttpBytesSent(Server server, long bytes) throws InterruptedException {
        Await.until("the big response to start", () -> {
            Matcher m = HTTP_SENT.matcher(PrometheusText.render(server.metrics(), server.hub(), server.transport()));
            return m.find() && Long.parseLong(m.group(1)) >= bytes;
        });
    }
}
