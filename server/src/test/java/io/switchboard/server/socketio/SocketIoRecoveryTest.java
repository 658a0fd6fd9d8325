package io.switchboard.server.socketio;

import io.switchboard.server.socketio.settings.SocketIoOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Connection state recovery with the official socket.io-client 4.8 (scenarios.mjs): a client
 * whose transport is cut gets its socket back (same id, {@code recovered}, its rooms, the events
 * it missed, in order, once), or, too late or after too much, a new one.
 */
@Timeout(120)
class SocketIoRecoveryTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private Server server(Consumer<SocketIoOptions.Recovery[]> recovery) throws Exception {
        SocketIoOptions.Recovery[] r = {SocketIoOptions.Recovery.OFF.withMaxDisconnection(Duration.ofMinutes(2))};
        recovery.accept(r);
        return servers.start(TransportUnderTest.NIO, b -> b.socketIoOptions(b.socketIoOptionsNow().withRecovery(r[0])));
    }

    private static String url(Server server) {
        return "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();
    }

    private static List<String> firstArgs(JsonNode events) {
        List<String> out = new ArrayList<>();
        events.forEach(e -> out.add(e.get(0).asText()));
        return out;
    }

    @Test
    void theKeysSetRecovery() throws Exception {
        ServerConfig c = new ConfigLoader().yaml("socketio:\n  recovery-max-disconnection: 2m\n"
                + "  recovery-max-buffered-events: 50\n  recovery-max-buffered-bytes: 64k\n", "test.yaml").load();
        assertEquals(new SocketIoOptions.Recovery(Duration.ofMinutes(2), 50, 64 << 10), c.socketIoOptions().recovery());
        assertFalse(ServerConfig.builder().build().socketIoOptions().recovery().enabled(), "off by default");
    }

    @ParameterizedTest
    @ValueSource(strings = {"websocket", "polling"})
    void aCutTransportRecoversTheSocketItsRoomsAndTheMissedEventsInOrder(String transport) throws Exception {
        Path work = SioClientScenarios.prepare();
        Server server = server(r -> { });
        JsonNode result = SioClientScenarios.run(work, "recover", List.of(url(server)),
                Map.of("transports", List.of(transport)));

        assertEquals("forced close", result.path("reason").asText(), "the client closed its engine");
        assertFalse(result.path("firstRecovered").asBoolean(), "a first connection is not recovered");
        assertTrue(result.path("recovered").asBoolean(), "socket.recovered");
        assertEquals(result.path("firstId").asText(), result.path("secondId").asText(), "same socket id");
        assertEquals(2, result.path("missedBeforeReconnect").asInt(), "nothing arrived while disconnected");
        // While it was away, the socket stayed in the room (and after, without joining again).
        String a = result.path("firstId").asText();
        String b = result.path("bId").asText();
        assertEquals(new TreeSet<>(Set.of(a, b)), strings(result.path("membersWhileAway")));
        assertEquals(new TreeSet<>(Set.of(a, b)), strings(result.path("membersAfter")));
        // Every event once, in order; each carries its offset as the last argument (a string).
        assertEquals(List.of("n1", "n2", "n3", "n4", "n5", "n6"), firstArgs(result.path("news")));
        long previous = 0;
        for (JsonNode e : result.path("news")) {
            assertEquals(2, e.size(), "payload and offset: " + e);
            long offset = Long.parseLong(e.get(1).asText());
            assertTrue(offset > previous, "offsets increase: " + result.path("news"));
            previous = offset;
        }
        assertEquals(List.of("d1"), firstArgs(result.path("direct")), "the direct message sent meanwhile");
        assertEquals(transport, result.path("transport").asText());
        Map<String, Long> counts = server.socketIo().counts();
        assertEquals(1L, counts.get("recovery_detached"), counts::toString);
        assertEquals(1L, counts.get("recovery_succeeded"), counts::toString);
    }

    @Test
    void aClientBackAfterTheMaximumDisconnectionGetsANewSocket() throws Exception {
        Path work = SioClientScenarios.prepare();
        Server server = server(r -> r[0] = r[0].withMaxDisconnection(Duration.ofMillis(500)));
        JsonNode result = SioClientScenarios.run(work, "fresh", List.of(url(server)),
                Map.of("transports", List.of("websocket"), "reconnectionDelay", 1500));
        assertFreshSession(result);
        assertEquals(1L, server.socketIo().counts().get("recovery_expired"), server.socketIo().counts()::toString);
    }

    @Test
    void aClientThatMissedMoreThanTheBufferHoldsGetsANewSocket() throws Exception {
        Path work = SioClientScenarios.prepare();
        Server server = server(r -> r[0] = r[0].withMaxEvents(5));
        JsonNode result = SioClientScenarios.run(work, "fresh", List.of(url(server)),
                Map.of("transports", List.of("websocket"), "reconnectionDelay", 500, "missed", 8));
        assertFreshSession(result);
        Map<String, Long> counts = server.socketIo().counts();
        assertEquals(1L, counts.get("recovery_overflow"), counts::toString);
        assertEquals(null, counts.get("recovery_succeeded"), counts::toString);
    }

    private static void assertFreshSession(JsonNode result) {
        assertFalse(result.path("recovered").asBoolean(), "socket.recovered");
        assertNotEquals(result.path("firstId").asText(), result.path("secondId").asText(), "a new socket id");
        // The old socket left the room when it could no longer recover; the new one is not in it.
        assertEquals(Set.of(result.path("bId").asText()), strings(result.path("membersAfter")));
        // Only what arrived before the cut: the missed events are gone, the new socket is in no room.
        assertEquals(List.of("n1"), firstArgs(result.path("news")));
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
