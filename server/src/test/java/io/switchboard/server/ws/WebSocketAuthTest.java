package io.switchboard.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.server.rooms.RoomHub;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The upgrade guard on an {@link EmbeddedChannel}. */
class WebSocketAuthTest {
    private static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    private static FullHttpRequest passed(EmbeddedChannel ch, FullHttpRequest request) {
        ch.writeInbound(request);
        FullHttpRequest out = assertInstanceOf(FullHttpRequest.class, ch.readInbound());
        out.release();
        return out;
    }

    private static void refused(String token, FullHttpRequest request) {
        Metrics metrics = new Metrics();
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketAuth(token, metrics));
        ch.writeInbound(request); // rethrows anything that escaped the handler
        assertNull(ch.readInbound());
        FullHttpResponse response = assertInstanceOf(FullHttpResponse.class, ch.readOutbound());
        try {
            assertEquals(401, response.status().code());
            assertEquals("Bearer realm=\"switchboard\"", response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
            // Formatted and counted by HttpResponses, like every other error of the listener.
            assertEquals("401 Unauthorized\n", response.content().toString(StandardCharsets.UTF_8));
            assertEquals("text/plain; charset=utf-8", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            assertEquals(response.content().readableBytes(), response.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
            assertEquals("close", response.headers().get(HttpHeaderNames.CONNECTION));
            assertFalse(response.content().toString(StandardCharsets.UTF_8).contains(token));
            assertTrue(PrometheusText.render(metrics, new RoomHub(UnpooledByteBufAllocator.DEFAULT),
                    TransportConfig.resolve(TransportChoice.NIO, null))
                    .contains("switchboard_http_requests_total{status=\"401\"} 1\n"), "the 401 is counted");
        } finally {
            response.release();
        }
        assertNull(ch.readOutbound());
        assertFalse(ch.isActive());
        assertEquals(0, request.refCnt());
    }

    @Test
    void undecodableQueriesCarryNoTokenAndNeverThrow() {
        refused("s3cret", get("/ws?token=%zz"));
        refused("s3cret", get("/ws?token=s3cret%"));
        refused("s3cret", get("/ws?token=%E2%82"));
        // Without a token the query is not read at all; the URI is still cut to the path.
        EmbeddedChannel open = new EmbeddedChannel(new WebSocketAuth("", new Metrics()));
        assertEquals("/ws", passed(open, get("/ws?x=%zz")).uri());
        assertFalse(open.finishAndReleaseAll());
    }

    @Test
    void undecodableTargetsPassOnUntouched() {
        // The router refuses them; RequestGuard keeps them from getting this far on the listener.
        EmbeddedChannel guarded = new EmbeddedChannel(new WebSocketAuth("s3cret", new Metrics()));
        for (String target : new String[] {"/w%zz", "/%", "/ws%", "/%E2%82?token=s3cret"}) {
            assertEquals(target, passed(guarded, get(target)).uri());
        }
        assertTrue(guarded.isActive());
        assertFalse(guarded.finishAndReleaseAll());
    }

    @Test
    void missingOrWrongTokenIs401() {
        refused("s3cret", get("/ws"));
        refused("s3cret", get("/ws?token=s3cre"));
        refused("s3cret", get("/ws?token=s3cret2"));
        FullHttpRequest basic = get("/ws");
        basic.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic s3cret");
        refused("s3cret", basic);
    }

    @Test
    void rightTokenPassesAndIsCutFromTheUri() {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketAuth("s3cret", new Metrics()));
        assertEquals("/ws", passed(ch, get("/ws?token=s3cret")).uri());
        FullHttpRequest bearer = get("/ws?x=1");
        bearer.headers().set(HttpHeaderNames.AUTHORIZATION, "bearer s3cret");
        assertEquals("/ws", passed(ch, bearer).uri());
        assertTrue(ch.isActive());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void otherPathsAndNoTokenPassUntouched() {
        EmbeddedChannel guarded = new EmbeddedChannel(new WebSocketAuth("s3cret", new Metrics()));
        assertEquals("/chat?token=x", passed(guarded, get("/chat?token=x")).uri());
        assertEquals("/ws/other", passed(guarded, get("/ws/other")).uri());
        EmbeddedChannel open = new EmbeddedChannel(new WebSocketAuth("", new Metrics()));
        assertEquals("/ws", passed(open, get("/ws")).uri());
        assertFalse(guarded.finishAndReleaseAll());
        assertFalse(open.finishAndReleaseAll());
    }

    @Test
    void aSignedTokenLeavesItsGrantForTheSessionAndAForgedOneSaysWhy() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ws-auth");
        io.switchboard.server.ServerConfig config = io.switchboard.server.ServerConfig.builder()
                .authJwtSecretFile(io.switchboard.server.auth.TestTokens.secretFile(dir))
                .authReloadInterval(java.time.Duration.ZERO).build();
        io.switchboard.server.auth.Authenticator auth;
        try (io.switchboard.server.reload.FileWatcher watcher = new io.switchboard.server.reload.FileWatcher()) {
            auth = io.switchboard.server.auth.Authenticator.start(config.authConfig(),
                    config.limitsConfig().refusalLogInterval(), watcher);
        }
        String good = new io.switchboard.server.auth.TestTokens().hs256(io.switchboard.server.auth.TestTokens.claims(
                "alice", java.time.Duration.ofMinutes(5), null));
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketAuth(auth, new Metrics()));
        FullHttpRequest bearer = get("/ws");
        bearer.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + good);
        assertEquals("/ws", passed(ch, bearer).uri());
        assertEquals("alice", ch.attr(WebSocketAuth.GRANT).get().subject());

        EmbeddedChannel open = new EmbeddedChannel(new WebSocketAuth(auth, new Metrics()));
        assertEquals("/ws", passed(open, get("/ws")).uri(), "no token: the open policy lets it in");
        assertNull(open.attr(WebSocketAuth.GRANT).get());

        String forged = io.switchboard.server.auth.TestTokens.hs256("another-secret-of-thirty-two-byt",
                io.switchboard.server.auth.TestTokens.claims("alice", java.time.Duration.ofMinutes(5), null));
        EmbeddedChannel refused = new EmbeddedChannel(new WebSocketAuth(auth, new Metrics()));
        FullHttpRequest request = get("/ws?token=" + forged);
        refused.writeInbound(request);
        assertNull(refused.readInbound());
        FullHttpResponse response = assertInstanceOf(FullHttpResponse.class, refused.readOutbound());
        try {
            assertEquals(401, response.status().code());
            assertEquals("Bearer realm=\"switchboard\", error=\"invalid_token\", error_description=\"the signed token "
                    + "does not verify (signature, key or algorithm)\"", response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
            assertFalse(response.toString().contains(forged));
        } finally {
            response.release();
        }
        assertEquals(0, request.refCnt());
        assertEquals(1, auth.counts().get("token_invalid"));
    }
}
