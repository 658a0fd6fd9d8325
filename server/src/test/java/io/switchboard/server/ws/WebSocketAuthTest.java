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
import io.switchboard.server.metrics.Metrics;
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
        EmbeddedChannel ch = new EmbeddedChannel(new WebSocketAuth(token, new Metrics()));
        ch.writeInbound(request);
        assertNull(ch.readInbound());
        FullHttpResponse response = assertInstanceOf(FullHttpResponse.class, ch.readOutbound());
        assertEquals(401, response.status().code());
        assertEquals("Bearer realm=\"switchboard\"", response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
        assertFalse(response.content().toString(java.nio.charset.StandardCharsets.UTF_8).contains(token));
        response.release();
        assertFalse(ch.isActive());
        assertEquals(0, request.refCnt());
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
}
