package io.switchboard.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.testing.FramedTestClient;
import io.switchboard.server.testing.JavaWsClient;
import io.switchboard.testing.TransportUnderTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bridge over real sockets on every transport: a browser-like WebSocket client
 * ({@link java.net.http.HttpClient}) and a framed client in one room, auth, and the close codes.
 * The HTTP side is the server's own HTTP listener ({@link Listener#HTTP}), as in production.
 */
class WebSocketBridgeIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    /** The HTTP listener's port on the server {@link #start} started. */
    private int httpPort;

    private Server start(TransportUnderTest transport, String token) throws Exception {
        Server server = servers.start(transport, b -> b.authToken(token).httpMaxBodyBytes(4096).maxPayloadBytes(1024));
        httpPort = server.address(Listener.HTTP).getPort();
        return server;
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void messagesOverTheRateGetError429InOrderAndTheConnectionStaysOpen(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.rateLimit(1).rateBurst(3));
        try (JavaWsClient ws = JavaWsClient.connect(server.address(Listener.HTTP).getPort())) {
            ws.send("{\"type\":\"hello\",\"name\":\"flood\",\"id\":100}"); // the first token
            assertEquals(100, ws.next("ack").get("id").asInt());
            for (int id = 1; id <= 6; id++) {
                ws.send("{\"type\":\"ping\",\"id\":" + id + "}");
            }
            ws.send("not json");
            ws.send("{\"type\":\"ack\",\"id\":99}"); // an answer: never limited
            for (int id = 1; id <= 6; id++) {
                JsonNode reply = ws.next();
                if (id <= 2) {
                    assertEquals("pong", reply.get("type").asText(), reply.toString());
                    assertEquals(id, reply.get("id").asInt());
                } else {
                    assertEquals("error", reply.get("type").asText(), reply.toString());
                    assertEquals(429, reply.get("code").asInt(), reply.toString());
                    assertEquals(id, reply.get("id").asInt());
                }
            }
            JsonNode malformed = ws.next();
            assertEquals(429, malformed.get("code").asInt(), "a malformed message is limited too: " + malformed);
            JsonNode ack = ws.next();
            assertEquals(308, ack.get("code").asInt(), "the ack was processed (nothing awaited it): " + ack);
            assertTrue(!ws.closed.isDone(), "rate limiting closed the connection");
        }
        assertEquals(5, server.metrics().refusedCount(Listener.HTTP, "rate_limit"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void browserAndFramedClientShareARoom(TransportUnderTest transport) throws Exception {
        Server server = start(transport, "");
        try (FramedTestClient framed = new FramedTestClient(server.transport(), server.address(Listener.FRAMED), "fred");
             JavaWsClient ws = JavaWsClient.connect(httpPort)) {
            framed.join("lobby", true);
            ws.send("{\"type\":\"hello\",\"name\":\"wendy\"}");
            ws.send("{\"type\":\"join\",\"room\":\"lobby\",\"presence\":true,\"id\":1}");
            assertEquals(1, ws.next("ack").get("id").asInt());

            // framed sees the WebSocket member join, then its event
            var joined = framed.next();
            assertTrue(joined.toString().contains("wendy"), joined.toString());
            ws.send("{\"type\":\"publish\",\"room\":\"lobby\",\"event\":\"chat\",\"data\":\"hello from ws ✓\",\"id\":2}");
            assertEquals(2, ws.next("ack").get("id").asInt());
            FramedTestClient.Received fromWs = framed.nextEvent();
            assertEquals("chat", fromWs.event());
            assertEquals("lobby", fromWs.room());
            assertEquals("hello from ws ✓", fromWs.text());

            // and the WebSocket sees the framed client's events, text and binary
            framed.publish("lobby", "chat", "hello from framed");
            JsonNode event = ws.next("event");
            assertEquals("room", event.get("target").asText());
            assertEquals("lobby", event.get("room").asText());
            assertEquals("chat", event.get("event").asText());
            assertEquals("hello from framed", event.get("data").asText());
            assertEquals("fred", event.get("name").asText());
            assertEquals(Long.toUnsignedString(framed.sessionId), event.get("sender").asText());
            framed.publishBytes("lobby", "bin", new byte[] {(byte) 0xff, 0, 1});
            JsonNode binary = ws.next("event");
            assertEquals("base64", binary.get("encoding").asText());
            assertEquals("/wAB", binary.get("data").asText());

            // members lists both, with session ids as strings
            ws.send("{\"type\":\"members\",\"room\":\"lobby\",\"id\":3}");
            JsonNode members = ws.next("members");
            assertEquals(2, members.get("members").size());
            assertNull(members.get("next"), "a whole-room answer has no cursor");
            // or page by page, in the order of the session ids
            ws.send("{\"type\":\"members\",\"room\":\"lobby\",\"id\":5,\"limit\":1}");
            JsonNode first = ws.next("members");
            assertEquals(1, first.get("members").size());
            String next = first.get("next").asText();
            assertEquals(first.get("members").get(0).get("session").asText(), next);
            ws.send("{\"type\":\"members\",\"room\":\"lobby\",\"id\":6,\"limit\":1,\"after\":\"" + next + "\"}");
            JsonNode second = ws.next("members");
            assertEquals(1, second.get("members").size());
            assertEquals("0", second.get("next").asText(), "the last page");
            assertTrue(Long.compareUnsigned(Long.parseUnsignedLong(next),
                    Long.parseUnsignedLong(second.get("members").get(0).get("session").asText())) < 0);
            ws.send("{\"type\":\"members\",\"room\":\"lobby\",\"id\":7,\"limit\":0}");
            assertEquals(ErrorCode.MALFORMED_BODY.code(), ws.next("error").get("code").asInt());

            // peer ack: framed asks the WebSocket session to acknowledge
            ws.send("{\"type\":\"ping\",\"id\":4}");
            String wsSession = null;
            for (JsonNode m : members.get("members")) {
                if (m.get("name").asText().equals("wendy")) {
                    wsSession = m.get("session").asText();
                }
            }
            assertEquals(4, ws.next("pong").get("id").asInt());
            framed.send(Long.parseUnsignedLong(wsSession), "question", "ready?", Flags.PEER_ACK, 77);
            JsonNode question = ws.next("event");
            assertEquals("session", question.get("target").asText());
            long ackId = question.get("ackId").asLong();
            ws.send("{\"type\":\"ack\",\"id\":" + ackId + ",\"data\":\"yes\"}");
            Object answer = framed.next();
            while (!(answer instanceof FramedTestClient.Acked)) {
                answer = framed.next();
            }
            assertEquals(new FramedTestClient.Acked(77, "yes"), answer);

            // and the other way: WebSocket sends to the framed session directly
            ws.send("{\"type\":\"send\",\"session\":\"" + Long.toUnsignedString(framed.sessionId)
                    + "\",\"event\":\"dm\",\"data\":\"psst\",\"id\":5}");
            assertEquals(5, ws.next("ack").get("id").asInt());
            FramedTestClient.Received dm = framed.nextEvent();
            assertEquals(Target.SESSION, dm.target());
            assertEquals("psst", dm.text());

            // leaving on close: framed gets LEFT
            ws.close();
            Object left = framed.next();
            assertTrue(left.toString().contains("LEFT"), left.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void errorsKeepTheConnectionOpenAndAreCounted(TransportUnderTest transport) throws Exception {
        Server server = start(transport, "");
        try (JavaWsClient ws = JavaWsClient.connect(httpPort)) {
            ws.send("{not json");
            JsonNode malformed = ws.next("error");
            assertEquals(201, malformed.get("code").asInt());
            assertEquals("MALFORMED_BODY", malformed.get("name").asText());
            ws.send("{\"type\":\"dance\",\"id\":9}");
            JsonNode unknown = ws.next("error");
            assertEquals(200, unknown.get("code").asInt());
            assertEquals(9, unknown.get("id").asInt());
            ws.send("{\"type\":\"join\",\"room\":\"" + "r".repeat(129) + "\",\"id\":10}");
            assertEquals(303, ws.next("error").get("code").asInt());
            ws.send("{\"type\":\"publish\",\"room\":\"r\",\"data\":\"" + "x".repeat(1025) + "\",\"id\":11}");
            assertEquals(304, ws.next("error").get("code").asInt());
            ws.send("{\"type\":\"send\",\"session\":\"12345\",\"data\":\"x\",\"id\":12}");
            assertEquals(305, ws.next("error").get("code").asInt());
            ws.send("{\"type\":\"ping\",\"id\":13}");
            assertEquals(13, ws.next("pong").get("id").asInt());
            assertTrue(server.metrics().toString() != null);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void binaryMessagesClose1003(TransportUnderTest transport) throws Exception {
        start(transport, "");
        try (JavaWsClient ws = JavaWsClient.connect(httpPort)) {
            ws.ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
            assertEquals(1003, ws.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void oversizedMessagesClose1009(TransportUnderTest transport) throws Exception {
        start(transport, "");
        try (JavaWsClient ws = JavaWsClient.connect(httpPort)) {
            ws.ws.sendText("x".repeat(5000), true).join();
            assertEquals(1009, ws.closed.get(10, TimeUnit.SECONDS));
        }
        // the same limit for a message sent in fragments, which the aggregator joins
        try (JavaWsClient ws = JavaWsClient.connect(httpPort)) {
            for (int i = 0; i < 4; i++) {
                ws.ws.sendText("y".repeat(1500), false).join();
            }
            ws.ws.sendText("y", true).exceptionally(e -> null).join();
            assertEquals(1009, ws.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void tokenIsRequiredWhenConfigured(TransportUnderTest transport) throws Exception {
        start(transport, "s3cret");
        CompletionException refused = assertThrows(CompletionException.class, () -> JavaWsClient.connect(httpPort, ""));
        WebSocketHandshakeException handshake = assertInstanceOf(WebSocketHandshakeException.class, refused.getCause());
        assertEquals(401, handshake.getResponse().statusCode());
        CompletionException wrong = assertThrows(CompletionException.class, () -> JavaWsClient.connect(httpPort, "?token=nope"));
        assertEquals(401, ((WebSocketHandshakeException) wrong.getCause()).getResponse().statusCode());

        try (JavaWsClient byQuery = JavaWsClient.connect(httpPort, "?token=s3cret")) {
            assertEquals("welcome", byQuery.next().get("type").asText());
        }
        JavaWsClient byHeader = new JavaWsClient();
        byHeader.ws = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("Authorization", "Bearer s3cret")
                .buildAsync(URI.create("ws://127.0.0.1:" + httpPort + "/ws"), byHeader)
                .orTimeout(10, TimeUnit.SECONDS).join();
        try (byHeader) {
            assertEquals("welcome", byHeader.next().get("type").asText());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void otherPathsReachTheRouter(TransportUnderTest transport) throws Exception {
        start(transport, "s3cret");
        HttpClient client = HttpClient.newHttpClient();
        var chat = client.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/chat")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, chat.statusCode());
        assertTrue(chat.body().contains("Switchboard chat"));
        var wsx = client.send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ws/x")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(404, wsx.statusCode());
    }

    /** The real HTTP listener wires the bridge too: a framed client hears a WebSocket through it. */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theHttpListenerServesTheBridge(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (FramedTestClient framed = new FramedTestClient(server.transport(), server.address(Listener.FRAMED), "fred");
             JavaWsClient ws = JavaWsClient.connect(server.address(Listener.HTTP).getPort())) {
            framed.join("r", false);
            ws.send("{\"type\":\"join\",\"room\":\"r\",\"id\":1}");
            assertEquals("ack", ws.next().get("type").asText());
            ws.send("{\"type\":\"publish\",\"room\":\"r\",\"event\":\"e\",\"data\":\"via http listener\"}");
            assertEquals("via http listener", framed.nextEvent().text());
        }
    }

    /**
     * A plain HTTP keep-alive connection that never upgraded, closed by {@code Connection: close}:
     * after the last response the server writes nothing (no WebSocket close frame) and closes.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aPlainHttpConnectionGetsNoStrayBytesWhenItCloses(TransportUnderTest transport) throws Exception {
        start(transport, "s3cret");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String first = readResponse(in);
            assertTrue(first.startsWith("http/1.1 200 ") && first.contains("connection: keep-alive"), first);
            out.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String last = readResponse(in);
            assertTrue(last.startsWith("http/1.1 200 ") && last.contains("connection: close"), last);
            byte[] rest = in.readAllBytes(); // until the server closes
            assertEquals(0, rest.length, "bytes after the last response: " + HexFormat.of().formatHex(rest));
        }
    }

    /** One response with a Content-Length body: the head lower-cased, then the body. */
    private static String readResponse(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new java.io.EOFException("closed mid-head: " + head);
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
        byte[] body = in.readNBytes(length);
        assertEquals(length, body.length, "body cut short");
        return lower + new String(body, StandardCharsets.UTF_8);
    }
}
