package io.switchboard.server.limits;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Wire;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.server.Listener;
import io.switchboard.server.launch.Server;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Connection limits, handshake and header timeouts and rate limits over loopback, on every transport. */
@Timeout(60)
class LimitsIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static PayloadFrame echo(int id, String text) {
        return PayloadFrame.of(Opcode.ECHO, id, Unpooled.copiedBuffer(text, ISO_8859_1));
    }

    private static String metrics(Server server) {
        return PrometheusText.render(server.metrics(), server.hub(), server.transport());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedOverTheTotalLimitGetsError509AndTheOthersKeepWorking(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxConnections(2));
        InetSocketAddress address = server.address(Listener.FRAMED);
        try (RawFramedClient a = new RawFramedClient(transport.config(), address);
                RawFramedClient b = new RawFramedClient(transport.config(), address)) {
            a.hello();
            b.hello();
            try (RawFramedClient refused = new RawFramedClient(transport.config(), address)) {
                ErrorFrame error = assertInstanceOf(ErrorFrame.class, refused.next());
                assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, error.errorCode());
                assertTrue(refused.closed(), "refused connection not closed");
            }
            a.send(echo(7, "still here"));
            RawFramedClient.Payload reply = assertInstanceOf(RawFramedClient.Payload.class, a.next());
            assertArrayEquals("still here".getBytes(ISO_8859_1), reply.bytes());
            assertEquals(1, server.metrics().refusedCount(Listener.FRAMED, "max_connections"));
            assertTrue(metrics(server).contains(
                    "switchboard_refused_total{listener=\"framed\",cause=\"max_connections\"} 1"), metrics(server));
        }
        // Places are given back when connections close.
        awaitOpen(server, 0);
        try (RawFramedClient again = new RawFramedClient(transport.config(), address)) {
            again.hello();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aSessionThatSaidByeGivesItsPlaceBackBeforeItsSocketCloses(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxConnections(1));
        InetSocketAddress address = server.address(Listener.FRAMED);
        try (Socket a = new Socket()) {
            a.connect(address, 10_000);
            // HELLO then BYE, and the client never closes: the server lingers on the socket up to 2 s.
            a.setSoTimeout(10_000);
            for (Frame frame : List.of(new Hello(1, Wire.PROTOCOL_VERSION, "a", ""), new Bye(2, 0, "done"))) {
                ByteBuf bytes = FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, frame);
                a.getOutputStream().write(ByteBufUtil.getBytes(bytes));
                bytes.release();
                if (frame instanceof Hello) {
                    assertTrue(a.getInputStream().read() >= 0, "WELCOME"); // a holds its place now
                }
            }
            // First a's socket is in (the server tracks it), then its place is given back on BYE.
            Await.until("a's connection accepted", () -> server.connections().size(Listener.FRAMED) == 1);
            awaitOpen(server, 0);
            try (RawFramedClient b = new RawFramedClient(transport.config(), address)) {
                b.hello(); // ERROR 509 if a's place were held until its socket closes
                assertEquals(2, server.connections().size(Listener.FRAMED),
                        "a's socket still lingers on the server while b is served");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpOverThePerAddressLimitGets503WhileAnotherAddressIsServed(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxConnectionsPerIp(1));
        InetSocketAddress address = server.address(Listener.HTTP);
        try (Socket first = connect(address, "127.0.0.1")) {
            assertTrue(request(first, "/healthz").startsWith("HTTP/1.1 200"));
            try (Socket second = connect(address, "127.0.0.1")) {
                String refusal = readAll(second.getInputStream());
                assertTrue(refusal.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), refusal);
                assertTrue(refusal.contains("Connection: close\r\n"), refusal);
                assertTrue(refusal.contains("Retry-After: 1\r\n"), refusal);
            }
            try (Socket other = connect(address, "127.0.0.2")) {
                assertTrue(request(other, "/healthz").startsWith("HTTP/1.1 200"), "another address is not limited");
            }
            assertTrue(request(first, "/healthz").startsWith("HTTP/1.1 200"), "the existing connection still works");
        }
        assertEquals(1, server.metrics().refusedCount(Listener.HTTP, "max_connections_per_ip"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void echoOverTheLimitIsClosedWithoutAByte(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxConnections(1));
        InetSocketAddress address = server.address(Listener.ECHO);
        try (Socket first = connect(address, "127.0.0.1")) {
            first.getOutputStream().write("abc".getBytes(ISO_8859_1));
            assertArrayEquals("abc".getBytes(ISO_8859_1), first.getInputStream().readNBytes(3));
            try (Socket second = connect(address, "127.0.0.1")) {
                assertEquals(-1, second.getInputStream().read(), "refused echo connection sent something");
            }
            first.getOutputStream().write("def".getBytes(ISO_8859_1));
            assertArrayEquals("def".getBytes(ISO_8859_1), first.getInputStream().readNBytes(3));
        }
        assertEquals(1, server.metrics().refusedCount(Listener.ECHO, "max_connections"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedHelloMustComeWithinTheHandshakeTimeout(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.handshakeTimeout(Duration.ofMillis(300)));
        InetSocketAddress address = server.address(Listener.FRAMED);
        try (RawFramedClient silent = new RawFramedClient(transport.config(), address);
                RawFramedClient polite = new RawFramedClient(transport.config(), address)) {
            polite.hello();
            ErrorFrame error = assertInstanceOf(ErrorFrame.class, silent.next());
            assertEquals(ErrorCode.IDLE_TIMEOUT, error.errorCode());
            assertTrue(error.message().startsWith("no HELLO within 300 ms"), error.message());
            assertTrue(silent.closed());
            // Past the timeout, the session that said HELLO is untouched.
            polite.send(echo(3, "ok"));
            assertInstanceOf(RawFramedClient.Payload.class, polite.next());
        }
        assertEquals(1, server.metrics().refusedCount(Listener.FRAMED, "handshake_timeout"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpHeadersMustArriveWithinTheHeaderTimeout(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.httpHeaderTimeout(Duration.ofMillis(300)));
        InetSocketAddress address = server.address(Listener.HTTP);
        try (Socket slow = connect(address, "127.0.0.1"); Socket idle = connect(address, "127.0.0.1")) {
            slow.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(ISO_8859_1));
            String response = readAll(slow.getInputStream()).toLowerCase(java.util.Locale.ROOT);
            assertTrue(response.startsWith("http/1.1 408 request timeout\r\n"), response);
            assertTrue(response.contains("connection: close\r\n"), response);
            // A connection that sent nothing is not timed out by the header clock (the idle timeout applies).
            assertTrue(request(idle, "/healthz").startsWith("HTTP/1.1 200"));
            // ... and a completed request does not leave the clock running.
            long until = System.nanoTime() + Duration.ofMillis(600).toNanos();
            while (System.nanoTime() < until) {
                idle.setSoTimeout((int) Math.max(1, (until - System.nanoTime()) / 1_000_000));
                try {
                    assertEquals(-1, idle.getInputStream().read(), "unexpected bytes on an idle connection");
                    throw new AssertionError("idle connection closed");
                } catch (java.net.SocketTimeoutException expected) {
                    // nothing arrived: right
                }
            }
            idle.setSoTimeout(10_000);
            assertTrue(request(idle, "/healthz").startsWith("HTTP/1.1 200"));
        }
        assertEquals(1, server.metrics().refusedCount(Listener.HTTP, "header_timeout"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedRequestsOverTheRateGetError429InOrder(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.rateLimit(1).rateBurst(5));
        try (RawFramedClient client = new RawFramedClient(transport.config(), server.address(Listener.FRAMED))) {
            client.hello(); // takes the first token
            for (int id = 1; id <= 10; id++) {
                client.send(echo(id, "n" + id));
            }
            for (int id = 1; id <= 10; id++) {
                Object reply = client.next();
                if (id <= 4) {
                    RawFramedClient.Payload echoed = assertInstanceOf(RawFramedClient.Payload.class, reply, "#" + id);
                    assertEquals(id, echoed.frame().requestId());
                } else {
                    ErrorFrame error = assertInstanceOf(ErrorFrame.class, reply, "#" + id);
                    assertEquals(ErrorCode.RATE_LIMITED, error.errorCode());
                    assertEquals(id, error.requestId());
                }
            }
            assertTrue(client.isOpen(), "rate limiting closed the connection");
            assertNull(client.poll(100));
        }
        assertEquals(6, server.metrics().refusedCount(Listener.FRAMED, "rate_limit"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpRequestsOverTheRateGet429InOrder(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.rateLimit(1).rateBurst(2));
        try (Socket socket = connect(server.address(Listener.HTTP), "127.0.0.1")) {
            String one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
            socket.getOutputStream().write((one + one + one + one).getBytes(ISO_8859_1));
            InputStream in = socket.getInputStream();
            assertTrue(readResponse(in).startsWith("HTTP/1.1 200"));
            assertTrue(readResponse(in).startsWith("HTTP/1.1 200"));
            String limited = readResponse(in).toLowerCase(java.util.Locale.ROOT);
            assertTrue(limited.startsWith("http/1.1 429 too many requests\r\n"), limited);
            assertTrue(limited.contains("retry-after: 1\r\n"), limited);
            assertTrue(readResponse(in).startsWith("HTTP/1.1 429"));
        }
        assertEquals(2, server.metrics().refusedCount(Listener.HTTP, "rate_limit"));
    }

    private static void awaitOpen(Server server, int n) throws InterruptedException {
        Await.until(() -> n + " open connections, not " + server.limits().open(), Await.TIMEOUT,
                () -> server.limits().open() == n);
    }

    static Socket connect(InetSocketAddress address, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(address, 10_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends a GET and reads its response (headers and Content-Length body). */
    static String request(Socket socket, String path) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(ISO_8859_1));
        out.flush();
        return readResponse(socket.getInputStream());
    }

    /** One response: the head, then as many body bytes as Content-Length says. */
    static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed inside a response head: " + head.toString(ISO_8859_1));
            }
            head.write(b);
        }
        String text = head.toString(ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), ISO_8859_1);
    }

    static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), ISO_8859_1);
    }
}
