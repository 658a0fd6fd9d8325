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
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.metrics.Metrics;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code Origin} check of a {@code /ws} upgrade (cross-site WebSocket hijacking). */
class WebSocketOriginTest {
    private static final HttpServing CHECKED = HttpServing.defaults();

    private static FullHttpRequest upgrade(String host, String origin) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
        if (host != null) {
            request.headers().set(HttpHeaderNames.HOST, host);
        }
        if (origin != null) {
            request.headers().set(HttpHeaderNames.ORIGIN, origin);
        }
        return request;
    }

    /** Whether the upgrade is passed on (else it was answered 403 and the connection closed). */
    private static boolean passes(HttpServing serving, String host, String origin) {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketAuth(Authenticator.of(AuthTokens.none()), new Metrics(), serving));
        ch.writeInbound(upgrade(host, origin));
        FullHttpRequest passed = ch.readInbound();
        if (passed != null) {
            passed.release();
            assertNull(ch.readOutbound());
            ch.finishAndReleaseAll();
            return true;
        }
        FullHttpResponse response = assertInstanceOf(FullHttpResponse.class, ch.readOutbound());
        try {
            assertEquals(403, response.status().code());
            assertEquals("close", response.headers().get(HttpHeaderNames.CONNECTION));
        } finally {
            response.release();
        }
        assertFalse(ch.isActive());
        return false;
    }

    @Test
    void theServersOwnOriginAndClientsWithoutOnePass() {
        assertTrue(passes(CHECKED, "localhost:8080", "http://localhost:8080"));
        assertTrue(passes(CHECKED, "Example.COM:8080", "http://example.com:8080"));
        assertTrue(passes(CHECKED, "example.com", "http://example.com"));
        assertTrue(passes(CHECKED, "example.com:80", "http://example.com"), "default port either side");
        assertTrue(passes(CHECKED, "example.com", "https://example.com:443"));
        assertTrue(passes(CHECKED, "localhost:8080", null), "no Origin: not a browser");
    }

    @Test
    void anotherOriginIsRefused() {
        assertFalse(passes(CHECKED, "localhost:8080", "http://evil.example"));
        assertFalse(passes(CHECKED, "localhost:8080", "http://localhost:8081"), "another port is another origin");
        assertFalse(passes(CHECKED, "localhost:8080", "http://localhost:8080.evil.example"));
        assertFalse(passes(CHECKED, "localhost", "https://localhost:80"), "https on 80 is not http on 80");
        assertFalse(passes(CHECKED, null, "http://localhost:8080"), "no Host to compare with");
        assertFalse(passes(CHECKED, "localhost:8080", "null"), "an opaque origin (sandboxed page, file:)");
        assertFalse(passes(CHECKED, "localhost:8080", "http://localhost:8080/path"), "not an origin");
    }

    @Test
    void listedOriginsPassAndTheCheckCanBeTurnedOff() {
        HttpServing listed = CHECKED.withCorsOrigins(List.of("https://app.example"));
        assertTrue(passes(listed, "localhost:8080", "https://app.example"));
        assertFalse(passes(listed, "localhost:8080", "https://other.example"));
        assertTrue(passes(CHECKED.withCorsOrigins(List.of("*")), "localhost:8080", "https://other.example"));
        assertTrue(passes(CHECKED.withWebsocketOriginCheck(false), "localhost:8080", "http://evil.example"));
    }

    @Test
    void otherPathsAreNotChecked() {
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketAuth(Authenticator.of(AuthTokens.none()), new Metrics(), CHECKED));
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz");
        request.headers().set(HttpHeaderNames.ORIGIN, "http://evil.example");
        ch.writeInbound(request);
        FullHttpRequest passed = ch.readInbound();
        passed.release();
        ch.finishAndReleaseAll();
    }
}
