package io.switchboard.client.cli.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.ReceivedEvent;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.client.cli.ClientMain;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code switchboard-client admin ...} against a real server: --json parsed, tables, the token's sources, failures. */
@Timeout(60)
class AdminCliTest {
    static final String TOKEN = "cli-admin-token-0123456789";

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return AdminHttpClient.JSON.readTree(out);
        }
    }

    @AfterEach
    void restoreEnvironment() {
        AdminCall.environment = System.getenv();
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void everyCommandWithJsonAndTables() throws Exception {
        Path tokens = dir.resolve("admin-tokens");
        Files.writeString(tokens, "cli " + TOKEN + "\n");
        Server server = servers.start(TransportUnderTest.NIO, b -> b.enabled(Listener.ADMIN, true).adminTokenFile(tokens));
        String url = "http://127.0.0.1:" + server.address(Listener.ADMIN).getPort();
        BlockingQueue<ReceivedEvent> events = new LinkedBlockingQueue<>();
        try (SwitchboardClient alice = SwitchboardClient.connect(ClientOptions.builder()
                .port(server.address(Listener.FRAMED).getPort()).transport(TransportChoice.NIO).name("alice")
                .reconnect(false).build()).join()) {
            alice.onAny(events::add);
            alice.join("lobby").join();
            alice.join("room with spaces/and slash").join();
            String id = Long.toUnsignedString(alice.sessionId());

            Run rooms = run("admin", "rooms", "--url", url, "--token-file", tokens.toString(), "--json");
            assertEquals(0, rooms.code(), rooms.err());
            JsonNode list = rooms.json();
            assertEquals(2, list.path("rooms").size(), rooms.out());
            assertEquals("lobby", list.path("rooms").get(0).path("name").asText());
            assertEquals(1, list.path("rooms").get(0).path("members").asInt());
            Run table = run("admin", "rooms", "--url", url, "--token-file", tokens.toString());
            assertEquals("ROOM                        MEMBERS\nlobby                       1\n"
                    + "room with spaces/and slash  1\n", table.out());
            Run paged = run("admin", "rooms", "--url", url, "--token-file", tokens.toString(), "--limit", "1");
            assertTrue(paged.out().endsWith("more rooms: --after lobby\n"), paged.out());

            // The token from the environment, and the URL too.
            AdminCall.environment = Map.of(AdminOptions.TOKEN_VARIABLE, TOKEN, AdminOptions.URL_VARIABLE, url);
            Run room = run("admin", "room", "room with spaces/and slash", "--json");
            assertEquals(0, room.code(), room.err());
            assertEquals(id, room.json().path("sessions").get(0).path("id").asText());
            assertEquals("framed", room.json().path("sessions").get(0).path("protocol").asText());
            Run roomTable = run("admin", "room", "lobby");
            assertTrue(roomTable.out().startsWith("room lobby: 1 members\nID"), roomTable.out());
            assertTrue(roomTable.out().contains("alice"), roomTable.out());

            Run sessions = run("admin", "sessions", "--protocol", "framed", "--name", "ALI", "--json");
            assertEquals(1, sessions.json().path("count").asInt(), sessions.out());
            Run session = run("admin", "session", id, "--json");
            assertEquals("alice", session.json().path("name").asText());
            assertTrue(session.json().path("messagesIn").asLong() >= 3, session.out());
            Run sessionTable = run("admin", "session", id);
            assertTrue(sessionTable.out().contains("rooms           lobby, room with spaces/and slash"), sessionTable.out());

            Run notice = run("admin", "notice", "--room", "lobby", "tea is ready", "--json");
            assertEquals(1, notice.json().path("members").asInt(), notice.out());
            ReceivedEvent got = events.poll(10, TimeUnit.SECONDS);
            assertEquals("sb:notice", got.event());
            assertTrue(new String(got.payload(), StandardCharsets.UTF_8).contains("tea is ready"));
            Run everyone = run("admin", "notice", "to all");
            assertEquals("notice sent to everyone\n", everyone.out());

            Run removed = run("admin", "remove", id, "lobby", "--reason", "test");
            assertEquals("session " + id + " removed from lobby\n", removed.out(), removed.err());
            Run closed = run("admin", "close-room", "room with spaces/and slash", "--json");
            assertEquals(1, closed.json().path("removed").asInt(), closed.out());
            Await.until(() -> "rooms left", Await.TIMEOUT, () -> server.hub().roomCount() == 0);

            Run missing = run("admin", "session", "12345");
            assertEquals(1, missing.code());
            assertEquals("HTTP 404: no session with id 12345\n", missing.err());
            Run kicked = run("admin", "kick", id, "--reason", "bye", "--json");
            assertEquals(0, kicked.code(), kicked.err());
            assertTrue(kicked.json().path("disconnected").asBoolean());
            Await.until(() -> "alice gone", Await.TIMEOUT, () -> server.hub().registeredSessions().isEmpty());
        }
    }

    @Test
    void refusalsAndUsageErrors() throws Exception {
        Path tokens = dir.resolve("admin-tokens");
        Files.writeString(tokens, TOKEN + "\n");
        Server server = servers.start(TransportUnderTest.NIO, b -> b.enabled(Listener.ADMIN, true).adminTokenFile(tokens));
        String url = "http://127.0.0.1:" + server.address(Listener.ADMIN).getPort();
        AdminCall.environment = Map.of();
        Run noToken = run("admin", "rooms", "--url", url);
        assertEquals(2, noToken.code());
        assertTrue(noToken.err().startsWith("no admin token"), noToken.err());
        Run wrong = run("admin", "rooms", "--url", url, "--token", "not-the-admin-token");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().startsWith("HTTP 401: an admin token is required"), wrong.err());
        Run badUrl = run("admin", "rooms", "--url", "ftp://x", "--token", TOKEN);
        assertEquals(2, badUrl.code());
        Run unreachable = run("admin", "rooms", "--url", "http://127.0.0.1:1", "--token", TOKEN);
        assertEquals(1, unreachable.code());
        assertTrue(unreachable.err().startsWith("cannot reach the admin API"), unreachable.err());
        Run badLimit = run("admin", "rooms", "--url", url, "--token", TOKEN, "--limit", "0");
        assertEquals(1, badLimit.code());
        assertTrue(badLimit.err().startsWith("HTTP 400: limit"), badLimit.err());
        Run noCommand = run("admin");
        assertEquals(2, noCommand.code());
    }
}
