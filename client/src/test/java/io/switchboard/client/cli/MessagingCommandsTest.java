package io.switchboard.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** send, broadcast, emit --ack, members, and subscribe's session ids and reconnect gaps, against a real server. */
@Timeout(90)
class MessagingCommandsTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private record Run(int code, String out, String err) {}

    private static Run cli(TransportUnderTest t, Server server, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(transportFlags(t, server));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    private static List<String> transportFlags(TransportUnderTest t, Server server) {
        List<String> flags = new ArrayList<>(List.of("--port", String.valueOf(server.address(Listener.FRAMED).getPort()),
                "--transport", t.choice.id()));
        if (t.epollMode != null) {
            flags.addAll(List.of("--epoll-mode", t.epollMode.id()));
        }
        return flags;
    }

    private static SwitchboardClient client(TransportUnderTest t, Server server, String name) {
        return SwitchboardClient.connect(ClientOptions.builder().port(server.address(Listener.FRAMED).getPort())
                .transport(t.choice).epollMode(t.epollMode).name(name).build()).join();
    }

    private static void await(Supplier<Boolean> condition, Supplier<String> what) throws InterruptedException {
        Await.until(what, Await.TIMEOUT, condition::get);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void sendBroadcastEmitAndMembers(TransportUnderTest t) throws Exception {
        Server server = servers.start(t, b -> b.peerAckTimeout(Duration.ofMillis(500)));
        try (SwitchboardClient bob = client(t, server, "bob")) {
            BlockingQueue<String> atBob = new LinkedBlockingQueue<>();
            bob.onAny(e -> {
                atBob.add(e.target() + " " + e.event() + ": " + e.text());
                if (e.wantsAck() && e.text().equals("q1")) {
                    e.ack(("answer to " + e.text()).getBytes(UTF_8));
                }
            });
            bob.join("lobby").join();
            String bobId = Long.toUnsignedString(bob.sessionId());

            Run sent = cli(t, server, "send", "--session", bobId, "--event", "dm", "--data", "hi bob");
            assertEquals(0, sent.code, sent.err);
            assertEquals("sent dm to session " + bobId + " (acknowledged)\n", sent.out);
            assertEquals("SESSION dm: hi bob", atBob.poll(10, TimeUnit.SECONDS));

            Run all = cli(t, server, "broadcast", "--event", "news", "--data", "to all");
            assertEquals(0, all.code, all.err);
            assertEquals("broadcast news to every session (acknowledged)\n", all.out);
            assertEquals("ALL news: to all", atBob.poll(10, TimeUnit.SECONDS));

            Run emitted = cli(t, server, "emit", "--session", bobId, "--event", "question", "--data", "q1", "--ack");
            assertEquals(0, emitted.code, emitted.err);
            assertTrue(emitted.out.matches("ack from session " + bobId + " time=\\d+\\.\\d{3} ms: answer to q1\n"),
                    emitted.out);
            assertEquals("SESSION question: q1", atBob.poll(10, TimeUnit.SECONDS));

            Run unanswered = cli(t, server, "emit", "--session", bobId, "--event", "question", "--data", "q2", "--ack");
            assertEquals(1, unanswered.code, unanswered.out);
            assertTrue(unanswered.err.startsWith("emit failed: ERROR 306 ACK_TIMEOUT"), unanswered.err);

            Run members = cli(t, server, "members", "--room", "lobby");
            assertEquals(0, members.code, members.err);
            assertEquals("1 member in lobby\n" + bobId + " bob\n", members.out);
            Run empty = cli(t, server, "members", "--room", "nobody-here");
            assertEquals(0, empty.code, empty.err);
            assertEquals("0 members in nobody-here\n", empty.out);

            Run nobody = cli(t, server, "send", "--session", "123456789", "--data", "x");
            assertEquals(1, nobody.code, nobody.out);
            assertTrue(nobody.err.startsWith("send failed: ERROR 305"), nobody.err);
            Run badId = cli(t, server, "send", "--session", "bob", "--data", "x");
            assertEquals(2, badId.code, badId.out);
            assertTrue(badId.err.contains("'bob' (expected: a session id"), badId.err);
            Run noData = cli(t, server, "broadcast", "--event", "x");
            assertEquals(2, noData.code);
        }
    }

    /** Session ids in subscribe's JSON are decimal strings, as the WebSocket bridge writes them. */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void subscribeJsonCarriesSessionIdsAsStrings(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StringWriter subscribed = new StringWriter();
        StringWriter subscribeErr = new StringWriter();
        List<String> args = new ArrayList<>(List.of("subscribe", "--room", "news", "--json", "--count", "1"));
        args.addAll(transportFlags(t, server));
        CompletableFuture<Integer> subscriber = CompletableFuture.supplyAsync(() -> ClientMain.run(
                new PrintWriter(subscribed, true), new PrintWriter(subscribeErr, true), args.toArray(String[]::new)));
        await(() -> server.hub().members("news").size() == 1, () -> "subscriber joined; err=" + subscribeErr);
        try (SwitchboardClient alice = client(t, server, "alice")) {
            alice.publish("news", "headline", "hello".getBytes(UTF_8)).join();
            assertEquals(0, subscriber.get(20, TimeUnit.SECONDS), subscribeErr.toString());
            JsonNode line = new ObjectMapper().readTree(subscribed.toString().trim());
            assertTrue(line.get("sender").isTextual(), line.toString());
            assertEquals(Long.toUnsignedString(alice.sessionId()), line.get("sender").asText());
            assertEquals("event", line.get("type").asText());
        }
    }

    /**
     * After the server restarts, subscribe reconnects and says so: a notice on stderr with the
     * gap's length, and in JSON a {@code "type":"gap"} line before the next event.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void subscribeReportsTheGapWhenTheServerRestarts(TransportUnderTest t) throws Exception {
        Server first = servers.start(t, b -> b.drainTimeout(Duration.ofMillis(200)));
        int port = first.address(Listener.FRAMED).getPort();
        StringWriter subscribed = new StringWriter();
        StringWriter subscribeErr = new StringWriter();
        List<String> args = new ArrayList<>(List.of("subscribe", "--room", "news", "--json", "--count", "1"));
        args.addAll(transportFlags(t, first));
        CompletableFuture<Integer> subscriber = CompletableFuture.supplyAsync(() -> ClientMain.run(
                new PrintWriter(subscribed, true), new PrintWriter(subscribeErr, true), args.toArray(String[]::new)));
        await(() -> first.hub().members("news").size() == 1, () -> "subscriber joined; err=" + subscribeErr);
        first.close();
        Server second = servers.start(t, b -> b.port(Listener.FRAMED, port));
        await(() -> second.hub().members("news").size() == 1, () -> "subscriber rejoined; err=" + subscribeErr);
        await(() -> subscribeErr.toString().contains("reconnected after"), subscribeErr::toString);
        try (SwitchboardClient alice = client(t, second, "alice")) {
            alice.publish("news", "headline", "after".getBytes(UTF_8)).join();
        }
        assertEquals(0, subscriber.get(20, TimeUnit.SECONDS), subscribeErr.toString());
        String err = subscribeErr.toString();
        assertTrue(err.matches("(?s)subscribe: connection to 127\\.0\\.0\\.1:" + port + " lost at \\S+; reconnecting\n"
                + "subscribe: reconnected after \\d+ ms \\(session \\d+\\); events sent to news in the gap were missed\n"),
                err);
        String[] lines = subscribed.toString().split("\n");
        assertEquals(2, lines.length, subscribed.toString());
        ObjectMapper json = new ObjectMapper();
        JsonNode gap = json.readTree(lines[0]);
        assertEquals("gap", gap.get("type").asText(), lines[0]);
        assertEquals("news", gap.get("room").asText());
        assertTrue(gap.get("millis").asLong() >= 0, lines[0]);
        assertTrue(gap.get("session").isTextual(), lines[0]);
        assertTrue(java.time.Instant.parse(gap.get("from").asText())
                .compareTo(java.time.Instant.parse(gap.get("to").asText())) <= 0, lines[0]);
        assertEquals("after", json.readTree(lines[1]).get("data").asText());
    }
}
