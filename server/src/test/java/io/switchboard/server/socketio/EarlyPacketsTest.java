package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Packets a client sends before the connection handlers ran (they run shortly after the CONNECT
 * reply) are handled in order, even when the transport closes before the handlers' turn: a
 * DISCONNECT sent right after CONNECT, then the Engine.IO close, all in one polling POST, is the
 * client's namespace disconnect (found by the socket.io-client interop test on epoll level).
 */
class EarlyPacketsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aDisconnectRightAfterConnectIsTheClientsEvenWhenTheTransportClosesNext(TransportUnderTest transport)
            throws Exception {
        Server server = servers.start(transport);
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        server.socketIo().of("/custom")
                .onConnection(socket -> events.add("connected"))
                .onDisconnect((socket, reason) -> events.add(reason));
        String base = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/socket.io/?EIO=4&transport=polling";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> open = http.send(HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(open.body().startsWith("0{"), open.body());
        String sid = JSON.readTree(open.body().substring(1)).path("sid").asText();
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "&sid=" + sid))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("40/custom,\u001e41/custom,\u001e1")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, post.statusCode(), post.body());
        assertEquals("connected", events.poll(10, TimeUnit.SECONDS));
        assertEquals("client namespace disconnect", events.poll(10, TimeUnit.SECONDS));
    }
}
