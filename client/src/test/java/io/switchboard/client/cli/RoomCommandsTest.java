package io.switchboard.client.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** publish, subscribe and chat against a real server. */
class RoomCommandsTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static void await(Supplier<Boolean> condition, Supplier<String> what) throws InterruptedException {
        Await.until(what, Await.TIMEOUT, condition::get);
    }

    private static SwitchboardClient bob(Server server) {
        return SwitchboardClient.connect(ClientOptions.builder().port(server.address(Listener.FRAMED).getPort())
                .transport(TransportChoice.NIO).name("bob").build()).join();
    }

    @Test
    void subscribePrintsJsonLinesAndPublishDelivers() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        String port = String.valueOf(server.address(Listener.FRAMED).getPort());
        StringWriter subscribed = new StringWriter();
        StringWriter subscribeErr = new StringWriter();
        CompletableFuture<Integer> subscriber = CompletableFuture.supplyAsync(() -> ClientMain.run(
                new PrintWriter(subscribed, true), new PrintWriter(subscribeErr, true),
                "subscribe", "--port", port, "--room", "news", "--json", "--count", "2"));
        await(() -> server.hub().members("news").size() == 1, () -> "subscriber joined; err=" + subscribeErr);
        for (String text : new String[] {"first", "zweite \"quoted\""}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true),
                    "publish", "--port", port, "--room", "news", "--event", "headline", "--data", text, "--ack");
            assertEquals(0, code, err.toString());
            assertEquals("published headline to news (acknowledged)\n", out.toString());
        }
        assertEquals(0, subscriber.get(20, TimeUnit.SECONDS), subscribeErr.toString());
        String[] lines = subscribed.toString().split("\n");
        assertEquals(2, lines.length, subscribed.toString());
        JsonNode second = new ObjectMapper().readTree(lines[1]);
        assertEquals("news", second.get("room").asText());
        assertEquals("headline", second.get("event").asText());
        assertEquals("zweite \"quoted\"", second.get("data").asText());
        assertTrue(second.get("sender").asLong() > 0);
    }

    @Test
    void publishErrorsAreReportedWithANonZeroExit() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO, b -> b.maxRoomNameBytes(4));
        StringWriter err = new StringWriter();
        int code = ClientMain.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "publish", "--port", String.valueOf(server.address(Listener.FRAMED).getPort()),
                "--room", "too-long", "--data", "x");
        assertEquals(1, code);
        assertTrue(err.toString().startsWith("publish failed: ERROR 303 NAME_TOO_LONG"), err.toString());
    }

    @Test
    void chatThroughStdin() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        try (SwitchboardClient bob = bob(server)) {
            BlockingQueue<String> atBob = new LinkedBlockingQueue<>();
            bob.on(ChatCommand.EVENT, e -> atBob.add(e.room() + ":" + e.text()));
            bob.join("lobby").join();

            PipedOutputStream typed = new PipedOutputStream();
            ChatCommand chat = new ChatCommand();
            chat.in = new PipedInputStream(typed);
            StringWriter screen = new StringWriter();
            CommandLine cli = new CommandLine(chat).setOut(new PrintWriter(screen, true));
            CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> cli.execute(
                    "--port", String.valueOf(server.address(Listener.FRAMED).getPort()), "--transport", "nio",
                    "--room", "lobby", "--name", "alice"));
            await(() -> screen.toString().contains("* you joined lobby (2 here)"), screen::toString);

            typed.write("hello bob\n".getBytes(UTF_8));
            assertEquals("lobby:hello bob", atBob.poll(10, TimeUnit.SECONDS));
            bob.publish("lobby", ChatCommand.EVENT, "hi alice".getBytes(UTF_8)).join();
            await(() -> screen.toString().matches("(?s).*\\[\\d\\d:\\d\\d:\\d\\d] bob@lobby: hi alice\n.*"), screen::toString);
            typed.write("/members\n".getBytes(UTF_8));
            await(() -> screen.toString().contains("* 2 in lobby:"), screen::toString);
            assertTrue(screen.toString().matches("(?s).*\\* 2 in lobby: (alice bob|bob alice)\n.*"), screen.toString());
            typed.write("/join side\n".getBytes(UTF_8));
            await(() -> screen.toString().contains("* you joined side (1 here)"), screen::toString);
            bob.join("side").join();
            await(() -> screen.toString().contains("* bob joined side"), screen::toString);
            typed.write("/bogus\n/leave lobby\n/quit\n".getBytes(UTF_8));
            assertEquals(0, running.get(20, TimeUnit.SECONDS), screen.toString());
            assertTrue(screen.toString().contains("! unknown command /bogus"), screen.toString());
            assertTrue(screen.toString().contains("* you left lobby"), screen.toString());
        }
    }
}
