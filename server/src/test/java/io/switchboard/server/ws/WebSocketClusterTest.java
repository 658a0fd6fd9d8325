package io.switchboard.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.cluster.RedisServerExtension;
import io.switchboard.server.launch.Server;
import io.switchboard.server.testing.FramedTestClient;
import io.switchboard.server.testing.JavaWsClient;
import io.switchboard.testing.TransportUnderTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A browser session on one node and a framed session on another, through a real redis-server: the
 * WebSocket join waits for the cluster without reordering the session's answers, and events and
 * presence cross both ways.
 */
@Timeout(60)
class WebSocketClusterTest {
    @RegisterExtension
    final RedisServerExtension redis = new RedisServerExtension();
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private Server node() throws Exception {
        TransportUnderTest transport = TransportUnderTest.EPOLL_EDGE.choice.forced().isAvailable()
                ? TransportUnderTest.EPOLL_EDGE : TransportUnderTest.NIO;
        return servers.start(transport, b -> b.cluster(redis.uri()).clusterHeartbeatTtl(Duration.ofMillis(900)));
    }

    @Test
    void browserOnOneNodeFramedOnAnother() throws Exception {
        Server a = node();
        Server b = node();
        try (JavaWsClient ws = JavaWsClient.connect(a.address(Listener.HTTP).getPort());
             FramedTestClient framed = new FramedTestClient(b.transport(), b.address(Listener.FRAMED), "fred")) {
            ws.send("{\"type\":\"hello\",\"name\":\"wendy\"}");
            // Sent back to back: the join is answered once node A receives the room, and the
            // members request behind it is answered after it, listing the joiner.
            ws.send("{\"type\":\"join\",\"room\":\"lobby\",\"presence\":true,\"id\":1}");
            ws.send("{\"type\":\"members\",\"room\":\"lobby\",\"id\":2}");
            JsonNode first = ws.next();
            assertEquals("ack", first.get("type").asText(), first.toString());
            assertEquals(1, first.get("id").asInt());
            JsonNode members = ws.next();
            assertEquals("members", members.get("type").asText(), members.toString());
            assertEquals(2, members.get("id").asInt());

            framed.join("lobby", true);
            JsonNode joined = ws.next("joined");
            assertEquals(Long.toUnsignedString(framed.sessionId), joined.get("session").asText());
            assertEquals("fred", joined.get("name").asText());

            framed.publish("lobby", "chat", "hello from B");
            JsonNode event = ws.next("event");
            assertEquals("hello from B", event.get("data").asText());
            assertEquals(Long.toUnsignedString(framed.sessionId), event.get("sender").asText());

            ws.send("{\"type\":\"publish\",\"room\":\"lobby\",\"event\":\"chat\",\"data\":\"hello from A\",\"id\":3}");
            assertEquals(3, ws.next("ack").get("id").asInt());
            assertEquals("hello from A", framed.nextEvent().text());

            ws.send("{\"type\":\"leave\",\"room\":\"lobby\",\"id\":4}");
            assertEquals(4, ws.next("ack").get("id").asInt());
            Object left;
            do {
                left = framed.next();
            } while (!(left instanceof Presence p && p.opcode() == Opcode.LEFT));
            assertEquals("wendy", ((Presence) left).name());
        }
    }
}
