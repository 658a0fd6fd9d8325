package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.switchboard.server.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests without a body skip aggregation; every other request is aggregated as before. */
class RequestAggregatorTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(),
            new RequestAggregator(100, new Metrics()));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private FullHttpRequest read(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, ISO_8859_1));
        return assertInstanceOf(FullHttpRequest.class, channel.readInbound());
    }

    @Test
    void aRequestWithoutABodyIsCompleteAtOnce() {
        FullHttpRequest get = read("GET /a?b HTTP/1.1\r\nHost: x\r\nX-One: 1\r\n\r\n");
        assertSame(Unpooled.EMPTY_BUFFER, get.content(), "no aggregation buffer");
        assertEquals("/a?b", get.uri());
        assertEquals("1", get.headers().get("x-one"));
        assertTrue(get.decoderResult().isSuccess());
        get.release();
        FullHttpRequest zero = read("HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        assertSame(Unpooled.EMPTY_BUFFER, zero.content());
        zero.release();
    }

    @Test
    void requestsSplitAcrossReadsAndPipelinedOnesComeOutWhole() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /one HTTP/1.1\r\nHo", ISO_8859_1));
        assertNull(channel.readInbound());
        channel.writeInbound(Unpooled.copiedBuffer("st: x\r\n\r\nGET /two HTTP/1.1\r\n\r\n"
                + "POST /three HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", ISO_8859_1));
        for (String uri : new String[] {"/one", "/two", "/three"}) {
            FullHttpRequest r = assertInstanceOf(FullHttpRequest.class, channel.readInbound());
            assertEquals(uri, r.uri());
            r.release();
        }
    }

    @Test
    void bodiesAreAggregatedAsBefore() {
        FullHttpRequest post = read("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals("hello", post.content().toString(UTF_8));
        post.release();
        FullHttpRequest chunked = read("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n");
        assertEquals("abc", chunked.content().toString(UTF_8));
        chunked.release();
        // Over the limit: 413 and closed, as HttpIntegrationTest checks over a socket.
    }

    @Test
    void anUndecodableRequestIsPassedOnForTheGuard() {
        FullHttpRequest bad = read("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
        assertTrue(bad.decoderResult().isFailure());
        bad.release();
    }
}
