package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.LogCapture;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One combined-format line per request, with status, body bytes and duration; nothing when off. */
@Timeout(30)
class AccessLogHandlerTest {
    private static final Pattern LINE = Pattern.compile(
            "- - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000] \"(.*)\" (\\d{3}|-) (\\d+) \"(.*)\" \"(.*)\" "
                    + "\\d+\\.\\d{3}ms");

    @RegisterExtension
    final LogCapture access = new LogCapture(AccessLogHandler.LOGGER_NAME);

    private final EmbeddedChannel channel = new EmbeddedChannel(new AccessLogHandler());

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    private static HttpRequest get(String uri) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        request.headers().set(HttpHeaderNames.USER_AGENT, "test-agent/1.0");
        return request;
    }

    private static DefaultFullHttpResponse full(HttpResponseStatus status, String body) {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, UTF_8));
    }

    private List<String> lines() {
        return access.messages();
    }

    private static void assertLine(String line, String request, String status, long bytes, String referer, String agent) {
        java.util.regex.Matcher m = LINE.matcher(line);
        assertTrue(m.matches(), line);
        assertEquals(request, m.group(1));
        assertEquals(status, m.group(2));
        assertEquals(bytes, Long.parseLong(m.group(3)));
        assertEquals(referer, m.group(4));
        assertEquals(agent, m.group(5));
    }

    @Test
    void fullResponseIsOneLineWithStatusBytesAndAgent() {
        HttpRequest request = get("/healthz?x=1");
        request.headers().set(HttpHeaderNames.REFERER, "http://example.test/");
        channel.writeInbound(request);
        assertEquals(List.of(), lines(), "nothing before the response");
        channel.writeOutbound(full(HttpResponseStatus.OK, "{\"status\":\"up\"}\n"));
        assertEquals(1, lines().size());
        assertLine(lines().get(0), "GET /healthz?x=1 HTTP/1.1", "200", 16, "http://example.test/", "test-agent/1.0");
    }

    @Test
    void authTokensInTheTargetAndTheRefererAreRedacted() {
        HttpRequest request = get("/ws?token=s3cret&x=1");
        request.headers().set(HttpHeaderNames.REFERER, "https://example.test/chat?token=s3cret");
        channel.writeInbound(request);
        channel.writeOutbound(full(HttpResponseStatus.UNAUTHORIZED, "no\n"));
        assertEquals(1, lines().size());
        assertLine(lines().get(0), "GET /ws?token=<redacted>&x=1 HTTP/1.1", "401", 3,
                "https://example.test/chat?token=<redacted>", "test-agent/1.0");
    }

    @Test
    void pipelinedRequestsAreLoggedInOrderWithTheirOwnStatus() {
        channel.writeInbound(get("/a"), get("/b"));
        channel.writeOutbound(full(HttpResponseStatus.OK, "aa"));
        channel.writeOutbound(full(HttpResponseStatus.NOT_FOUND, "not found\n"));
        assertEquals(2, lines().size());
        assertLine(lines().get(0), "GET /a HTTP/1.1", "200", 2, "-", "test-agent/1.0");
        assertLine(lines().get(1), "GET /b HTTP/1.1", "404", 10, "-", "test-agent/1.0");
    }

    @Test
    void chunkedAndFileBodiesAreCountedAndLoggedAtTheLastPart(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("f.bin"), new byte[1000]);
        channel.writeInbound(get("/file"));
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        channel.writeOutbound(new DefaultHttpContent(Unpooled.copiedBuffer("12345", UTF_8)));
        channel.writeOutbound(new DefaultFileRegion(file.toFile(), 0, 1000));
        assertEquals(List.of(), lines(), "not before the last part");
        channel.writeOutbound(new DefaultLastHttpContent(Unpooled.copiedBuffer("xyz", UTF_8)));
        assertEquals(1, lines().size());
        assertLine(lines().get(0), "GET /file HTTP/1.1", "200", 1008, "-", "test-agent/1.0");
    }

    @Test
    void interimContinueIsNotLoggedTheFinalStatusIs() {
        channel.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        assertEquals(List.of(), lines());
        channel.writeOutbound(full(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "too large\n"));
        assertEquals(1, lines().size());
        assertLine(lines().get(0), "POST /upload HTTP/1.1", "413", 10, "-", "-");
    }

    @Test
    void requestsUnansweredAtCloseAreLoggedWithoutStatus() {
        channel.writeInbound(get("/slow"));
        channel.close();
        assertEquals(1, lines().size());
        assertLine(lines().get(0), "GET /slow HTTP/1.1", "-", 0, "-", "test-agent/1.0");
    }

    @Test
    void peerTextCannotForgeLines() {
        // The codec never lets CR LF into a header value; other control bytes and Latin-1 do get through.
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a\"b",
                DefaultHttpHeadersFactory.headersFactory().withValidation(false));
        request.headers().set(HttpHeaderNames.USER_AGENT, "evil\" 200 0 \"\r\nforged\u00e9");
        channel.writeInbound(request);
        channel.writeOutbound(full(HttpResponseStatus.OK, ""));
        String line = lines().get(0);
        assertTrue(line.contains("\"GET /a\\\"b HTTP/1.1\""), line);
        assertTrue(line.contains("\"evil\\\" 200 0 \\\"\\x0d\\x0aforged\\u00e9\""), line);
        assertTrue(!line.contains("\n") && !line.contains("\r"), line);
    }

    @Test
    void upgradeIsLoggedOnceAndWebSocketTrafficIsNot() {
        channel.writeInbound(get("/ws"));
        channel.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS));
        channel.writeOutbound(new TextWebSocketFrame("hello"));
        channel.writeInbound(new TextWebSocketFrame("hi"));
        channel.close();
        assertEquals(1, lines().size(), lines().toString());
        assertLine(lines().get(0), "GET /ws HTTP/1.1", "101", 0, "-", "test-agent/1.0");
    }

    @Test
    void responseWithoutRequestIsLoggedWithoutRequestLine() {
        channel.writeOutbound(full(HttpResponseStatus.REQUEST_TIMEOUT, "timeout\n"));
        assertLine(lines().get(0), "-", "408", 8, "-", "-");
    }

    @Test
    void inThePipelineRightAfterTheCodecOnlyWhenOn() {
        TransportConfig transport = TransportConfig.resolve(TransportChoice.NIO, null);
        RoomHub hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
        EmbeddedChannel off = new EmbeddedChannel(new HttpServerInitializer(ServerConfig.builder().build().httpConfig(), hub,
                new Metrics(), transport, () -> true));
        EmbeddedChannel on = new EmbeddedChannel(new HttpServerInitializer(
                ServerConfig.builder().httpAccessLog(true).build().httpConfig(), hub, new Metrics(), transport, () -> true));
        try {
            assertNull(off.pipeline().get(HandlerNames.HTTP_ACCESS_LOG));
            assertNotNull(on.pipeline().get(HandlerNames.HTTP_ACCESS_LOG));
            List<String> names = on.pipeline().names();
            // After the codec and the drain, before anything that answers or changes requests.
            assertEquals(names.indexOf(HandlerNames.HTTP_DRAIN) + 1, names.indexOf(HandlerNames.HTTP_ACCESS_LOG), names.toString());
            assertEquals(names.indexOf(HandlerNames.HTTP_CODEC) + 1, names.indexOf(HandlerNames.HTTP_DRAIN), names.toString());
        } finally {
            off.finishAndReleaseAll();
            on.finishAndReleaseAll();
        }
    }
}
