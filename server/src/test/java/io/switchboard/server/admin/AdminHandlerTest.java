package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.limits.Admission;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin listener's pipeline on an {@link EmbeddedChannel}: the token check, the JSON errors
 * (401, 404, 405, 400, 413), answers in request order, and no buffer left behind (the leak
 * detector is PARANOID in tests).
 */
class AdminHandlerTest {
    private static final String TOKEN = "embedded-admin-token-0123";
    private EmbeddedChannel channel;

    private EmbeddedChannel channel() {
        AdminApi api = new AdminApi(new RoomHub(ByteBufAllocator.DEFAULT), ByteBufAllocator.DEFAULT, "nio", null,
                Duration.ofSeconds(1));
        channel = new EmbeddedChannel(new AdminInitializer(api, AdminTokens.of("ops", TOKEN), new Metrics(), null,
                Admission.NONE));
        return channel;
    }

    @AfterEach
    void release() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void pipelineInTheOrderHandlerNamesDraws() {
        channel();
        assertEquals(java.util.List.of(HandlerNames.TRAFFIC, HandlerNames.HTTP_CODEC, HandlerNames.HTTP_DRAIN,
                HandlerNames.HTTP_IDLE, HandlerNames.HTTP_AGGREGATOR, HandlerNames.ADMIN),
                channel.pipeline().names().stream().filter(n -> !n.startsWith("DefaultChannelPipeline$")).toList());
    }

    /** Over the admin listener's own limit: 503 in JSON before any request, the refusal alone, then closed. */
    @Test
    void aConnectionOverTheAdminLimitGetsA503Alone() {
        AdminApi api = new AdminApi(new RoomHub(ByteBufAllocator.DEFAULT), ByteBufAllocator.DEFAULT, "nio", null,
                Duration.ofSeconds(1));
        Metrics metrics = new Metrics();
        Admission admin = new Admission(AdminInitializer.limits(metrics, Duration.ofSeconds(10)), null);
        java.util.List<EmbeddedChannel> admitted = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < AdminInitializer.MAX_CONNECTIONS; i++) {
                admitted.add(new EmbeddedChannel(new AdminInitializer(api, AdminTokens.of("ops", TOKEN), metrics, null,
                        admin)));
            }
            channel = new EmbeddedChannel(new AdminInitializer(api, AdminTokens.of("ops", TOKEN), metrics, null, admin));
            channel.runPendingTasks();
            StringBuilder out = new StringBuilder();
            for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
                out.append(b.toString(StandardCharsets.UTF_8));
                b.release();
            }
            assertTrue(out.toString().startsWith("HTTP/1.1 503 Service Unavailable\r\n"), out.toString());
            assertTrue(out.toString().contains("\r\nRetry-After: 1\r\n"), out.toString());
            assertEquals(null, channel.pipeline().get(HandlerNames.ADMIN), "nothing of the API was built");
            assertEquals(1, metrics.refusedCount(io.switchboard.server.Listener.ADMIN, "max_connections"));
            // A place comes back when an admitted connection closes.
            admitted.remove(0).finishAndReleaseAll();
            EmbeddedChannel again = new EmbeddedChannel(new AdminInitializer(api, AdminTokens.of("ops", TOKEN), metrics,
                    null, admin));
            admitted.add(again);
            assertTrue(again.pipeline().get(HandlerNames.ADMIN) != null, "admitted once a place is free");
        } finally {
            admitted.forEach(EmbeddedChannel::finishAndReleaseAll);
        }
    }

    /** Writes {@code request} and returns everything answered, as text. */
    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.UTF_8));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            out.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out.toString();
    }

    private static String get(String path, String token) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                + "\r\n";
    }

    private static JsonNode body(String response) throws Exception {
        return AdminJson.MAPPER.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void refusedWithoutTheToken() throws Exception {
        channel();
        String refused = exchange(get("/rooms", null));
        assertTrue(refused.startsWith("HTTP/1.1 401 Unauthorized\r\n"), refused);
        assertTrue(refused.contains("www-authenticate: Bearer realm=\"switchboard-admin\""), refused);
        assertEquals(401, body(refused).path("status").asInt());
        String wrong = exchange(get("/rooms", "embedded-admin-token-0124"));
        assertTrue(wrong.startsWith("HTTP/1.1 401 "), wrong);
        String lowerCase = exchange(get("/rooms", null).replace("Host: x\r\n", "Host: x\r\nauthorization: bearer " + TOKEN + "\r\n"));
        assertTrue(lowerCase.startsWith("HTTP/1.1 200 OK\r\n"), lowerCase);
        assertTrue(channel.isOpen(), "a refusal keeps a keep-alive connection open");
    }

    @Test
    void answersInOrderWithJsonErrors() throws Exception {
        channel();
        String answers = exchange(get("/rooms", TOKEN) + get("/nowhere", TOKEN)
                + "DELETE /rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n"
                + get("/sessions/x", TOKEN));
        int ok = answers.indexOf("HTTP/1.1 200 OK");
        int notFound = answers.indexOf("HTTP/1.1 404 Not Found");
        int notAllowed = answers.indexOf("HTTP/1.1 405 Method Not Allowed");
        int bad = answers.indexOf("HTTP/1.1 400 Bad Request");
        assertTrue(ok >= 0 && ok < notFound && notFound < notAllowed && notAllowed < bad, answers);
        assertTrue(answers.contains("allow: GET"), answers);
        assertTrue(answers.contains("\"rooms\" : [ ]"), answers);
    }

    @Test
    void anOversizedBodyIs413AndCloses() throws Exception {
        channel();
        String answer = exchange("POST /notice HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n{\"message\":\"");
        assertTrue(answer.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), answer);
        assertEquals(413, body(answer).path("status").asInt());
        assertFalse(channel.isOpen());
    }

    @Test
    void garbageIs400AndCloses() throws Exception {
        channel();
        String answer = exchange("\u0001\u0002 nonsense\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request\r\n"), answer);
        assertFalse(channel.isOpen());
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        channel();
        String answer = exchange("GET /rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
        assertFalse(channel.isOpen());
    }
}
