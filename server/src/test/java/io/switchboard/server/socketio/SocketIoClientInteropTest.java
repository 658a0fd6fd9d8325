package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.socketio.settings.EngineConfig;
import io.switchboard.testing.TransportUnderTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The official {@code socket.io-client} 4.8 for Node (pinned in src/test/node/socketio-client)
 * against {@link SocketIoInteropApp} on the embedding API, on every transport this machine has:
 * {@code interop.mjs} runs each check and reports it as a JSON line; every check listed in
 * {@link #EXPECTED} must be reported and pass. A framed client in this JVM ({@link FramedPeer})
 * shares room {@code mixed} with the script's Socket.IO and WebSocket-JSON clients, and what it
 * received is checked here.
 */
class SocketIoClientInteropTest {
    private static final List<String> PER_CLIENT_TRANSPORT = List.of("connect-default-namespace",
            "transport-seen-by-server", "ack-client-to-server", "ack-large-payload",
            "ack-client-timeout-without-handler", "ack-server-to-client", "ack-server-to-client-timeout",
            "buffer-client-to-server", "buffer-server-to-client", "custom-namespace-multiplexed");
    static final List<String> EXPECTED = expected();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static List<String> expected() {
        List<String> all = new ArrayList<>();
        for (String mode : List.of("polling", "websocket", "upgrade")) {
            PER_CLIENT_TRANSPORT.forEach(c -> all.add(mode + "/" + c));
        }
        all.addAll(List.of("namespace/dynamic", "namespace/unknown-refused", "middleware/refusal-message-and-data",
                "middleware/refusal-with-unsendable-data-still-answered", "middleware/accepted", "handshake/query-and-auth",
                "rooms/join-and-emit-to-room", "rooms/except", "rooms/socket-to-room-excludes-sender",
                "rooms/broadcast-excludes-sender", "rooms/leave", "rooms/fetch-sockets-and-sockets-join",
                "direct/to-socket-id", "disconnect/by-server", "disconnect/by-client",
                "relay/join-presence-members", "relay/members-pages", "relay/publish-excludes-sender", "relay/publish-buffer",
                "relay/broadcast", "relay/send-with-peer-ack", "relay/leave-notice", "relay/errors",
                "mixed/three-protocols-join", "mixed/socketio-text-to-ws-and-framed",
                "mixed/ws-text-to-socketio-and-framed", "mixed/buffer-across-protocols", "mixed/json-args-to-ws",
                "mixed/ws-json-events-to-socketio", "mixed/peer-ack-socketio-to-framed",
                "mixed/peer-ack-ws-to-socketio", "mixed/server-api-emit-reaches-every-protocol",
                "mixed/ws-leave-notice-to-socketio"));
        return List.copyOf(all);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void officialNodeClientPassesEveryCheck(TransportUnderTest transport) throws Exception {
        Path work = NodeScripts.prepare();
        Server server = servers.start(transport);
        SocketIoInteropApp app = new SocketIoInteropApp(server.socketIo());
        try (FramedPeer framed = new FramedPeer(server.transport(), server.address(Listener.FRAMED), "java-framed", "mixed")) {
            NodeScripts.Run run = NodeScripts.run(work, 150, "interop.mjs",
                    Integer.toString(server.address(Listener.HTTP).getPort()), Long.toUnsignedString(framed.sessionId));
            System.out.printf("socket.io-client interop on %s: %d checks reported, %d failed%n", transport,
                    run.checks().size(), run.failures().size());
            assertEquals(List.of(), run.failures(), () -> "failed checks on " + transport + ":\n" + run.output());
            assertEquals(EXPECTED, List.copyOf(run.checks().keySet()), () -> "checks reported:\n" + run.output());
            assertNotNull(run.done(), () -> "no final line:\n" + run.output());
            assertEquals(EXPECTED.size(), run.done().path("passed").asInt());
            assertEquals(0, run.exitCode(), run::output);

            // What the framed member of room "mixed" received, by event name (first of each).
            Map<String, FramedPeer.Seen> seen = new LinkedHashMap<>();
            for (Object o; (o = framed.seen.poll(0, TimeUnit.SECONDS)) != null;) {
                if (o instanceof FramedPeer.Seen s) {
                    seen.putIfAbsent(s.event(), s);
                }
            }
            assertFramed(seen, "from-sio", "hello from sio", 0);
            assertFramed(seen, "from-ws", "hello from ws", 0);
            assertFramed(seen, "json-sio", "[{\"a\":1},2]", Flags.JSON);
            assertFramed(seen, "from-java", "server says", 0);
            FramedPeer.Seen bin = seen.get("bin-sio");
            assertNotNull(bin, () -> "bin-sio not received; saw " + seen.keySet());
            assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, bin.payload());
            FramedPeer.Seen direct = seen.get("direct");
            assertNotNull(direct, () -> "direct not received; saw " + seen.keySet());
            assertEquals(Target.SESSION, direct.target());
            assertTrue((direct.flags() & Flags.PEER_ACK) != 0, "sb:send with a callback asks for a peer ack");
        }
        // The server saw the clients go: the last disconnect handlers ran (bounded wait).
        assertNotNull(app.disconnects.poll(10, TimeUnit.SECONDS));
    }

    /**
     * permessage-deflate and gzip, checked with clients we did not write: the official client
     * over WebSocket (ws) negotiates permessage-deflate and a 300,000-character message takes a
     * few kilobytes on its TCP connection, each way; Node's fetch gets a large polling payload
     * gzipped (and inflates it), a small one or one without {@code Accept-Encoding: gzip} plain.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void largeMessagesAreCompressedOnBothTransports(TransportUnderTest transport) throws Exception {
        Path work = NodeScripts.prepare();
        Server server = servers.start(transport, b -> b.socketIo(EngineConfig.defaults().toBuilder()
                .perMessageDeflate(true).pollingGzipThreshold(1024).build()));
        new SocketIoInteropApp(server.socketIo());
        int n = 300_000;
        JsonNode r = SioClientScenarios.run(work, "compression",
                List.of("http://127.0.0.1:" + server.address(Listener.HTTP).getPort()), Map.of("size", n));
        // WebSocket: negotiated, and compressed on the wire each way (the text is "abc" repeated).
        assertEquals("permessage-deflate", r.path("extensions").asText());
        assertEquals(n, r.path("received").asInt());
        assertEquals(n, r.path("counted").asInt());
        assertTrue(r.path("wsBytesIn").asLong() < n / 20, () -> "server to client: " + r.path("wsBytesIn") + " bytes");
        assertTrue(r.path("wsBytesOut").asLong() < n / 20, () -> "client to server: " + r.path("wsBytesOut") + " bytes");
        // Polling: gzip above the threshold when accepted, never below it or when not accepted.
        assertTrue(r.path("openEncoding").isNull(), "the handshake is below the threshold");
        assertTrue(r.path("connectEncoding").isNull(), "the CONNECT answer is below the threshold");
        assertEquals("gzip", r.path("gzipEncoding").asText());
        assertEquals(n, r.path("gzipEvent").asInt());
        assertTrue(r.path("gzipLength").asLong() < n / 20, () -> "gzipped body: " + r.path("gzipLength") + " bytes");
        assertTrue(r.path("plainEncoding").isNull(), "not gzipped for Accept-Encoding: identity");
        assertEquals(n, r.path("plainEvent").asInt());
        assertTrue(r.path("plainLength").asLong() > n, () -> "plain body: " + r.path("plainLength") + " bytes");
    }

    private static void assertFramed(Map<String, FramedPeer.Seen> seen, String event, String text, int formatFlag) {
        FramedPeer.Seen s = seen.get(event);
        assertNotNull(s, () -> event + " not received by the framed client; saw " + seen.keySet());
        assertEquals(Target.ROOM, s.target(), event);
        assertEquals("mixed", s.room(), event);
        assertEquals(text, new String(s.payload(), StandardCharsets.UTF_8), event);
        assertEquals(formatFlag, s.flags() & (Flags.JSON | Flags.BINARY), () -> event + " flags " + s.flags());
    }
}
