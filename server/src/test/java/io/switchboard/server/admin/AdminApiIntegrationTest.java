package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.protocol.Bye;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.auth.TestTokens;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerStartException;
import io.switchboard.server.testing.FramedTestClient;
import io.switchboard.server.testing.JavaWsClient;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The admin API over loopback on every transport: refused without its token, with a client token
 * and with a signed client token; every listing and action with a framed, a WebSocket and a
 * Socket.IO session; every error status with its JSON body.
 */
@Timeout(90)
class AdminApiIntegrationTest {
    static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
    static final String CLIENT_TOKEN = "client-token-0123456789abcdef";

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;

    static Path tokenFile(Path dir, String content) throws Exception {
        Path file = dir.resolve("admin-tokens");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private Server start(TransportUnderTest transport) throws Exception {
        Path tokens = tokenFile(dir, "# operators\nops " + ADMIN_TOKEN + "\n");
        return servers.start(transport, b -> b.enabled(Listener.ADMIN, true).adminTokenFile(tokens));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void refusedWithoutItsTokenAndWithAClientToken(TransportUnderTest transport) throws Exception {
        Path tokens = tokenFile(dir, "ops " + ADMIN_TOKEN + "\n");
        Path secret = TestTokens.secretFile(dir);
        Server server = servers.start(transport, b -> b.enabled(Listener.ADMIN, true).adminTokenFile(tokens)
                .authToken(CLIENT_TOKEN).authJwtSecretFile(secret));
        assertTrue(server.address(Listener.ADMIN).getAddress().isLoopbackAddress());
        AdminHttp admin = new AdminHttp(server.address(Listener.ADMIN), ADMIN_TOKEN);
        String jwt = TestTokens.hs256(Files.readString(secret).strip(), TestTokens.claims("alice",
                Duration.ofMinutes(5), TestTokens.rights(java.util.Map.of("*", List.of("join", "publish", "presence")),
                        true, true)));
        for (String wrong : new String[] {null, CLIENT_TOKEN, jwt, "admin-token-0123456789abcdeX", ""}) {
            for (String path : new String[] {"/rooms", "/sessions", "/sessions/1/kick", "/nothing"}) {
                AdminHttp.Answer a = admin.withToken(wrong).send(path.endsWith("kick") ? "POST" : "GET", path,
                        path.endsWith("kick") ? "{}" : null);
                assertEquals(401, a.status(), wrong + " " + path + ": " + a.body());
                assertEquals(401, a.body().path("status").asInt());
                assertEquals("Bearer realm=\"switchboard-admin\"", a.headers().firstValue("www-authenticate").orElse(""));
            }
        }
        assertEquals(0, admin.ok("GET", "/rooms", null).path("rooms").size());
    }

    @Test
    void doesNotStartWithoutItsOwnToken() throws Exception {
        ServerStartException none = assertThrows(ServerStartException.class,
                () -> servers.start(TransportUnderTest.NIO, b -> b.enabled(Listener.ADMIN, true)));
        assertTrue(none.getMessage().startsWith("admin.token-file: not set"), none.getMessage());
        Path shared = tokenFile(dir, "ops " + CLIENT_TOKEN + "\n");
        ServerStartException reused = assertThrows(ServerStartException.class, () -> servers.start(TransportUnderTest.NIO,
                b -> b.enabled(Listener.ADMIN, true).adminTokenFile(shared).authToken(CLIENT_TOKEN)));
        assertTrue(reused.getMessage().contains("line 1: the token is also a client token"), reused.getMessage());
        Path shortOne = tokenFile(dir, "short\n");
        ServerStartException tooShort = assertThrows(ServerStartException.class, () -> servers.start(
                TransportUnderTest.NIO, b -> b.enabled(Listener.ADMIN, true).adminTokenFile(shortOne)));
        assertTrue(tooShort.getMessage().contains("shorter than 16"), tooShort.getMessage());
        // Off by default: no admin listener at all.
        Server off = servers.start(TransportUnderTest.NIO);
        assertFalse(off.listeners().containsKey(Listener.ADMIN));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void everyEndpointAndActionOnEveryProtocol(TransportUnderTest transport) throws Exception {
        Server server = start(transport);
        AdminHttp admin = new AdminHttp(server.address(Listener.ADMIN), ADMIN_TOKEN);
        int http = server.address(Listener.HTTP).getPort();
        try (FramedTestClient fred = new FramedTestClient(server.transport(), server.address(Listener.FRAMED), "fred");
             JavaWsClient wendy = JavaWsClient.connect(http);
             JavaWsClient sio = JavaWsClient.socketIo(http)) {
            wendy.send("{\"type\":\"hello\",\"name\":\"wendy\"}");
            wendy.send("{\"type\":\"join\",\"room\":\"lobby\",\"id\":1}");
            wendy.nextContaining("\"ack\"");
            String wendyId = sessionOf(admin, "websocket");
            fred.join("lobby");
            fred.join("alpha");
            sio.send("421[\"sb:join\",\"lobby\"]");
            sio.nextStartingWith("431");
            String fredId = Long.toUnsignedString(fred.sessionId);

            // ---- listings ----
            JsonNode rooms = admin.ok("GET", "/rooms", null);
            assertEquals(List.of("alpha 1", "lobby 3"), roomList(rooms), rooms.toString());
            assertTrue(rooms.path("next").isNull());
            assertFalse(rooms.has("missingNodes"), "a single node lists no missing nodes");
            JsonNode first = admin.ok("GET", "/rooms?limit=1", null);
            assertEquals(List.of("alpha 1"), roomList(first));
            assertEquals("alpha", first.path("next").asText());
            JsonNode second = admin.ok("GET", "/rooms?limit=1&after=alpha", null);
            assertEquals(List.of("lobby 3"), roomList(second));
            assertTrue(second.path("next").isNull());

            JsonNode lobby = admin.ok("GET", "/rooms/lobby", null);
            assertEquals(3, lobby.path("members").asInt());
            Set<String> protocols = new TreeSet<>();
            for (JsonNode s : lobby.path("sessions")) {
                protocols.add(s.path("protocol").asText());
                assertTrue(s.path("address").asText().startsWith("127.0.0.1:"), s.toString());
                assertEquals(server.hub().nodeId(), s.path("node").asInt());
                assertFalse(s.path("connectedSince").asText().isEmpty());
            }
            assertEquals(Set.of("framed", "socket.io", "websocket"), protocols);
            JsonNode page1 = admin.ok("GET", "/rooms/lobby?limit=2", null);
            assertEquals(2, page1.path("sessions").size());
            JsonNode page2 = admin.ok("GET", "/rooms/lobby?limit=2&after=" + page1.path("next").asText(), null);
            assertEquals(1, page2.path("sessions").size());
            assertTrue(page2.path("next").isNull());
            List<String> paged = new ArrayList<>();
            page1.path("sessions").forEach(s -> paged.add(s.path("id").asText()));
            page2.path("sessions").forEach(s -> paged.add(s.path("id").asText()));
            List<String> whole = new ArrayList<>();
            lobby.path("sessions").forEach(s -> whole.add(s.path("id").asText()));
            assertEquals(whole, paged);

            assertEquals(List.of(fredId), ids(admin.ok("GET", "/sessions?protocol=framed", null)));
            assertEquals(List.of(wendyId), ids(admin.ok("GET", "/sessions?name=WEN", null)));
            assertEquals(List.of(fredId), ids(admin.ok("GET", "/sessions?room=alpha", null)));
            assertEquals(List.of(sio.sid), ids(admin.ok("GET", "/sessions?protocol=socket.io", null)));
            assertEquals(3, admin.ok("GET", "/sessions?address=127.0.0.1:", null).path("count").asInt());
            assertEquals(0, admin.ok("GET", "/sessions?address=10.", null).path("count").asInt());
            assertEquals(0, admin.ok("GET", "/sessions?user=alice", null).path("count").asInt());

            JsonNode one = admin.ok("GET", "/sessions/" + fredId, null);
            assertEquals("fred", one.path("name").asText());
            assertEquals(List.of("lobby", "alpha"), texts(one.path("rooms")));
            assertEquals(transport.config().transport().id(), one.path("transport").asText());
            assertEquals(transport.epollMode == null ? null : transport.epollMode.id(),
                    one.path("epollMode").isNull() ? null : one.path("epollMode").asText());
            assertTrue(one.path("messagesIn").asLong() >= 3, one.toString()); // HELLO, two JOINs
            assertTrue(one.path("messagesOut").asLong() >= 3, one.toString()); // WELCOME, two ACKs
            assertTrue(one.path("bytesIn").asLong() > 0 && one.path("bytesOut").asLong() > 0, one.toString());
            JsonNode ws = admin.ok("GET", "/sessions/" + wendyId, null);
            assertTrue(ws.path("messagesIn").asLong() >= 2 && ws.path("bytesOut").asLong() > 0, ws.toString());
            JsonNode so = admin.ok("GET", "/sessions/" + sio.sid, null);
            assertEquals("namespace /", so.path("detail").asText());
            assertTrue(so.path("messagesIn").asLong() >= 2 && so.path("messagesOut").asLong() >= 2, so.toString());

            // ---- notices ----
            JsonNode sent = admin.ok("POST", "/notice", "{\"room\":\"lobby\",\"message\":\"maintenance at noon\"}");
            assertEquals(3, sent.path("members").asInt());
            FramedTestClient.Received notice = fred.nextEvent("sb:notice");
            assertEquals(0, notice.sender());
            assertEquals("maintenance at noon", AdminHttp.JSON.readTree(notice.text()).get(0).path("message").asText());
            JsonNode wsNotice = AdminHttp.JSON.readTree(wendy.nextContaining("sb:notice"));
            assertEquals("maintenance at noon", wsNotice.path("args").get(0).path("message").asText(), wsNotice.toString());
            assertEquals("0", wsNotice.path("sender").asText(), wsNotice.toString());
            assertEquals("42[\"sb:notice\",{\"message\":\"maintenance at noon\",\"room\":\"lobby\"}]",
                    sio.nextContaining("sb:notice"));
            admin.ok("POST", "/notice", "{\"message\":\"hello everyone\"}");
            assertEquals("hello everyone", AdminHttp.JSON.readTree(fred.nextEvent("sb:notice").text()).get(0).path("message").asText());
            assertTrue(wendy.nextContaining("sb:notice").contains("hello everyone"));
            assertTrue(sio.nextContaining("sb:notice").contains("hello everyone"));

            // ---- remove from a room, close a room ----
            JsonNode removed = admin.ok("POST", "/sessions/" + fredId + "/remove", "{\"room\":\"alpha\",\"reason\":\"off topic\"}");
            assertTrue(removed.path("removed").asBoolean());
            JsonNode told = AdminHttp.JSON.readTree(fred.nextEvent("sb:removed").text()).get(0);
            assertEquals("alpha", told.path("room").asText());
            assertEquals("off topic", told.path("reason").asText());
            assertEquals(List.of("lobby 3"), roomList(admin.ok("GET", "/rooms", null)));
            admin.error(404, "POST", "/sessions/" + fredId + "/remove", "{\"room\":\"alpha\"}");

            JsonNode closed = admin.ok("POST", "/rooms/lobby/close", "{\"reason\":\"closing time\"}");
            assertEquals(3, closed.path("removed").asInt());
            assertEquals("closing time", AdminHttp.JSON.readTree(fred.nextEvent("sb:removed").text()).get(0).path("reason").asText());
            assertTrue(wendy.nextContaining("sb:removed").contains("closing time"));
            assertTrue(sio.nextContaining("sb:removed").contains("closing time"));
            awaitRooms(admin, List.of());
            admin.error(404, "GET", "/rooms/lobby", null);
            admin.error(404, "POST", "/rooms/lobby/close", "{}");
            admin.error(404, "POST", "/notice", "{\"room\":\"lobby\",\"message\":\"anyone?\"}");

            // ---- errors ----
            admin.error(404, "GET", "/sessions/12345", null);
            admin.error(404, "POST", "/sessions/12345/kick", "{}");
            admin.error(400, "GET", "/sessions/abc", null);
            admin.error(400, "GET", "/sessions/0", null);
            admin.error(400, "GET", "/rooms?limit=0", null);
            admin.error(400, "GET", "/rooms?limit=1001", null);
            admin.error(400, "GET", "/rooms?limit=x", null);
            admin.error(400, "GET", "/rooms?color=red", null);
            admin.error(400, "GET", "/rooms?limit=1&limit=2", null);
            admin.error(400, "GET", "/sessions?after=-1", null);
            admin.error(400, "GET", "/sessions?protocol=", null);
            admin.error(400, "POST", "/notice", "not json");
            admin.error(400, "POST", "/notice", "[1]");
            admin.error(400, "POST", "/notice", "{}");
            admin.error(400, "POST", "/notice", "{\"message\":\"x\",\"room\":7}");
            admin.error(400, "POST", "/sessions/" + fredId + "/kick", "{\"reason\":\"" + "x".repeat(121) + "\"}");
            admin.error(400, "POST", "/sessions/" + fredId + "/remove", "{}");
            assertTrue(raw(server, "GET /rooms/%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_TOKEN
                    + "\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 400 "));
            assertTrue(raw(server, "NOT HTTP AT ALL\r\n\r\n").startsWith("HTTP/1.1 400 "));
            admin.error(405, "POST", "/rooms", "{}");
            assertEquals("GET", admin.send("POST", "/rooms", "{}").headers().firstValue("allow").orElse(""));
            assertEquals("POST", admin.send("GET", "/sessions/" + fredId + "/kick", null).headers().firstValue("allow").orElse(""));
            admin.error(405, "DELETE", "/sessions/" + fredId, null);
            admin.error(404, "GET", "/", null);
            admin.error(404, "GET", "/rooms/a/b/c", null);
            admin.error(413, "POST", "/notice", "{\"message\":\"" + "x".repeat(20_000) + "\"}");

            // ---- disconnects, each with the reason its client sees ----
            admin.ok("POST", "/sessions/" + fredId + "/kick", "{\"reason\":\"spamming\"}");
            Bye bye = fred.nextBye();
            assertEquals("spamming", bye.message());
            admin.ok("POST", "/sessions/" + wendyId + "/kick", "{\"reason\":\"bye wendy\"}");
            assertEquals(1000, wendy.closed.get(10, TimeUnit.SECONDS));
            assertEquals("bye wendy", wendy.closeReason);
            admin.ok("POST", "/sessions/" + sio.sid + "/kick", "{}");
            String why = sio.nextContaining("sb:disconnect");
            assertTrue(why.contains(AdminRequests.DEFAULT_KICK_REASON), why);
            assertEquals("41", sio.nextStartingWith("41"));
            awaitSessions(admin, 0);
        }
    }

    /** Sends {@code request} as it is over a plain socket and returns what comes back until the server closes. */
    static String raw(Server server, String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(server.address(Listener.ADMIN).getAddress(),
                server.address(Listener.ADMIN).getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The id of the one session of {@code protocol}. */
    static String sessionOf(AdminHttp admin, String protocol) throws Exception {
        List<String> ids = ids(admin.ok("GET", "/sessions?protocol=" + protocol, null));
        assertEquals(1, ids.size(), protocol + ": " + ids);
        return ids.get(0);
    }

    static List<String> roomList(JsonNode rooms) {
        List<String> out = new ArrayList<>();
        rooms.path("rooms").forEach(r -> out.add(r.path("name").asText() + " " + r.path("members").asInt()));
        return out;
    }

    static List<String> ids(JsonNode sessions) {
        List<String> out = new ArrayList<>();
        sessions.path("sessions").forEach(s -> out.add(s.path("id").asText()));
        return out;
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static void awaitRooms(AdminHttp admin, List<String> expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> now;
        while (!(now = roomList(admin.ok("GET", "/rooms", null))).equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, now);
    }

    static void awaitSessions(AdminHttp admin, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int now;
        while ((now = admin.ok("GET", "/sessions", null).path("count").asInt()) != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, now);
    }
}
