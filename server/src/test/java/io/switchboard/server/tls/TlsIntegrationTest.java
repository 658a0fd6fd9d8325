package io.switchboard.server.tls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.tls.TlsPolicy;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS and token auth over loopback, on every transport: the framed protocol, HTTPS (health and a
 * static file past the zero-copy size) and WSS; the versions accepted and refused; plaintext and
 * silence on a TLS port; the certificate and the token file replaced under a running server.
 */
@Timeout(120)
class TlsIntegrationTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @TempDir
    Path dir;

    private Server start(TransportUnderTest transport, TestCertificates.Issued cert, Consumer<ServerConfig.Builder> more)
            throws Exception {
        return servers.start(transport, b -> {
            b.tls(Listener.FRAMED, true).tls(Listener.HTTP, true).tlsCertificate(cert.cert()).tlsKey(cert.key());
            more.accept(b);
        });
    }

    private static int port(Server server, Listener listener) {
        return server.address(listener).getPort();
    }

    // ---- framed ----

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedHandshakePingEchoAndRoomsOverTls(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.ec(), b -> { });
        try (SSLSocket socket = TlsProbe.connect(TlsProbe.trusting(CERTS.caCert()), port(server, Listener.FRAMED), true)) {
            assertTrue(TlsPolicy.CIPHER_SUITES.contains(socket.getSession().getCipherSuite()));
            hello(socket, "alice", "");
            TlsProbe.write(socket, PayloadFrame.of(Opcode.PING, 2, Unpooled.copiedBuffer("p", UTF_8)));
            assertPayload(TlsProbe.read(socket), Opcode.PONG, 2, "p");
            byte[] big = new byte[100_000]; // several TLS records each way
            new Random(7).nextBytes(big);
            TlsProbe.write(socket, PayloadFrame.of(Opcode.ECHO, 3, Unpooled.wrappedBuffer(big)));
            Frame echoed = TlsProbe.read(socket);
            try {
                assertEquals(Opcode.ECHO_REPLY, echoed.opcode());
                assertArrayEquals(big, ByteBufUtil.getBytes(((PayloadFrame) echoed).content()));
            } finally {
                ReferenceCountUtil.release(echoed);
            }
            TlsProbe.write(socket, new Join(4, Flags.ACK, "tls-room"));
            assertAck(TlsProbe.read(socket), 4);
            TlsProbe.write(socket, new Publish(5, Flags.ACK | Flags.INCLUDE_SELF, Target.ROOM, "tls-room", 0, "msg",
                    Unpooled.copiedBuffer("over tls", UTF_8)));
            Frame first = TlsProbe.read(socket);
            Frame second = TlsProbe.read(socket);
            Frame eventFrame = first instanceof Event ? first : second;
            try {
                Event event = assertInstanceOf(Event.class, eventFrame, eventFrame::toString);
                assertEquals("over tls", event.content().toString(UTF_8));
                assertEquals("tls-room", event.room());
            } finally {
                ReferenceCountUtil.release(eventFrame);
            }
            assertAck(eventFrame == first ? second : first, 5);
        }
        awaitTrue(() -> server.metrics().listener(Listener.FRAMED).tlsHandshakes() == 1, "one handshake counted");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void tls12AndTls13AreAcceptedWithPolicySuites(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.rsa(), b -> { });
        SSLContext trust = TlsProbe.trusting(CERTS.caCert());
        for (String version : List.of("TLSv1.2", "TLSv1.3")) {
            for (Listener listener : List.of(Listener.FRAMED, Listener.HTTP)) {
                try (SSLSocket socket = TlsProbe.connect(trust, port(server, listener), false, version)) {
                    assertEquals(version, socket.getSession().getProtocol());
                    String suite = socket.getSession().getCipherSuite();
                    assertTrue(TlsPolicy.CIPHER_SUITES.contains(suite), suite);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void tls11IsRefusedWithAnAlert(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.rsa(), b -> { });
        for (Listener listener : List.of(Listener.FRAMED, Listener.HTTP)) {
            try (Socket socket = TlsProbe.plain(port(server, listener))) {
                socket.getOutputStream().write(tls11ClientHello());
                byte[] answer = TlsProbe.readToEnd(socket);
                // One alert record (content type 21), fatal (2), protocol_version (70), then the close.
                assertTrue(answer.length >= 7, () -> "an alert: " + Arrays.toString(answer));
                assertEquals(21, answer[0]);
                assertEquals(2, answer[5]);
                assertEquals(70, answer[6]);
            }
        }
        awaitTrue(() -> server.metrics().listener(Listener.FRAMED).tlsHandshakeFailures() == 1
                && server.metrics().listener(Listener.HTTP).tlsHandshakeFailures() == 1, "failures counted");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void plaintextOnATlsPortIsClosedCleanly(TransportUnderTest transport) throws Exception {
        try (LogCapture warnings = LogCapture.start(Level.WARN)) {
            Server server = start(transport, CERTS.ec(), b -> { });
            try (Socket socket = TlsProbe.plain(port(server, Listener.FRAMED))) {
                TlsProbe.write(socket, new Hello(1, Wire.PROTOCOL_VERSION, "plain", ""));
                assertEquals(0, TlsProbe.readToEnd(socket).length, "closed without a byte, and not reset");
            }
            try (Socket socket = TlsProbe.plain(port(server, Listener.HTTP))) {
                socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
                assertEquals(0, TlsProbe.readToEnd(socket).length, "closed without a byte, and not reset");
            }
            awaitTrue(() -> server.metrics().listener(Listener.FRAMED).tlsHandshakeFailures() == 1
                    && server.metrics().listener(Listener.HTTP).tlsHandshakeFailures() == 1, "failures counted");
            assertEquals(List.of(), warnings.lines(), "a peer's mistake is not a warning");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void silentPeerIsClosedAfterTheHandshakeTimeout(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.ec(), b -> b.tlsHandshakeTimeout(Duration.ofMillis(300)));
        long started = System.nanoTime();
        try (Socket socket = TlsProbe.plain(port(server, Listener.FRAMED))) {
            assertEquals(0, TlsProbe.readToEnd(socket).length);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(millis >= 250 && millis < 5000, "closed after " + millis + " ms");
        awaitTrue(() -> server.metrics().listener(Listener.FRAMED).tlsHandshakeFailures() == 1, "failure counted");
    }

    // ---- HTTPS and WSS ----

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpsServesHealthAndALargeStaticFileWithoutSendfile(TransportUnderTest transport) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] big = new byte[300_000];
        new Random(11).nextBytes(big);
        Files.write(root.resolve("big.bin"), big);
        Server server = start(transport, CERTS.ec(), b -> b.staticRoot(root).httpZeroCopy(true));
        HttpClient client = HttpClient.newBuilder().sslContext(TlsProbe.trusting(CERTS.caCert()))
                .connectTimeout(Duration.ofSeconds(10)).build(); // verifies 127.0.0.1 against the certificate
        String base = "https://127.0.0.1:" + port(server, Listener.HTTP);
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("up"), health.body());
        HttpResponse<byte[]> whole = client.send(HttpRequest.newBuilder(URI.create(base + "/big.bin")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, whole.statusCode());
        assertArrayEquals(big, whole.body());
        HttpResponse<byte[]> range = client.send(HttpRequest.newBuilder(URI.create(base + "/big.bin"))
                .header("Range", "bytes=20000-219999").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertArrayEquals(Arrays.copyOfRange(big, 20_000, 220_000), range.body());
        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(metrics.body().contains("switchboard_tls_handshakes_total{listener=\"http\",result=\"ok\"} "),
                metrics.body());
        assertTrue(metrics.body().contains("switchboard_tls_certificate_expiry_timestamp_seconds "
                + CERTS.ec().leaf().getNotAfter().toInstant().getEpochSecond()), metrics.body());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void wssUpgradeNeedsAValidToken(TransportUnderTest transport) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "# clients\nweb-1\nweb-2\n");
        Server server = start(transport, CERTS.ec(), b -> b.authTokenFile(tokens));
        HttpClient client = HttpClient.newBuilder().sslContext(TlsProbe.trusting(CERTS.caCert())).build();
        String url = "wss://127.0.0.1:" + port(server, Listener.HTTP) + "/ws?token=";
        CompletionException refused = assertThrows(CompletionException.class, () -> client.newWebSocketBuilder()
                .buildAsync(URI.create(url + "web-3"), new Messages()).orTimeout(10, TimeUnit.SECONDS).join());
        assertEquals(401, assertInstanceOf(WebSocketHandshakeException.class, refused.getCause()).getResponse().statusCode());
        for (String token : List.of("web-1", "web-2")) {
            Messages messages = new Messages();
            WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create(url + token), messages)
                    .orTimeout(10, TimeUnit.SECONDS).join();
            assertTrue(messages.next().contains("\"type\":\"welcome\""));
            ws.sendText("{\"type\":\"join\",\"room\":\"secure\",\"id\":7}", true);
            assertTrue(messages.next().contains("\"type\":\"ack\""));
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
        }
    }

    // ---- reloading ----

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void replacedCertificateServesNewConnectionsAndSparesOpenOnes(TransportUnderTest transport) throws Exception {
        TestCertificates.Issued files = TestCertificates.copyTo(CERTS.ec(), dir.resolve("live"));
        Server server = start(transport, files, b -> b.tlsReloadInterval(Duration.ofMillis(100)));
        SSLContext trust = TlsProbe.trusting(CERTS.caCert());
        int port = port(server, Listener.FRAMED);
        try (SSLSocket old = TlsProbe.connect(trust, port, false)) {
            assertEquals(CERTS.ec().serial(), TlsProbe.peer(old).getSerialNumber());
            hello(old, "before", "");

            TestCertificates.replace(CERTS.rsa().cert(), files.cert());
            TestCertificates.replace(CERTS.rsa().key(), files.key());
            awaitTrue(() -> CERTS.rsa().serial().equals(serialOfNewConnection(trust, port)), "new certificate served");

            // The connection made before keeps its session and certificate, and still works.
            TlsProbe.write(old, PayloadFrame.of(Opcode.ECHO, 9, Unpooled.copiedBuffer("still here", UTF_8)));
            assertPayload(TlsProbe.read(old), Opcode.ECHO_REPLY, 9, "still here");
            assertEquals(CERTS.ec().serial(), TlsProbe.peer(old).getSerialNumber());
        }

        try (LogCapture log = LogCapture.start(Level.INFO)) {
            Files.writeString(files.key(), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
            awaitTrue(() -> !log.lines("ERROR").isEmpty(), "the bad key is reported");
            assertTrue(log.lines("ERROR").get(0).contains("is a PKCS#1 RSA key"), log.lines().toString());
            assertEquals(CERTS.rsa().serial(), serialOfNewConnection(trust, port), "the previous certificate stays");
            TestCertificates.replace(CERTS.rsa().key(), files.key()); // one file: no half-replaced state to see
            awaitTrue(() -> log.lines("INFO").stream().anyMatch(l -> l.contains("TLS certificate reloaded")),
                    "the good key is loaded again");
            assertEquals(CERTS.rsa().serial(), serialOfNewConnection(trust, port));
            assertEquals(1, log.lines("ERROR").size(), "one error line for the one bad change: " + log.lines());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void tokenFileAcceptsEachTokenRefusesOthersWith401AndIsReloaded(TransportUnderTest transport) throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "# team a\nalpha\n\n# team b\nbravo\n");
        Server server = servers.start(transport, b -> b.authTokenFile(tokens).authReloadInterval(Duration.ofMillis(100)));
        int framed = port(server, Listener.FRAMED);
        for (String token : List.of("alpha", "bravo")) {
            try (Socket socket = TlsProbe.plain(framed)) {
                hello(socket, "ok", token);
            }
        }
        assertRefused(framed, "charlie", "wrong auth token");
        assertRefused(framed, "", "this server needs an auth token");
        int http = port(server, Listener.HTTP);
        assertEquals(401, upgradeStatus(http, "charlie"));
        assertEquals(101, upgradeStatus(http, "alpha"));

        Files.writeString(tokens, "charlie\n");
        awaitTrue(() -> accepted(framed, "charlie"), "the new token is accepted");
        assertRefused(framed, "alpha", "wrong auth token");
        assertEquals(401, upgradeStatus(http, "bravo"));
        assertEquals(101, upgradeStatus(http, "charlie"));
    }

    // ---- helpers ----

    private static void hello(Socket socket, String name, String token) throws IOException {
        TlsProbe.write(socket, new Hello(1, Wire.PROTOCOL_VERSION, name, token));
        Frame welcome = TlsProbe.read(socket);
        assertInstanceOf(Welcome.class, welcome, welcome::toString);
    }

    private static void assertRefused(int port, String token, String message) throws IOException {
        try (Socket socket = TlsProbe.plain(port)) {
            TlsProbe.write(socket, new Hello(1, Wire.PROTOCOL_VERSION, "x", token));
            Frame reply = TlsProbe.read(socket);
            ErrorFrame error = assertInstanceOf(ErrorFrame.class, reply, reply::toString);
            assertEquals(401, error.code());
            assertEquals(message, error.message());
            assertTrue(TlsProbe.closed(socket.getInputStream()), "closed after the refusal");
        }
    }

    private static boolean accepted(int port, String token) {
        try (Socket socket = TlsProbe.plain(port)) {
            TlsProbe.write(socket, new Hello(1, Wire.PROTOCOL_VERSION, "x", token));
            Frame reply = TlsProbe.read(socket);
            ReferenceCountUtil.release(reply);
            return reply instanceof Welcome;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The status line's code of a WebSocket upgrade with {@code ?token=}. */
    private static int upgradeStatus(int port, String token) throws IOException {
        try (Socket socket = TlsProbe.plain(port)) {
            socket.getOutputStream().write(("GET /ws?token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(UTF_8));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                line.write(c);
            }
            String status = line.toString(UTF_8);
            assertTrue(status.startsWith("HTTP/1.1 "), status);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    private static BigInteger serialOfNewConnection(SSLContext trust, int port) {
        try (SSLSocket socket = TlsProbe.connect(trust, port, false)) {
            return TlsProbe.peer(socket).getSerialNumber();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertPayload(Frame frame, Opcode opcode, int requestId, String text) {
        try {
            assertEquals(opcode, frame.opcode(), frame::toString);
            assertEquals(requestId, frame.requestId());
            assertEquals(text, ((PayloadFrame) frame).content().toString(UTF_8));
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private static void assertAck(Frame frame, int requestId) {
        try {
            assertInstanceOf(Ack.class, frame, frame::toString);
            assertEquals(requestId, frame.requestId());
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(what, condition::getAsBoolean);
    }

    /**
     * A TLS 1.1 ClientHello (record version 1.0, client version 1.1) offering two CBC suites and
     * no extensions, as an old client sends it.
     */
    static byte[] tls11ClientHello() {
        ByteBuffer hello = ByteBuffer.allocate(52);
        hello.put((byte) 22).putShort((short) 0x0301).putShort((short) 47);       // record: handshake
        hello.put((byte) 1).put((byte) 0).putShort((short) 43);                    // ClientHello, 43 bytes
        hello.putShort((short) 0x0302);                                            // client_version TLS 1.1
        byte[] random = new byte[32];
        new Random(1).nextBytes(random);
        hello.put(random).put((byte) 0);                                           // random, no session id
        hello.putShort((short) 4).putShort((short) 0xC013).putShort((short) 0x002F); // two suites
        hello.put((byte) 1).put((byte) 0);                                         // null compression
        return hello.array();
    }

    /** Collects text messages of a JDK WebSocket. */
    private static final class Messages implements WebSocket.Listener {
        private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                queue.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        String next() throws InterruptedException {
            String message = queue.poll(10, TimeUnit.SECONDS);
            assertTrue(message != null, "a message within 10 s");
            return message;
        }
    }
}
