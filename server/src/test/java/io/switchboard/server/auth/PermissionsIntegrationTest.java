package io.switchboard.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.session.AccessPolicy;
import io.switchboard.server.testing.TestClock;
import io.switchboard.testing.TransportUnderTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The permissions over real loopback sockets, on every transport, with one test body for the
 * framed protocol and WebSocket-JSON ({@link Peer}): what a signed token allows and refuses
 * (join, presence, publish, broadcast, direct send), tokens that must not start a session, each
 * default policy for a session without a token, the refusal counter, and expiry with and without
 * a refresh. Tokens are made with Nimbus ({@link TestTokens}). Socket.IO: SocketIoPermissionsTest.
 */
class PermissionsIntegrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestTokens keys;
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;
    /** The clock the expiry test's server reads the tokens' times from. */
    private final TestClock clock = new TestClock();

    enum Protocol { FRAMED, WEBSOCKET }

    @BeforeAll
    static void keys() {
        keys = new TestTokens();
    }

    private Server start(TransportUnderTest transport, AccessPolicy policy) throws Exception {
        Path secret = TestTokens.secretFile(dir);
        Path jwks = keys.jwksFile(dir);
        return servers.start(transport, b -> b.authJwtSecretFile(secret).authJwtKeys(jwks).authDefaultPolicy(policy));
    }

    /** Alice: everything in chat.*, direct sends, no broadcast. */
    static String alice(Duration ttl) {
        return TestTokens.rs256(keys.rsa, TestTokens.claims("alice", ttl, TestTokens.rights(
                Map.of("chat.*", List.of("join", "publish", "presence")), false, true)));
    }

    /** Bob: joins chat.* without presence or publishing; may broadcast, may not send direct. */
    static String bob() {
        return TestTokens.es256(keys.ec, TestTokens.claims("bob", Duration.ofMinutes(5), TestTokens.rights(
                Map.of("chat.*", List.of("join")), true, false)));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aTokenAllowsWhatItSaysAndNothingElse(TransportUnderTest transport) throws Exception {
        Server server = start(transport, AccessPolicy.OPEN);
        for (Protocol protocol : Protocol.values()) {
            try (Peer alice = Peer.connect(protocol, server, alice(Duration.ofMinutes(5)));
                    Peer bob = Peer.connect(protocol, server, bob())) {
                assertEquals(0, alice.join("chat.a", true), protocol.name());
                assertEquals(403, alice.join("ops", false), "a room outside the token's patterns");
                assertEquals(403, bob.join("chat.a", true), "join without the presence right, presence asked");
                assertEquals(0, bob.join("chat.a", false));
                assertEquals(0, alice.members("chat.a"));
                assertEquals(403, bob.members("chat.a"));
                assertEquals(0, alice.publish("chat.a", "from alice"));
                assertEquals("from alice", bob.nextEvent());
                assertEquals(403, bob.publish("chat.a", "from bob"));
                assertEquals(403, alice.broadcast("alice to all"));
                assertEquals(0, bob.broadcast("bob to all"));
                assertEquals("bob to all", alice.nextEvent());
                assertEquals(403, bob.send(alice.session(), "bob to alice"));
                assertEquals(0, alice.send(bob.session(), "alice to bob"));
                assertEquals("alice to bob", bob.nextEvent(), "nothing refused reached bob before this");
                assertEquals(403, alice.refresh(bob()), "a refresh for another subject");
                assertEquals(403, alice.refresh(TestTokens.hs256("another-secret-of-thirty-two-byt",
                        TestTokens.claims("alice", Duration.ofMinutes(5), null))));
                assertEquals(0, alice.publish("chat.a", "still allowed"), "a refused refresh keeps the old token");
            }
        }
        Map<String, Long> refused = refusedCounts(server);
        assertEquals(2, refused.get("join"));
        assertEquals(4, refused.get("presence"));
        assertEquals(2, refused.get("publish"));
        assertEquals(2, refused.get("broadcast"));
        assertEquals(2, refused.get("direct"));
        assertEquals(2, refused.get("refresh_subject"));
        assertEquals(2, refused.get("token_invalid"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void tokensThatDoNotVerifyStartNoSession(TransportUnderTest transport) throws Exception {
        Server server = start(transport, AccessPolicy.OPEN);
        for (Protocol protocol : Protocol.values()) {
            String forged = TestTokens.hs256("another-secret-of-thirty-two-byt",
                    TestTokens.claims("alice", Duration.ofMinutes(5), null));
            assertEquals(401, Peer.refused(protocol, server, forged), "forged signature");
            assertEquals(401, Peer.refused(protocol, server, TestTokens.rs256(keys.stranger,
                    TestTokens.claims("alice", Duration.ofMinutes(5), null))), "a key the server does not know");
            assertEquals(401, Peer.refused(protocol, server, alice(Duration.ofSeconds(-10))), "expired");
            // A token for another room pattern starts a session that may not join these rooms.
            try (Peer o = Peer.connect(protocol, server, otherRooms())) {
                assertEquals(403, o.join("chat.a", false));
                assertEquals(0, o.join("other.a", false));
            }
        }
        Map<String, Long> refused = refusedCounts(server);
        assertEquals(4, refused.get("token_invalid"));
        assertEquals(2, refused.get("token_expired"));
    }

    /** A token for the other.* rooms only. */
    static String otherRooms() {
        return keys.hs256(TestTokens.claims("olga", Duration.ofMinutes(5), TestTokens.rights(
                Map.of("other.*", List.of("join", "publish")), false, false)));
    }

    /** {@code switchboard_access_refused_total} by cause, read from {@code /metrics}. */
    static Map<String, Long> refusedCounts(Server server) throws Exception {
        String text = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.address(Listener.HTTP).getPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Long> counts = new java.util.HashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(?m)^switchboard_access_refused_total\\{cause=\"([a-z_]+)\"\\} (\\d+)$").matcher(text);
        while (m.find()) {
            counts.put(m.group(1), Long.parseLong(m.group(2)));
        }
        assertTrue(!counts.isEmpty(), () -> "no switchboard_access_refused_total in /metrics:\n" + text);
        return counts;
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aSessionWithoutATokenUnderEachPolicy(TransportUnderTest transport) throws Exception {
        for (AccessPolicy policy : AccessPolicy.values()) {
            Server server = start(transport, policy);
            for (Protocol protocol : Protocol.values()) {
                if (policy == AccessPolicy.TOKEN_REQUIRED) {
                    assertEquals(401, Peer.refused(protocol, server, ""), protocol + " " + policy.label());
                    continue;
                }
                try (Peer anon = Peer.connect(protocol, server, ""); Peer listener = Peer.connect(protocol, server, "")) {
                    assertEquals(0, listener.join("lobby", false));
                    assertEquals(policy == AccessPolicy.MEMBERS_ONLY ? 403 : 0, anon.publish("lobby", "outside"),
                            protocol + " " + policy.label());
                    assertEquals(0, anon.join("lobby", false));
                    assertEquals(0, anon.publish("lobby", "inside"));
                    assertEquals(policy == AccessPolicy.MEMBERS_ONLY ? "inside" : "outside", listener.nextEvent());
                    assertEquals(0, anon.broadcast("to all"), "the policies limit room publishing only");
                    assertEquals(0, anon.send(listener.session(), "direct"));
                }
            }
            Map<String, Long> refused = refusedCounts(server);
            assertEquals(policy == AccessPolicy.MEMBERS_ONLY ? 2 : 0, refused.get("not_member"));
            assertEquals(policy == AccessPolicy.TOKEN_REQUIRED ? 2 : 0, refused.get("token_missing"));
            server.close();
        }
    }

    /**
     * Two sessions with a token of 2 s; one refreshes it. The server reads the tokens' times from a
     * {@link TestClock} standing still until the test moves it past the first expiry, so however
     * long the connects take on a loaded machine, neither token expires early: the unrefreshed
     * session still works up to then, and ends with 419 after; the refreshed one outlives it.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void anExpiredTokenEndsTheSessionUnlessRefreshed(TransportUnderTest transport) throws Exception {
        Path secret = TestTokens.secretFile(dir);
        Path jwks = keys.jwksFile(dir);
        Server server = servers.start(transport, b -> b.authJwtSecretFile(secret).authJwtKeys(jwks).clock(clock));
        for (Protocol protocol : Protocol.values()) {
            clock.set(Instant.now()); // the tokens below are made from now
            try (Peer lapsed = Peer.connect(protocol, server, alice(Duration.ofSeconds(2)));
                    Peer kept = Peer.connect(protocol, server, alice(Duration.ofSeconds(2)))) {
                assertEquals(0, kept.join("chat.a", false));
                assertEquals(0, kept.refresh(alice(Duration.ofMinutes(5))));
                assertEquals(0, lapsed.join("chat.b", false), "not expired before the clock says so");
                clock.advance(Duration.ofMinutes(1));
                assertEquals(419, lapsed.closedWith(), protocol.name());
                // Past the first token's expiry, the refreshed session still works.
                assertEquals(0, kept.publish("chat.a", "after expiry"));
            }
        }
        assertEquals(2, refusedCounts(server).get("token_expired"));
    }

    // ---- one client interface, two protocols ----

    /** A client of either protocol; each request asks for an answer and returns 0 (ok) or the error code. */
    interface Peer extends AutoCloseable {
        long session();

        int join(String room, boolean presence) throws Exception;

        int members(String room) throws Exception;

        int publish(String room, String text) throws Exception;

        int broadcast(String text) throws Exception;

        int send(long to, String text) throws Exception;

        int refresh(String token) throws Exception;

        /** The payload of the next event, skipping presence notices. */
        String nextEvent() throws Exception;

        /** The code of the error the server sends before it closes the connection. */
        int closedWith() throws Exception;

        @Override
        void close();

        static Peer connect(Protocol protocol, Server server, String token) throws Exception {
            Object p = protocol == Protocol.FRAMED ? FramedPeer.open(server, token) : WsPeer.open(server, token);
            return assertInstanceOf(Peer.class, p, () -> "refused: " + p);
        }

        /** The code a connection with this token is refused with (a framed ERROR; the WebSocket upgrade's status). */
        static int refused(Protocol protocol, Server server, String token) throws Exception {
            Object p = protocol == Protocol.FRAMED ? FramedPeer.open(server, token) : WsPeer.open(server, token);
            if (p instanceof Peer peer) {
                peer.close();
            }
            return assertInstanceOf(Integer.class, p, () -> "not refused: " + p);
        }
    }

    static final class FramedPeer implements Peer {
        private final EventLoopGroup group;
        private final Channel channel;
        private final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
        private final AtomicInteger ids = new AtomicInteger(100);
        private long session;

        private FramedPeer(Server server) {
            group = server.transport().newEventLoopGroup(1, "test-perm-framed");
            channel = server.transport().configureSocket(new Bootstrap()).group(group)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE,
                                    new SimpleChannelInboundHandler<Frame>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Frame f) {
                                            in.add(f instanceof Event e ? e.content().toString(StandardCharsets.UTF_8)
                                                    : f instanceof Ack a ? new Ack(a.requestId(), Unpooled.EMPTY_BUFFER) : f);
                                        }
                                    });
                        }
                    }).connect(server.address(Listener.FRAMED)).syncUninterruptibly().channel();
        }

        /** The peer after WELCOME, or the code of the ERROR HELLO got. */
        static Object open(Server server, String token) throws Exception {
            FramedPeer p = new FramedPeer(server);
            p.channel.writeAndFlush(new Hello(1, Wire.PROTOCOL_VERSION, "me", token));
            Object answer = p.next();
            if (answer instanceof Welcome w) {
                p.session = w.sessionId();
                return p;
            }
            p.close();
            return assertInstanceOf(ErrorFrame.class, answer).code();
        }

        private Object next() throws InterruptedException {
            Object o = in.poll(10, TimeUnit.SECONDS);
            assertNotNull(o, "nothing received within 10 s");
            return o;
        }

        private int request(java.util.function.IntFunction<Frame> frame) throws InterruptedException {
            int id = ids.getAndIncrement();
            channel.writeAndFlush(frame.apply(id));
            while (true) {
                Object o = next();
                if (o instanceof Ack a && a.requestId() == id || o instanceof Welcome w && w.requestId() == id) {
                    return 0;
                }
                if (o instanceof MembersReply m && m.requestId() == id) {
                    return 0;
                }
                if (o instanceof ErrorFrame e && e.requestId() == id) {
                    return e.code();
                }
                if (o instanceof String) {
                    in.add(o); // an event: kept for nextEvent, after the answer
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        public long session() {
            return session;
        }

        @Override
        public int join(String room, boolean presence) throws Exception {
            return request(id -> new Join(id, Flags.ACK | (presence ? Flags.PRESENCE : 0), room));
        }

        @Override
        public int members(String room) throws Exception {
            return request(id -> new Members(id, room));
        }

        private static io.netty.buffer.ByteBuf text(String s) {
            return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        }

        @Override
        public int publish(String room, String text) throws Exception {
            return request(id -> new Publish(id, Flags.ACK, Target.ROOM, room, 0, "news", text(text)));
        }

        @Override
        public int broadcast(String text) throws Exception {
            return request(id -> new Publish(id, Flags.ACK, Target.ALL, "", 0, "news", text(text)));
        }

        @Override
        public int send(long to, String text) throws Exception {
            return request(id -> new Publish(id, Flags.ACK, Target.SESSION, "", to, "news", text(text)));
        }

        @Override
        public int refresh(String token) throws Exception {
            return request(id -> new Hello(id, Wire.PROTOCOL_VERSION, "me", token));
        }

        @Override
        public String nextEvent() throws Exception {
            while (true) {
                if (next() instanceof String s) {
                    return s;
                }
            }
        }

        @Override
        public int closedWith() throws Exception {
            while (true) {
                Object o = in.poll(10, TimeUnit.SECONDS);
                assertNotNull(o, "no error within 10 s");
                if (o instanceof ErrorFrame e && e.requestId() == 0) {
                    channel.closeFuture().await(10, TimeUnit.SECONDS);
                    assertTrue(!channel.isActive(), "closed after the error");
                    return e.code();
                }
            }
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static final class WsPeer implements Peer, WebSocket.Listener {
        private final BlockingQueue<JsonNode> in = new LinkedBlockingQueue<>();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();
        private final AtomicInteger ids = new AtomicInteger(100);
        private WebSocket ws;
        private long session;

        /** The peer after its welcome, or the HTTP status the upgrade was refused with. */
        static Object open(Server server, String token) throws Exception {
            WsPeer p = new WsPeer();
            WebSocket.Builder b = HttpClient.newHttpClient().newWebSocketBuilder();
            if (!token.isEmpty()) {
                b.header("Authorization", "Bearer " + token);
            }
            try {
                p.ws = b.buildAsync(URI.create("ws://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/ws"), p)
                        .orTimeout(10, TimeUnit.SECONDS).join();
            } catch (CompletionException e) {
                return assertInstanceOf(WebSocketHandshakeException.class, e.getCause()).getResponse().statusCode();
            }
            JsonNode welcome = p.next();
            assertEquals("welcome", welcome.path("type").asText(), welcome.toString());
            p.session = Long.parseUnsignedLong(welcome.path("session").asText());
            return p;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    in.add(JSON.readTree(partial.toString()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }

        private JsonNode next() throws InterruptedException {
            JsonNode m = in.poll(10, TimeUnit.SECONDS);
            assertNotNull(m, "no message within 10 s");
            return m;
        }

        private int request(ObjectNode message) throws Exception {
            int id = ids.getAndIncrement();
            ws.sendText(message.put("id", id).toString(), true).orTimeout(10, TimeUnit.SECONDS).join();
            while (true) {
                JsonNode m = next();
                String type = m.path("type").asText();
                if (m.path("id").asInt(-1) == id && (type.equals("ack") || type.equals("members"))) {
                    return 0;
                }
                if (m.path("id").asInt(-1) == id && type.equals("error")) {
                    return m.path("code").asInt();
                }
                if (type.equals("event")) {
                    in.add(m);
                }
            }
        }

        private static ObjectNode message(String type) {
            return JSON.createObjectNode().put("type", type);
        }

        @Override
        public long session() {
            return session;
        }

        @Override
        public int join(String room, boolean presence) throws Exception {
            return request(message("join").put("room", room).put("presence", presence));
        }

        @Override
        public int members(String room) throws Exception {
            return request(message("members").put("room", room));
        }

        @Override
        public int publish(String room, String text) throws Exception {
            return request(message("publish").put("room", room).put("event", "news").put("data", text));
        }

        @Override
        public int broadcast(String text) throws Exception {
            return request(message("broadcast").put("event", "news").put("data", text));
        }

        @Override
        public int send(long to, String text) throws Exception {
            return request(message("send").put("session", Long.toUnsignedString(to)).put("event", "news").put("data", text));
        }

        @Override
        public int refresh(String token) throws Exception {
            return request(message("refresh").put("token", token));
        }

        @Override
        public String nextEvent() throws Exception {
            while (true) {
                JsonNode m = next();
                if (m.path("type").asText().equals("event")) {
                    return m.path("data").asText();
                }
            }
        }

        @Override
        public int closedWith() throws Exception {
            while (true) {
                JsonNode m = next();
                if (m.path("type").asText().equals("error") && m.path("id").isNull()) {
                    assertEquals(1008, closed.get(10, TimeUnit.SECONDS), "policy violation close");
                    return m.path("code").asInt();
                }
            }
        }

        @Override
        public void close() {
            ws.abort();
        }
    }
}
