package io.switchboard.server.socketio.engine;

import io.switchboard.server.socketio.settings.EngineConfig;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.server.metrics.Metrics;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Engine.IO handler on {@link EmbeddedChannel}s (one per request, like separate connections,
 * all on the embedded loop): handshake, errors, polling, heartbeat, CORS, gzip, and each
 * malformed input with its outcome. Buffers come from the pooled allocator, checked at PARANOID.
 */
class EngineHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private RecordingListener listener;
    private EngineServer server;

    @AfterEach
    void releaseEverything() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
    }

    private void start(EngineConfig config, boolean echo) {
        listener = new RecordingListener(echo);
        server = new EngineServer(config, listener, new Metrics());
    }

    private void start() {
        start(EngineConfig.defaults(), false);
    }

    private EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel(server.handler());
        channels.add(ch);
        return ch;
    }

    private static FullHttpRequest request(HttpMethod method, String uri, String body, String... headers) {
        ByteBuf content = PooledByteBufAllocator.DEFAULT.buffer();
        content.writeCharSequence(body, UTF_8);
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, content);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        r.headers().set("content-length", content.readableBytes());
        return r;
    }

    /** A response: status, headers, body (decoded). */
    record Reply(int status, io.netty.handler.codec.http.HttpHeaders headers, byte[] body) {
        String text() {
            return new String(body, UTF_8);
        }
    }

    /** Sends on a new channel; returns the channel (its response may come later). */
    private EmbeddedChannel send(HttpMethod method, String uri, String body, String... headers) {
        EmbeddedChannel ch = channel();
        ch.writeInbound(request(method, uri, body, headers));
        runAll();
        return ch;
    }

    /** Runs what is queued on every channel's loop (each EmbeddedChannel has its own; sessions hop between them). */
    private void runAll() {
        for (int i = 0; i < 3; i++) {
            for (EmbeddedChannel c : channels) {
                c.runPendingTasks();
            }
        }
    }

    private Reply reply(EmbeddedChannel ch) {
        runAll();
        Object out = ch.readOutbound();
        if (out == null) {
            return null;
        }
        FullHttpResponse r = assertInstanceOf(FullHttpResponse.class, out);
        try {
            return new Reply(r.status().code(), r.headers().copy(), ByteBufUtil.getBytes(r.content()));
        } finally {
            r.release();
        }
    }

    private Reply exchange(HttpMethod method, String uri, String body, String... headers) {
        Reply r = reply(send(method, uri, body, headers));
        assertNotNull(r, "no response to " + method + " " + uri);
        return r;
    }

    private String handshake() throws Exception {
        Reply r = exchange(HttpMethod.GET, "/socket.io/?EIO=4&transport=polling", "");
        assertEquals(200, r.status());
        assertTrue(r.text().startsWith("0{"), r.text());
        return JSON.readTree(r.text().substring(1)).get("sid").asText();
    }

    private static String poll(String sid) {
        return "/socket.io/?EIO=4&transport=polling&sid=" + sid;
    }

    private void assertError(Reply r, int status, int code, String message) throws Exception {
        assertEquals(status, r.status(), r.text());
        assertEquals("application/json", r.headers().get("content-type"));
        JsonNode json = JSON.readTree(r.text());
        assertEquals(code, json.get("code").asInt());
        assertEquals(message, json.get("message").asText());
    }

    @Test
    void handshakeOpensASessionWithAnUnguessableSid() throws Exception {
        start();
        Reply r = exchange(HttpMethod.GET, "/socket.io/?EIO=4&transport=polling", "");
        assertEquals("text/plain; charset=UTF-8", r.headers().get("content-type"));
        JsonNode open = JSON.readTree(r.text().substring(1));
        assertEquals(27, open.get("sid").asText().length());
        assertTrue(open.get("sid").asText().matches("[A-Za-z0-9_-]+"));
        assertEquals("[\"websocket\"]", open.get("upgrades").toString());
        assertEquals(25000, open.get("pingInterval").asInt());
        assertEquals(20000, open.get("pingTimeout").asInt());
        assertEquals(1000000, open.get("maxPayload").asInt());
        assertEquals(5, open.size());
        assertEquals(List.of("open"), listener.events);
        assertEquals(open.get("sid").asText(), listener.last.id());
        assertEquals("polling", listener.last.transport());
        assertEquals("4", listener.last.handshake().queryParam("EIO"));
        String other = handshake();
        assertTrue(!other.equals(open.get("sid").asText()));
        assertEquals(2, server.sessionCount());
    }

    @Test
    void badRequestsGetTheReferenceErrors() throws Exception {
        start();
        assertError(exchange(HttpMethod.GET, "/socket.io/?EIO=4", ""), 400, 0, "Transport unknown");
        assertError(exchange(HttpMethod.GET, "/socket.io/?EIO=4&transport=abc", ""), 400, 0, "Transport unknown");
        assertError(exchange(HttpMethod.GET, "/socket.io/?transport=polling", ""), 400, 5,
                "Unsupported protocol version");
        assertError(exchange(HttpMethod.GET, "/socket.io/?EIO=3&transport=polling", ""), 400, 5,
                "Unsupported protocol version");
        assertError(exchange(HttpMethod.POST, "/socket.io/?EIO=4&transport=polling", "4x"), 400, 2,
                "Bad handshake method");
        assertError(exchange(HttpMethod.PUT, "/socket.io/?EIO=4&transport=polling", ""), 400, 2,
                "Bad handshake method");
        assertError(exchange(HttpMethod.GET, poll("nope"), ""), 400, 1, "Session ID unknown");
        assertError(exchange(HttpMethod.GET, "/socket.io/?EIO=4&transport=websocket", ""), 400, 3, "Bad request");
        String sid = handshake();
        assertError(exchange(HttpMethod.PUT, poll(sid), ""), 400, 3, "Bad request");
        assertError(exchange(HttpMethod.GET, "/socket.io/?EIO=4&transport=websocket&sid=" + sid, ""), 400, 3,
                "Bad request");
        assertEquals(2, server.malformed(Malformed.UNKNOWN_TRANSPORT));
        assertEquals(2, server.malformed(Malformed.UNSUPPORTED_VERSION));
        assertEquals(3, server.malformed(Malformed.BAD_METHOD));
        assertEquals(1, server.malformed(Malformed.UNKNOWN_SID));
        assertEquals(List.of("open"), listener.events); // none of it touched the session
    }

    @Test
    void otherPathsPassThrough() {
        start();
        EmbeddedChannel ch = send(HttpMethod.GET, "/ws", "");
        FullHttpRequest passed = ch.readInbound();
        assertEquals("/ws", passed.uri());
        passed.release();
        ch = send(HttpMethod.GET, "/socket.iox/?EIO=4&transport=polling", "");
        passed = ch.readInbound();
        assertNotNull(passed);
        passed.release();
        assertNull(ch.readOutbound());
    }

    @Test
    void postDeliversMessagesAndGetCollectsQueuedOnes() throws Exception {
        start(EngineConfig.defaults(), true);
        String sid = handshake();
        Reply ok = exchange(HttpMethod.POST, poll(sid), "4hello\u001ebAQIDBA==\u001e4é");
        assertEquals(200, ok.status());
        assertEquals("ok", ok.text());
        assertEquals("text/html", ok.headers().get("content-type"));
        assertEquals(List.of("open", "message hello", "binary 01020304", "message é"), listener.events);
        Reply polled = exchange(HttpMethod.GET, poll(sid), "");
        assertEquals("4hello\u001ebAQIDBA==\u001e4é", polled.text());
        assertTrue(listener.wrongThread.isEmpty());
    }

    @Test
    void getWaitsForPackets() throws Exception {
        start();
        String sid = handshake();
        EmbeddedChannel get = send(HttpMethod.GET, poll(sid), "");
        assertNull(reply(get), "answered with nothing to send");
        listener.last.send("late");
        ByteBuf bin = PooledByteBufAllocator.DEFAULT.buffer().writeBytes(new byte[] {9, 8});
        listener.last.send(bin);
        assertEquals("4late\u001ebCQg=", reply(get).text());
    }

    @Test
    void secondConcurrentGetClosesTheSession() throws Exception {
        start();
        String sid = handshake();
        EmbeddedChannel first = send(HttpMethod.GET, poll(sid), "");
        Reply second = exchange(HttpMethod.GET, poll(sid), "");
        assertEquals(400, second.status());
        assertEquals("1", reply(first).text());
        assertEquals("close transport error", listener.events.get(listener.events.size() - 1));
        assertError(exchange(HttpMethod.GET, poll(sid), ""), 400, 1, "Session ID unknown");
        assertEquals(1, server.malformed(Malformed.OVERLAPPING_POLL));
    }

    @Test
    void closePacketEndsThePendingGetWithANoop() throws Exception {
        start();
        String sid = handshake();
        EmbeddedChannel get = send(HttpMethod.GET, poll(sid), "");
        assertEquals("ok", exchange(HttpMethod.POST, poll(sid), "1").text());
        assertEquals("6", reply(get).text());
        assertEquals(List.of("open", "close transport close"), listener.events);
        assertEquals(0, server.sessionCount());
    }

    /** Each malformed POST body: 400 Bad request (413 for oversize), the session closed, counted. */
    @Test
    void malformedPostsCloseTheSession() throws Exception {
        record Case(String body, String contentType, int status, Malformed kind, String reason) {
        }
        start(EngineConfig.builder().maxPayload(64).build(), false);
        List<Case> cases = List.of(
                new Case("abc", null, 400, Malformed.BAD_PACKET_TYPE, "parse error"),
                new Case("", null, 400, Malformed.EMPTY_PACKET, "parse error"),
                new Case("4a\u001e\u001e4b", null, 400, Malformed.EMPTY_PACKET, "parse error"),
                new Case("bAQ*D", null, 400, Malformed.BAD_BASE64, "parse error"),
                new Case("4ok\u001ebAQIDBA==\u001e9", null, 400, Malformed.BAD_PACKET_TYPE, "parse error"),
                new Case("4" + "x".repeat(64), null, 413, Malformed.PAYLOAD_TOO_LARGE, "transport error"),
                new Case("4hi", "application/octet-stream", 400, Malformed.BINARY_POST, "transport error"),
                new Case("2", null, 200, Malformed.CLIENT_PING, "transport error"));
        for (Case c : cases) {
            String sid = handshake();
            EmbeddedChannel get = send(HttpMethod.GET, poll(sid), "");
            Reply r = c.contentType() == null ? exchange(HttpMethod.POST, poll(sid), c.body())
                    : exchange(HttpMethod.POST, poll(sid), c.body(), "content-type", c.contentType());
            assertEquals(c.status(), r.status(), c.toString());
            assertEquals("1", reply(get).text(), c.toString());
            assertEquals("close " + c.reason(), listener.events.get(listener.events.size() - 1), c.toString());
            assertEquals(1, server.malformed(c.kind()) - (c.kind() == Malformed.EMPTY_PACKET
                    && c.body().length() > 0 ? 1 : 0) - (c.kind() == Malformed.BAD_PACKET_TYPE
                    && c.body().startsWith("4ok") ? 1 : 0), c.toString());
            assertError(exchange(HttpMethod.GET, poll(sid), ""), 400, 1, "Session ID unknown");
        }
        // No message from a refused payload reached the listener, not even the valid ones before the bad packet.
        assertTrue(listener.events.stream().noneMatch(e -> e.startsWith("message") || e.startsWith("binary")),
                listener.events.toString());
    }

    @Test
    void pingTimeoutClosesTheSession() throws Exception {
        start(EngineConfig.builder().pingInterval(Duration.ofMillis(300)).pingTimeout(Duration.ofMillis(200))
                .build(), false);
        String sid = handshake();
        EmbeddedChannel get = send(HttpMethod.GET, poll(sid), "");
        EmbeddedChannel loop = channels.get(0);
        loop.advanceTimeBy(300, TimeUnit.MILLISECONDS);
        runAll();
        assertEquals("2", reply(get).text());
        // Answered: the session lives on through another interval and ping.
        assertEquals("ok", exchange(HttpMethod.POST, poll(sid), "3").text());
        get = send(HttpMethod.GET, poll(sid), "");
        loop.advanceTimeBy(250, TimeUnit.MILLISECONDS);
        runAll();
        assertNull(reply(get));
        loop.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        runAll();
        assertEquals("2", reply(get).text());
        // Not answered: closed after pingTimeout.
        loop.advanceTimeBy(200, TimeUnit.MILLISECONDS);
        runAll();
        assertEquals("close ping timeout", listener.events.get(listener.events.size() - 1));
        assertError(exchange(HttpMethod.GET, poll(sid), ""), 400, 1, "Session ID unknown");
    }

    @Test
    void corsPreflightAndHeaders() throws Exception {
        start(EngineConfig.builder().corsOrigins(List.of("https://app.example")).corsCredentials(true).build(), false);
        Reply pre = exchange(HttpMethod.OPTIONS, "/socket.io/?EIO=4&transport=polling", "",
                "origin", "https://app.example", "access-control-request-headers", "content-type");
        assertEquals(204, pre.status());
        assertEquals("https://app.example", pre.headers().get("access-control-allow-origin"));
        assertEquals("true", pre.headers().get("access-control-allow-credentials"));
        assertEquals("GET,POST", pre.headers().get("access-control-allow-methods"));
        assertEquals("content-type", pre.headers().get("access-control-allow-headers"));
        Reply denied = exchange(HttpMethod.OPTIONS, "/socket.io/?EIO=4&transport=polling", "",
                "origin", "https://evil.example");
        assertNull(denied.headers().get("access-control-allow-origin"));
        Reply open = exchange(HttpMethod.GET, "/socket.io/?EIO=4&transport=polling", "", "origin",
                "https://app.example");
        assertEquals("https://app.example", open.headers().get("access-control-allow-origin"));
        assertEquals("true", open.headers().get("access-control-allow-credentials"));

        start(EngineConfig.defaults(), false); // "*" without credentials
        Reply any = exchange(HttpMethod.OPTIONS, "/socket.io/?EIO=4&transport=polling", "", "origin", "https://x.example");
        assertEquals("*", any.headers().get("access-control-allow-origin"));
        assertNull(any.headers().get("access-control-allow-credentials"));
    }

    @Test
    void largePollingResponsesAreGzippedWhenAccepted() throws Exception {
        start(EngineConfig.builder().pollingGzipThreshold(100).build(), false);
        String sid = handshake();
        String big = "z".repeat(5000);
        EmbeddedChannel get = send(HttpMethod.GET, poll(sid), "", "accept-encoding", "gzip, deflate");
        listener.last.send(big);
        Reply r = reply(get);
        assertEquals("gzip", r.headers().get("content-encoding"));
        assertTrue(r.body().length < 200, "compressed to " + r.body().length);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            assertEquals("4" + big, new String(in.readAllBytes(), UTF_8));
        }
        get = send(HttpMethod.GET, poll(sid), "");
        listener.last.send(big);
        r = reply(get);
        assertNull(r.headers().get("content-encoding"));
        assertEquals("4" + big, r.text());
        get = send(HttpMethod.GET, poll(sid), "", "accept-encoding", "gzip");
        listener.last.send("small");
        r = reply(get);
        assertNull(r.headers().get("content-encoding"));
        assertEquals("4small", r.text());
    }

    @Test
    void sendsAfterCloseAreDroppedAndReleased() throws Exception {
        start();
        String sid = handshake();
        EngineSocket socket = listener.last;
        socket.close();
        runAll();
        EmbeddedChannel get = send(HttpMethod.GET, poll(sid), "");
        assertEquals("1", reply(get).text()); // the next poll carries the close
        assertEquals("close forced close", listener.events.get(listener.events.size() - 1));
        socket.send("x");
        socket.send(PooledByteBufAllocator.DEFAULT.buffer().writeBytes(new byte[] {1}));
        runAll();
        assertTrue(!socket.isOpen());
    }

    @Test
    void bufferLimitClosesTheSession() throws Exception {
        start(EngineConfig.builder().maxBufferedPackets(3).build(), false);
        handshake();
        for (int i = 0; i < 4; i++) {
            listener.last.send(PooledByteBufAllocator.DEFAULT.buffer().writeBytes(new byte[] {(byte) i}));
        }
        runAll();
        assertEquals("close buffer full", listener.events.get(listener.events.size() - 1));
    }
}
