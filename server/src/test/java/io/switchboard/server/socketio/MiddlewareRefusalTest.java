package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.socketio.settings.EngineConfig;
import io.switchboard.testing.TransportUnderTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A middleware's refusal always reaches the client, even when the data it passes cannot be sent
 * (found by the socket.io-client interop test: {@code socket.auth().path("x")} of a missing key is
 * a Jackson MissingNode; the client used to get no CONNECT_ERROR at all and waited for its
 * timeout). Plain Engine.IO long-polling over {@link HttpClient}, bounded waits.
 */
class MiddlewareRefusalTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @Test
    void refusalWithUnsendableDataIsAnsweredWithoutTheDataAndTheMiddlewareSeesTheError() throws Exception {
        Server server = start();
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        server.socketIo().of("/guarded").use((socket, next) -> {
            try {
                next.refuse("no entry", Map.of("missing", MissingNode.getInstance()));
                thrown.complete(null);
            } catch (IllegalArgumentException e) {
                thrown.complete(e);
                throw e;
            }
        });
        assertEquals("4/guarded,{\"message\":\"no entry\"}", connectAnswer(server, "/guarded"));
        Throwable e = thrown.get(5, TimeUnit.SECONDS);
        assertTrue(e instanceof IllegalArgumentException, "refuse() tells the middleware the data was unsendable");
    }

    @Test
    void refusalWithBinaryDataIsAnsweredWithoutTheData() throws Exception {
        // CONNECT_ERROR cannot carry attachments: encoding it used to fail on the event loop.
        Server server = start();
        server.socketIo().of("/guarded").use((socket, next) -> next.refuse("no entry", Map.of("blob", new byte[] {1, 2})));
        assertEquals("4/guarded,{\"message\":\"no entry\"}", connectAnswer(server, "/guarded"));
    }

    @Test
    void refusalWithDataIsSentAsGiven() throws Exception {
        Server server = start();
        server.socketIo().of("/guarded").use((socket, next) -> next.refuse("no entry", Map.of("retry", 5)));
        assertEquals(JSON.readTree("{\"message\":\"no entry\",\"data\":{\"retry\":5}}"),
                JSON.readTree(connectAnswer(server, "/guarded").substring("4/guarded,".length())));
    }

    @Test
    void secondAnswerIsIgnored() throws Exception {
        Server server = start();
        server.socketIo().of("/guarded").use((socket, next) -> {
            next.refuse("first", null);
            next.accept();
            assertThrows(IllegalArgumentException.class, () -> next.refuse("third", Map.of("x", MissingNode.getInstance())));
        });
        assertEquals("4/guarded,{\"message\":\"first\"}", connectAnswer(server, "/guarded"));
    }

    /** A server whose Engine.IO pings every second, so that a poll without an answer returns soon. */
    private Server start() throws Exception {
        return servers.start(TransportUnderTest.NIO, b -> b.socketIo(EngineConfig.builder()
                .pingInterval(Duration.ofSeconds(1)).pingTimeout(Duration.ofSeconds(5)).build()));
    }

    /** Opens an Engine.IO session by polling, sends CONNECT to {@code nsp}, returns the first Socket.IO packet back (such as {@code 4/nsp,{...}}: CONNECT_ERROR). */
    private static String connectAnswer(Server server, String nsp) throws Exception {
        String base = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/socket.io/?EIO=4&transport=polling";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String open = get(http, base);
        assertTrue(open.startsWith("0{"), open);
        String sid = JSON.readTree(open.substring(1)).path("sid").asText();
        String session = base + "&sid=" + sid;
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(session)).timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("40" + nsp + ",")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, post.statusCode(), post.body());
        // The answer comes within one poll (the server holds a poll until it has packets or pings).
        for (int i = 0; i < 5; i++) {
            for (String packet : get(http, session).split("\u001e")) {
                if (packet.startsWith("4")) {
                    return packet.substring(1);
                }
            }
        }
        throw new AssertionError("no Socket.IO answer to CONNECT " + nsp + " within 5 polls");
    }

    private static String get(HttpClient http, String uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(40)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
