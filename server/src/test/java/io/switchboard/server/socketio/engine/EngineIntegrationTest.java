package io.switchboard.server.socketio.engine;

import io.switchboard.server.socketio.settings.EngineConfig;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Engine.IO over real loopback sockets on every transport this machine offers. Every HTTP
 * request goes on a connection of its own (so requests of one session land on different event
 * loops of the two-thread server), and WebSockets use the JDK client.
 */
class EngineIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private RecordingListener listener;

    private InetSocketAddress start(TransportUnderTest transport, EngineConfig config) throws Exception {
        listener = new RecordingListener(true);
        Server server = servers.start(transport, b -> b.socketIo(config), listener);
        return server.address(Listener.HTTP);
    }

    private InetSocketAddress start(TransportUnderTest transport) throws Exception {
        return start(transport, EngineConfig.defaults());
    }

    record Reply(int status, Map<String, String> headers, String body) {
    }

    /** One request on a new connection ({@code Connection: close}); reads the whole response. */
    private static Reply http(InetSocketAddress at, String method, String target, String body, String... headers)
            throws Exception {
        try (Socket s = new Socket()) {
            s.connect(at, 5000);
            s.setSoTimeout(10_000);
            byte[] content = body.getBytes(UTF_8);
            StringBuilder req = new StringBuilder(method).append(' ').append(target)
                    .append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: ")
                    .append(content.length).append("\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            req.append("\r\n");
            s.getOutputStream().write(req.toString().getBytes(ISO_8859_1));
            s.getOutputStream().write(content);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String raw = all.toString(UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            String[] lines = raw.substring(0, end).split("\r\n");
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                h.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), h, raw.substring(end + 4));
        }
    }

    private static String handshake(InetSocketAddress at) throws Exception {
        Reply r = http(at, "GET", "/socket.io/?EIO=4&transport=polling", "");
        assertEquals(200, r.status(), r.toString());
        return JSON.readTree(r.body().substring(1)).get("sid").asText();
    }

    private static String poll(String sid) {
        return "/socket.io/?EIO=4&transport=polling&sid=" + sid;
    }

    /** A JDK WebSocket collecting text messages as strings and binary ones as "bin:" + hex. */
    static final class Ws implements WebSocket.Listener {
        final LinkedBlockingQueue<String> in = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream bin = new ByteArrayOutputStream();
        WebSocket socket;

        static Ws open(InetSocketAddress at, String query) throws Exception {
            Ws ws = new Ws();
            ws.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(URI.create("ws://127.0.0.1:" + at.getPort() + "/socket.io/?" + query), ws)
                    .get(10, TimeUnit.SECONDS);
            return ws;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                in.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            bin.writeBytes(b);
            if (last) {
                in.add("bin:" + io.netty.buffer.ByteBufUtil.hexDump(bin.toByteArray()));
                bin.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(-1);
        }

        String next() throws InterruptedException {
            String m = in.poll(5, TimeUnit.SECONDS);
            assertTrue(m != null, "no message within 5 s");
            return m;
        }

        void send(String s) throws Exception {
            socket.sendText(s, true).get(5, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void pollingHandshakePostAndGet(TransportUnderTest transport) throws Exception {
        InetSocketAddress at = start(transport);
        String sid = handshake(at);
        Reply ok = http(at, "POST", poll(sid), "4hello\u001ebAQIDBA==\u001e4é");
        assertEquals("ok", ok.body());
        Reply got = http(at, "GET", poll(sid), "");
        assertEquals("4hello\u001ebAQIDBA==\u001e4é", got.body());
        for (int i = 0; i < 10; i++) { // alternating connections, so alternating event loops
            assertEquals("ok", http(at, "POST", poll(sid), "4m" + i).body());
            assertEquals("4m" + i, http(at, "GET", poll(sid), "").body());
        }
        assertTrue(listener.wrongThread.isEmpty(), listener.wrongThread.toString());
        assertEquals(400, http(at, "GET", poll("unknown"), "").status());
        assertEquals("{\"code\":1,\"message\":\"Session ID unknown\"}", http(at, "GET", poll("unknown"), "").body());
        // Paths outside /socket.io/ still reach the router.
        assertEquals(200, http(at, "GET", "/healthz", "").status());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void webSocketTextAndBinary(TransportUnderTest transport) throws Exception {
        InetSocketAddress at = start(transport);
        Ws ws = Ws.open(at, "EIO=4&transport=websocket");
        JsonNode open = JSON.readTree(ws.next().substring(1));
        assertEquals("[]", open.get("upgrades").toString());
        ws.send("4hi there");
        assertEquals("4hi there", ws.next());
        ws.socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), true).get(5, TimeUnit.SECONDS);
        assertEquals("bin:01020304", ws.next());
        ws.send("abc"); // not a packet: the session closes
        assertEquals(1000, ws.closed.get(5, TimeUnit.SECONDS));
        assertEquals("close parse error", lastEventWithin("close"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void upgradeFromPolling(TransportUnderTest transport) throws Exception {
        InetSocketAddress at = start(transport);
        String sid = handshake(at);
        Ws ws = Ws.open(at, "EIO=4&transport=websocket&sid=" + sid);
        ws.send("2probe");
        assertEquals("3probe", ws.next());
        assertEquals("6", http(at, "GET", poll(sid), "").body()); // polling paused with a noop
        ws.send("5");
        ws.send("4after upgrade");
        assertEquals("4after upgrade", ws.next());
        assertEquals("{\"code\":3,\"message\":\"Bad request\"}", http(at, "GET", poll(sid), "").body());
        Ws second = Ws.open(at, "EIO=4&transport=websocket&sid=" + sid);
        assertEquals(1000, second.closed.get(5, TimeUnit.SECONDS));
        ws.send("4still here");
        assertEquals("4still here", ws.next());
        assertTrue(listener.last.upgraded());
        assertEquals("websocket", listener.last.transport());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void pingTimeoutOnBothTransports(TransportUnderTest transport) throws Exception {
        // The answered ping must arrive within the timeout even when this JVM gets little CPU (a
        // benchmark beside the tests): a second of margin, not 200 ms.
        InetSocketAddress at = start(transport, EngineConfig.builder().pingInterval(Duration.ofMillis(300))
                .pingTimeout(Duration.ofMillis(1000)).build());
        String sid = handshake(at);
        assertEquals("2", http(at, "GET", poll(sid), "").body());
        assertEquals("ok", http(at, "POST", poll(sid), "3").body());
        assertEquals("2", http(at, "GET", poll(sid), "").body());
        assertEquals("close ping timeout", lastEventWithin("close"));
        assertEquals(400, http(at, "GET", poll(sid), "").status());

        Ws ws = Ws.open(at, "EIO=4&transport=websocket");
        ws.next(); // open
        assertEquals("2", ws.next());
        ws.send("3");
        assertEquals("2", ws.next());
        assertEquals(1000, ws.closed.get(5, TimeUnit.SECONDS));
        assertEquals("close ping timeout", lastEventWithin("close"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void corsPreflight(TransportUnderTest transport) throws Exception {
        InetSocketAddress at = start(transport, EngineConfig.builder()
                .corsOrigins(java.util.List.of("http://app.test")).corsCredentials(true).build());
        Reply pre = http(at, "OPTIONS", "/socket.io/?EIO=4&transport=polling", "", "Origin", "http://app.test",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type");
        assertEquals(204, pre.status());
        assertEquals("http://app.test", pre.headers().get("access-control-allow-origin"));
        assertEquals("true", pre.headers().get("access-control-allow-credentials"));
        assertEquals("GET,POST", pre.headers().get("access-control-allow-methods"));
        assertEquals("content-type", pre.headers().get("access-control-allow-headers"));
        Reply other = http(at, "OPTIONS", "/socket.io/?EIO=4&transport=polling", "", "Origin", "http://evil.test");
        assertEquals(null, other.headers().get("access-control-allow-origin"));
    }

    /** Waits up to 5 s for an event starting with {@code prefix}; returns the last such event. */
    private String lastEventWithin(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (int i = listener.events.size() - 1; i >= 0; i--) {
                if (listener.events.get(i).startsWith(prefix)) {
                    return listener.events.get(i);
                }
            }
            Thread.sleep(10);
        }
        return null;
    }


}
