package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.server.http.response.FixedResponse;
import io.switchboard.server.http.response.HttpDate;
import io.switchboard.server.lifecycle.HttpDrain;
import io.switchboard.server.lifecycle.ShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's codec: requests without a body decoded as one message, every response paired
 * with its request's method (HEAD answered without a body, pre-encoded or built, in pipelining
 * too), and pre-encoded responses written as their bytes.
 */
class HttpCodecTest {
    private static final FixedResponse OK = FixedResponse.of(HttpResponseStatus.OK, "application/json",
            "{\"status\":\"up\"}\n".getBytes(StandardCharsets.UTF_8));
    private static final Pattern DATE = Pattern.compile("date: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n");

    private final EmbeddedChannel channel = channel();

    private static EmbeddedChannel channel() {
        HttpCodec codec = new HttpCodec(new HttpDecoderConfig());
        return new EmbeddedChannel(codec.encoder(), codec.decoder());
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, ISO_8859_1));
    }

    /** Everything written so far, as text. */
    private String written() {
        StringBuilder out = new StringBuilder();
        for (Object msg = channel.readOutbound(); msg != null; msg = channel.readOutbound()) {
            ByteBuf buf = assertInstanceOf(ByteBuf.class, msg);
            out.append(buf.toString(ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private static String withoutDate(String response) {
        assertTrue(DATE.matcher(response).find(), response);
        return DATE.matcher(response).replaceAll("");
    }

    @Test
    void aRequestWithoutABodyIsOneMessage() {
        send("GET /a?b HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.0\r\nContent-Length: 0\r\n\r\n");
        FullHttpRequest get = assertInstanceOf(FullHttpRequest.class, channel.readInbound());
        assertEquals("/a?b", get.uri());
        assertEquals("x", get.headers().get(HttpHeaderNames.HOST));
        assertSame(Unpooled.EMPTY_BUFFER, get.content());
        assertTrue(get.decoderResult().isSuccess());
        get.release();
        FullHttpRequest head = assertInstanceOf(FullHttpRequest.class, channel.readInbound());
        assertEquals(HttpVersion.HTTP_1_0, head.protocolVersion());
        head.release();
        assertNull(channel.readInbound());
    }

    @Test
    void aRequestWithABodyComesInParts() {
        send("POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
        HttpRequest head = assertInstanceOf(HttpRequest.class, channel.readInbound());
        assertFalse(head instanceof FullHttpRequest);
        LastHttpContent body = assertInstanceOf(LastHttpContent.class, channel.readInbound());
        assertEquals("abc", body.content().toString(ISO_8859_1));
        body.release();
        send("GET /e HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
        assertFalse(channel.readInbound() instanceof FullHttpRequest, "Expect goes to the aggregator");
        LastHttpContent last = assertInstanceOf(LastHttpContent.class, channel.readInbound());
        last.release();
    }

    @Test
    void aRequestSplitAcrossReadsIsStillOneMessage() {
        send("GET /one HTTP/1.1\r\nHo");
        assertNull(channel.readInbound());
        send("st: x\r\n\r\n");
        FullHttpRequest one = assertInstanceOf(FullHttpRequest.class, channel.readInbound());
        assertEquals("/one", one.uri());
        one.release();
    }

    @Test
    void aFixedResponseIsItsBytes() {
        send("GET /healthz HTTP/1.1\r\n\r\n");
        ((FullHttpRequest) channel.readInbound()).release();
        channel.writeOutbound(OK);
        assertEquals("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 16\r\n"
                + "connection: keep-alive\r\n\r\n{\"status\":\"up\"}\n", withoutDate(written()));
        send("GET /healthz HTTP/1.1\r\n\r\n");
        ((FullHttpRequest) channel.readInbound()).release();
        channel.writeOutbound(OK.keepAlive(false));
        String closing = written();
        assertTrue(closing.contains("\r\nconnection: close\r\n") && closing.contains("date: " + HttpDate.now()), closing);
        assertSame(OK, OK.keepAlive(false).keepAlive(true));
    }

    /** Pipelined HEAD and GET, answered in order by pre-encoded and built responses: bodies only for GET. */
    @Test
    void eachResponseTakesItsRequestsMethod() {
        send("HEAD /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\nHEAD /x HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n");
        for (int i = 0; i < 4; i++) {
            ((FullHttpRequest) channel.readInbound()).release();
        }
        channel.writeOutbound(OK, OK, built(), built());
        String[] responses = withoutDate(written()).split("(?=HTTP/1.1 )");
        assertEquals(4, responses.length);
        assertTrue(responses[0].endsWith("content-length: 16\r\nconnection: keep-alive\r\n\r\n"), responses[0]);
        assertTrue(responses[1].endsWith("\r\n\r\n{\"status\":\"up\"}\n"), responses[1]);
        assertTrue(responses[2].endsWith("content-length: 5\r\n\r\n"), responses[2]);
        assertTrue(responses[3].endsWith("\r\n\r\nhello"), responses[3]);
    }

    private static FullHttpResponse built() {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.copiedBuffer("hello", ISO_8859_1));
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 5);
        return response;
    }

    private static final String SMUGGLING = "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n";

    /** Transfer-Encoding with Content-Length (request smuggling): refused as undecodable (the guard answers 400). */
    @Test
    void aSmugglingRequestIsUndecodable() {
        send(SMUGGLING);
        HttpRequest request = assertInstanceOf(HttpRequest.class, channel.readInbound());
        assertTrue(request.decoderResult().isFailure());
        io.netty.util.ReferenceCountUtil.release(request);
    }

    /** Where such a request is let through (the older rule), the connection ends with its response. */
    @Test
    void aSmugglingRequestLetThroughClosesTheConnectionAfterItsResponse() {
        HttpCodec codec = new HttpCodec(new HttpDecoderConfig().setUseRfc9112TransferEncoding(false));
        EmbeddedChannel lenient = new EmbeddedChannel(codec.encoder(), codec.decoder());
        lenient.writeInbound(Unpooled.copiedBuffer(SMUGGLING, ISO_8859_1));
        HttpRequest request = assertInstanceOf(HttpRequest.class, lenient.readInbound());
        assertTrue(request.decoderResult().isSuccess());
        for (Object msg = lenient.readInbound(); msg != null; msg = lenient.readInbound()) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
        assertTrue(lenient.isOpen());
        lenient.writeOutbound(OK);
        lenient.runPendingTasks();
        assertFalse(lenient.isOpen());
        ByteBuf out = lenient.readOutbound();
        assertTrue(out.toString(ISO_8859_1).startsWith("HTTP/1.1 200 OK\r\n"));
        out.release();
        lenient.finishAndReleaseAll();
    }

    /** The drain treats a pre-encoded response as a whole one: the next after a shutdown says close and is the last. */
    @Test
    void aDrainingConnectionsFixedResponseIsItsLast() {
        channel.pipeline().addLast(new HttpDrain());
        send("GET /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n");
        ((FullHttpRequest) channel.readInbound()).release();
        ((FullHttpRequest) channel.readInbound()).release();
        channel.pipeline().fireUserEventTriggered(ShutdownEvent.INSTANCE);
        assertTrue(channel.isOpen(), "a request is waiting for its response");
        channel.writeOutbound(OK);
        channel.runPendingTasks();
        assertTrue(written().contains("\r\nconnection: close\r\n"));
        assertFalse(channel.isOpen());
    }

    @Test
    void aFixedResponseRefusesWhatIsNotAHeader() {
        assertThrows(IllegalArgumentException.class,
                () -> FixedResponse.of(HttpResponseStatus.OK, "text/plain\r\nx-injected: 1", new byte[0]));
    }

    @Test
    void theBodyOfAHeadRequestIsNeverWritten() {
        send("HEAD /x HTTP/1.1\r\n\r\n");
        ((FullHttpRequest) channel.readInbound()).release();
        channel.writeOutbound(OK);
        String head = written();
        assertTrue(head.endsWith("\r\n\r\n"), head);
        assertFalse(head.contains("status"), head);
    }
}
