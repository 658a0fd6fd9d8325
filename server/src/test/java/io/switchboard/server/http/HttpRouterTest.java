package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DateFormatter;
import io.switchboard.common.Version;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.http.HttpTestSupport.Response;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.server.rooms.RoomHub;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP pipeline as {@link HttpServerInitializer} wires it, on an {@link EmbeddedChannel}. */
class HttpRouterTest {
    private static final int BIN_SIZE = 100_000;

    @TempDir
    Path base;
    Path root;
    final Metrics metrics = new Metrics();
    final RoomHub hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
    final AtomicBoolean ready = new AtomicBoolean(true);
    final TransportConfig transport = TransportConfig.resolve(TransportChoice.NIO, null);
    final List<EmbeddedChannel> channels = new ArrayList<>();
    @org.junit.jupiter.api.extension.RegisterExtension
    final WarningRecorder warnings = new WarningRecorder();

    @BeforeEach
    void makeRoot() throws IOException {
        root = HttpTestSupport.makeRoot(base, BIN_SIZE);
    }

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel channel(Consumer<ServerConfig.Builder> customize) {
        ServerConfig.Builder builder = ServerConfig.builder();
        customize.accept(builder);
        EmbeddedChannel channel = new EmbeddedChannel(
                new HttpServerInitializer(builder.build().httpConfig(), hub, metrics, transport, ready::get));
        channels.add(channel);
        withoutBridge(channel);
        return channel;
    }

    /**
     * Takes out what {@code WebSocketBridge.addTo} put between the guard and the flush
     * consolidation: these tests are about the HTTP handlers; the bridge has tests of its own, and the
     * loopback tests run the whole pipeline.
     */
    private static void withoutBridge(EmbeddedChannel channel) {
        List<String> names = channel.pipeline().names();
        for (String name : names.subList(names.indexOf(HandlerNames.HTTP_GUARD) + 1,
                names.indexOf(HandlerNames.FLUSH_CONSOLIDATION))) {
            channel.pipeline().remove(name);
        }
    }

    private EmbeddedChannel plain() {
        return channel(b -> { });
    }

    private EmbeddedChannel files(boolean zeroCopy) {
        return channel(b -> b.staticRoot(root).httpZeroCopy(zeroCopy));
    }

    /** Sends raw bytes and returns every byte the server wrote back. */
    private static byte[] exchange(EmbeddedChannel channel, String request) throws IOException {
        channel.writeInbound(Unpooled.copiedBuffer(request, ISO_8859_1));
        return written(channel);
    }

    /** Every byte the server has written back so far. */
    private static byte[] written(EmbeddedChannel channel) throws IOException {
        channel.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        for (Object msg = channel.readOutbound(); msg != null; msg = channel.readOutbound()) {
            if (msg instanceof ByteBuf) {
                ByteBuf buf = (ByteBuf) msg;
                buf.readBytes(out, buf.readableBytes());
                buf.release();
            } else if (msg instanceof FileRegion) {
                FileRegion region = (FileRegion) msg;
                while (region.transferred() < region.count()) {
                    region.transferTo(sink, region.transferred());
                }
                region.release();
            } else {
                throw new AssertionError("unexpected outbound " + msg);
            }
        }
        assertNull(channel.readInbound(), "nothing passes the router");
        return out.toByteArray();
    }

    private static Response one(EmbeddedChannel channel, String request) throws IOException {
        byte[] bytes = exchange(channel, request);
        InputStream in = new ByteArrayInputStream(bytes);
        Response response = HttpTestSupport.read(in, request.startsWith("HEAD "));
        assertEquals(-1, in.read(), "exactly one response");
        return response;
    }

    private static String get(String target, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + String.join("", Arrays.stream(headers)
                .map(h -> h + "\r\n").toArray(String[]::new)) + "\r\n";
    }

    /** The whole pipeline, the WebSocket bridge's handlers included. */
    private EmbeddedChannel withBridge(java.util.function.BooleanSupplier readiness) {
        EmbeddedChannel channel = new EmbeddedChannel(
                new HttpServerInitializer(ServerConfig.builder().build().httpConfig(), hub, metrics, transport, readiness));
        channels.add(channel);
        return channel;
    }

    @Test
    void closingAPlainConnectionWritesNothingAfterTheResponse() throws IOException {
        // Netty's WebSocket protocol handler used to write a close frame on every close(); here
        // it would come out of the channel as an unexpected CloseWebSocketFrame.
        EmbeddedChannel channel = withBridge(ready::get);
        Response kept = one(channel, get("/healthz"));
        assertEquals(200, kept.status);
        assertTrue(channel.isOpen());
        Response last = one(channel, get("/healthz", "Connection: close"));
        assertEquals("close", last.header("connection"));
        assertFalse(channel.isOpen());
        assertNull(channel.readOutbound(), "nothing after the response");
    }

    @Test
    void aRouterThatThrowsAnswers500AndWarnsOnce() throws IOException {
        EmbeddedChannel channel = withBridge(() -> {
            throw new IllegalStateException("readiness probe broke");
        });
        assertEquals(200, one(channel, get("/healthz")).status);
        Response r = one(channel, get("/readyz"));
        assertEquals(500, r.status);
        assertEquals("500 Internal Server Error\n", r.text());
        assertEquals("close", r.header("connection"));
        assertFalse(channel.isOpen());
        assertTrue(PrometheusText.render(metrics, hub, transport)
                .contains("switchboard_http_requests_total{status=\"500\"} 1\n"), "the 500 is counted");
        List<String> logged = warnings.take();
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).contains("WARN " + HttpRouter.class.getName()), logged.get(0));
        assertTrue(logged.get(0).contains("[id: 0x" + channel.id().asShortText()) && logged.get(0).contains("readiness probe broke"),
                logged.get(0));
    }

    @Test
    void anExceptionPassingTheWebSocketHandlerIsAnsweredByTheRouter() throws IOException {
        // Netty's protocol handler hands the exception on, then closes: the router answers first.
        EmbeddedChannel channel = withBridge(ready::get);
        channel.pipeline().context(HandlerNames.HTTP_GUARD).fireExceptionCaught(new IllegalStateException("upstream"));
        InputStream in = new ByteArrayInputStream(written(channel));
        Response r = HttpTestSupport.read(in, false);
        assertEquals(-1, in.read(), "exactly one response");
        assertEquals(500, r.status);
        assertFalse(channel.isOpen());
        List<String> logged = warnings.take();
        assertEquals(1, logged.size(), logged.toString());
        assertTrue(logged.get(0).contains("[id: 0x" + channel.id().asShortText()) && logged.get(0).contains("upstream"), logged.get(0));
    }

    @Test
    void pipelineIsWiredInOrder() {
        ServerConfig config = ServerConfig.builder().build();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerInitializer(config.httpConfig(), hub, metrics, transport, ready::get));
        channels.add(channel);
        List<String> names = channel.pipeline().names();
        List<String> expected = List.of(HandlerNames.TRAFFIC, HandlerNames.HTTP_CODEC, HandlerNames.HTTP_IDLE,
                HandlerNames.BACKPRESSURE,
                HandlerNames.HTTP_FLOW_CONTROL, HandlerNames.HTTP_GUARD, HandlerNames.FLUSH_CONSOLIDATION,
                HandlerNames.HTTP_ROUTER);
        int previous = -1;
        for (String name : expected) {
            int at = names.indexOf(name);
            assertTrue(at > previous, name + " in order in " + names);
            previous = at;
        }
    }

    @Test
    void healthz() throws IOException {
        Response r = one(plain(), get("/healthz"));
        assertEquals(200, r.status);
        assertEquals("HTTP/1.1", r.version);
        assertEquals("application/json", r.header("content-type"));
        assertEquals("{\"status\":\"up\"}", r.text().trim());
        assertEquals("keep-alive", r.header("connection"));
    }

    @Test
    void readyzFollowsTheSupplier() throws IOException {
        EmbeddedChannel channel = plain();
        Response up = one(channel, get("/readyz"));
        assertEquals(200, up.status);
        assertEquals("{\"status\":\"ready\"}", up.text().trim());
        ready.set(false);
        Response down = one(channel, get("/readyz"));
        assertEquals(503, down.status);
        assertEquals("{\"status\":\"not ready\"}", down.text().trim());
        assertTrue(channel.isOpen(), "503 is not a reason to close");
    }

    @Test
    void metricsAreRenderedAndEveryResponseCounted() throws IOException {
        EmbeddedChannel channel = plain();
        one(channel, get("/healthz"));
        one(channel, get("/nope"));
        one(channel, "DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        Response r = one(channel, get("/metrics"));
        assertEquals(200, r.status);
        assertEquals(PrometheusText.CONTENT_TYPE, r.header("content-type"));
        String text = r.text();
        assertTrue(text.contains("switchboard_http_requests_total{status=\"200\"} 1\n"), text);
        assertTrue(text.contains("switchboard_http_requests_total{status=\"404\"} 1\n"), text);
        assertTrue(text.contains("switchboard_http_requests_total{status=\"405\"} 1\n"), text);
        assertTrue(PrometheusText.render(metrics, hub, transport)
                .contains("switchboard_http_requests_total{status=\"200\"} 2\n"), "the scrape itself counted");
    }

    @Test
    void headHasTheLengthButNoBody() throws IOException {
        Response r = one(plain(), "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, r.status);
        assertEquals(String.valueOf("{\"status\":\"up\"}\n".length()), r.header("content-length"));
        assertEquals(0, r.body.length);
    }

    @Test
    void builtInHomePageWithoutStaticRoot() throws IOException {
        Response r = one(plain(), get("/"));
        assertEquals(200, r.status);
        assertEquals("text/html; charset=utf-8", r.header("content-type"));
        assertTrue(r.text().contains("Switchboard is running"), r.text());
        assertTrue(r.text().contains(Version.get()), r.text());
        assertTrue(r.text().contains("transport nio"), r.text());
        assertTrue(r.text().contains("epoll mode n/a"), r.text());
        assertEquals(404, one(plain(), get("/hello.txt")).status);
    }

    @Test
    void chatPageFromTheClasspathWhenPresent() throws IOException {
        byte[] resource;
        try (InputStream in = HttpRouter.class.getResourceAsStream(HttpRouter.CHAT_RESOURCE)) {
            resource = in == null ? null : in.readAllBytes();
        }
        Response r = one(plain(), get("/chat"));
        if (resource == null) {
            assertEquals(404, r.status);
        } else {
            assertEquals(200, r.status);
            assertEquals("text/html; charset=utf-8", r.header("content-type"));
            assertArrayEquals(resource, r.body);
        }
        // With a static root, a /chat file is served only when there is no resource.
        Files.writeString(root.resolve("chat"), "chat from the root\n");
        Response fromRoot = one(files(true), get("/chat"));
        assertEquals(200, fromRoot.status);
        if (resource == null) {
            assertEquals("chat from the root\n", fromRoot.text());
        } else {
            assertArrayEquals(resource, fromRoot.body);
        }
    }

    @Test
    void otherMethodsGet405WithAllow() throws IOException {
        for (String target : new String[] {"/healthz", "/", "/nope"}) {
            EmbeddedChannel channel = files(true);
            Response r = one(channel, "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertEquals(405, r.status, target);
            assertEquals("GET, HEAD", r.header("allow"));
            assertEquals("405 Method Not Allowed\n", r.text());
            assertTrue(channel.isOpen(), "the body was read: the connection stays usable");
            assertEquals(200, one(channel, get("/healthz")).status);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        EmbeddedChannel channel = files(true);
        byte[] bytes = exchange(channel, get("/hello.txt") + "HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                + get("/healthz") + get("/missing") + get("/data.bin", "Range: bytes=10-19"));
        InputStream in = new ByteArrayInputStream(bytes);
        Response a = HttpTestSupport.read(in, false);
        Response b = HttpTestSupport.read(in, true);
        Response c = HttpTestSupport.read(in, false);
        Response d = HttpTestSupport.read(in, false);
        Response e = HttpTestSupport.read(in, false);
        assertEquals(-1, in.read());
        assertEquals(HttpTestSupport.HELLO, a.text());
        assertEquals(String.valueOf(BIN_SIZE), b.header("content-length"));
        assertEquals(0, b.body.length);
        assertEquals(200, c.status);
        assertEquals(404, d.status);
        assertEquals(206, e.status);
        assertArrayEquals(Arrays.copyOfRange(HttpTestSupport.binary(BIN_SIZE), 10, 20), e.body);
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        EmbeddedChannel channel = plain();
        Response r = one(channel, get("/healthz", "Connection: close"));
        assertEquals(200, r.status);
        assertEquals("close", r.header("connection"));
        assertFalse(channel.isOpen());
    }

    @Test
    void http10ClosesUnlessKeepAliveIsAsked() throws IOException {
        EmbeddedChannel closing = plain();
        Response r = one(closing, "GET /healthz HTTP/1.0\r\n\r\n");
        assertEquals(200, r.status);
        assertEquals("close", r.header("connection"));
        assertFalse(closing.isOpen());

        EmbeddedChannel kept = plain();
        Response k = one(kept, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        assertEquals(200, k.status);
        assertEquals("keep-alive", k.header("connection"));
        assertTrue(kept.isOpen());
        assertEquals(200, one(kept, "GET /healthz HTTP/1.0\r\n\r\n").status);
        assertFalse(kept.isOpen(), "the second request did not ask to keep it");
    }

    @Test
    void requestLineTooLongIs414AndClose() throws IOException {
        EmbeddedChannel channel = channel(b -> b.httpMaxInitialLine(256));
        Response r = one(channel, get("/" + "a".repeat(300)));
        assertEquals(414, r.status);
        assertEquals("close", r.header("connection"));
        assertTrue(r.text().startsWith("414 "), r.text());
        assertFalse(channel.isOpen());
    }

    @Test
    void headersTooLargeAre431AndClose() throws IOException {
        EmbeddedChannel channel = channel(b -> b.httpMaxHeaderBytes(512));
        Response r = one(channel, get("/healthz", "X-Big: " + "b".repeat(600)));
        assertEquals(431, r.status);
        assertEquals("close", r.header("connection"));
        assertFalse(channel.isOpen());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    })
    void malformedRequestsAre400AndClose(String request) throws IOException {
        EmbeddedChannel channel = plain();
        Response r = one(channel, request);
        assertEquals(400, r.status);
        assertEquals("close", r.header("connection"));
        assertFalse(channel.isOpen());
    }

    @Test
    void bodyOverTheLimitIs413AndClose() throws IOException {
        EmbeddedChannel channel = channel(b -> b.httpMaxBodyBytes(16));
        Response r = one(channel, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n\r\n" + "x".repeat(17));
        assertEquals(413, r.status);
        assertEquals("close", r.header("connection"));
        assertFalse(channel.isOpen());
        assertTrue(PrometheusText.render(metrics, hub, transport)
                .contains("switchboard_http_requests_total{status=\"413\"} 1\n"), "413 counted");
    }

    @Test
    void chunkedBodyOverTheLimitIs413() throws IOException {
        EmbeddedChannel channel = channel(b -> b.httpMaxBodyBytes(16));
        Response r = one(channel, "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "10\r\n" + "y".repeat(16) + "\r\n5\r\nzzzzz\r\n0\r\n\r\n");
        assertEquals(413, r.status);
        assertFalse(channel.isOpen());
    }

    // --- static files, both ways of sending a body -------------------------------------------

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void servesFilesWithTypeLengthAndValidators(boolean zeroCopy) throws IOException {
        EmbeddedChannel channel = files(zeroCopy);
        assertNull(channel.pipeline().get(HandlerNames.CHUNKED_WRITER), "no chunked writer before a file needs it");
        Response r = one(channel, get("/data.bin"));
        // A file over the in-memory size without zero-copy goes in chunks: the writer joins for it.
        assertEquals(!zeroCopy, channel.pipeline().get(HandlerNames.CHUNKED_WRITER) != null);
        assertEquals(200, r.status);
        assertEquals("application/octet-stream", r.header("content-type"));
        assertEquals("bytes", r.header("accept-ranges"));
        assertArrayEquals(HttpTestSupport.binary(BIN_SIZE), r.body);
        String etag = r.header("etag");
        assertTrue(etag.matches("\"[0-9a-f]+-[0-9a-f]+\""), etag);
        Date lastModified = DateFormatter.parseHttpDate(r.header("last-modified"));
        assertEquals(Files.getLastModifiedTime(root.resolve("data.bin")).toMillis() / 1000,
                lastModified.getTime() / 1000);

        assertEquals("text/plain; charset=utf-8", one(channel, get("/hello.txt")).header("content-type"));
        assertEquals("text/css; charset=utf-8", one(channel, get("/style.css")).header("content-type"));
        assertEquals("application/octet-stream", one(channel, get("/noext")).header("content-type"));
        assertEquals(HttpTestSupport.HELLO, one(channel, get("/alias.txt")).text(), "links inside the root are fine");
        assertEquals("literal name\n", one(channel, get("/%252e%252e")).text(), "decoded once only");
        assertTrue(channel.isOpen());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void headOfAFile(boolean zeroCopy) throws IOException {
        Response r = one(files(zeroCopy), "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, r.status);
        assertEquals(String.valueOf(HttpTestSupport.HELLO.length()), r.header("content-length"));
        assertTrue(r.header("etag") != null && r.header("last-modified") != null);
    }

    @Test
    void directoriesServeTheirIndexOrNothing() throws IOException {
        EmbeddedChannel channel = files(true);
        assertEquals(HttpTestSupport.ROOT_INDEX, one(channel, get("/")).text());
        Response sub = one(channel, get("/sub/"));
        assertEquals(HttpTestSupport.INDEX, sub.text());
        assertEquals("text/html; charset=utf-8", sub.header("content-type"));
        assertEquals(404, one(channel, get("/empty/")).status);
        assertEquals(404, one(channel, get("/empty")).status, "no index: no redirect either");
        assertEquals(404, one(channel, get("/missing.txt")).status);
        assertEquals(HttpTestSupport.HELLO, one(channel, get("/hello.txt?x=1#frag")).text());
    }

    /**
     * A directory named without its trailing slash is redirected (301) to the name with it, the
     * query kept, so that the index page's relative links resolve inside the directory, as web
     * servers do. The Location is made from the checked, decoded segments re-encoded, never from
     * the raw target, so {@code //sub} cannot become a protocol-relative {@code //sub/}.
     */
    @Test
    void aDirectoryWithoutItsSlashIsRedirectedToIt() throws IOException {
        Files.writeString(Files.createDirectories(root.resolve("a b")).resolve("index.html"), "spaced\n");
        EmbeddedChannel channel = files(true);
        String[][] cases = {
            {"/sub", "/sub/"},
            {"/sub?x=1&y=%20z", "/sub/?x=1&y=%20z"},
            {"/sub?", "/sub/?"},
            {"/sub#frag", "/sub/"},
            {"//sub", "/sub/"},
            {"/a%20b", "/a%20b/"},
            {"http://example.test/sub?q=1", "/sub/?q=1"},
        };
        for (String[] c : cases) {
            Response r = one(channel, get(c[0]));
            assertEquals(301, r.status, c[0] + " -> " + r);
            assertEquals(c[1], r.header("location"), c[0]);
            assertTrue(channel.isOpen(), "a redirect keeps the connection");
        }
        Response head = one(channel, "HEAD /sub HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(301, head.status);
        assertEquals("/sub/", head.header("location"));
        assertEquals("spaced\n", one(channel, get("/a%20b/")).text());
        assertEquals(HttpTestSupport.INDEX, one(channel, get("/sub/?x=1")).text());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void ranges(boolean zeroCopy) throws IOException {
        EmbeddedChannel channel = files(zeroCopy);
        byte[] data = HttpTestSupport.binary(BIN_SIZE);
        Response first = one(channel, get("/data.bin", "Range: bytes=0-99"));
        assertEquals(206, first.status);
        assertEquals("bytes 0-99/" + BIN_SIZE, first.header("content-range"));
        assertEquals("100", first.header("content-length"));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 100), first.body);

        Response open = one(channel, get("/data.bin", "Range: bytes=99990-"));
        assertEquals("bytes 99990-99999/" + BIN_SIZE, open.header("content-range"));
        assertArrayEquals(Arrays.copyOfRange(data, 99990, BIN_SIZE), open.body);

        Response suffix = one(channel, get("/data.bin", "Range: bytes=-5"));
        assertEquals("bytes 99995-99999/" + BIN_SIZE, suffix.header("content-range"));
        assertArrayEquals(Arrays.copyOfRange(data, 99995, BIN_SIZE), suffix.body);

        Response past = one(channel, get("/data.bin", "Range: bytes=99990-200000"));
        assertEquals("bytes 99990-99999/" + BIN_SIZE, past.header("content-range"));

        Response unsatisfiable = one(channel, get("/data.bin", "Range: bytes=100000-"));
        assertEquals(416, unsatisfiable.status);
        assertEquals("bytes */" + BIN_SIZE, unsatisfiable.header("content-range"));

        Response several = one(channel, get("/data.bin", "Range: bytes=0-1,5-6"));
        assertEquals(200, several.status, "several ranges: the whole file");
        assertNull(several.header("content-range"));
        assertArrayEquals(data, several.body);

        Response malformed = one(channel, get("/data.bin", "Range: bytes=x-y"));
        assertEquals(200, malformed.status);
        assertEquals(BIN_SIZE, malformed.body.length);

        String etag = first.header("etag");
        assertEquals(206, one(channel, get("/data.bin", "Range: bytes=0-0", "If-Range: " + etag)).status);
        assertEquals(200, one(channel, get("/data.bin", "Range: bytes=0-0", "If-Range: \"other\"")).status);
        assertTrue(channel.isOpen());
    }

    @Test
    void conditionalRequestsGet304() throws IOException {
        EmbeddedChannel channel = files(true);
        Response full = one(channel, get("/hello.txt"));
        String etag = full.header("etag");
        String lastModified = full.header("last-modified");

        Response byTag = one(channel, get("/hello.txt", "If-None-Match: \"nope\", " + etag));
        assertEquals(304, byTag.status);
        assertEquals(etag, byTag.header("etag"));
        assertNull(byTag.header("content-length"));
        assertEquals(304, one(channel, get("/hello.txt", "If-None-Match: W/" + etag)).status);
        assertEquals(304, one(channel, get("/hello.txt", "If-None-Match: *")).status);
        assertEquals(200, one(channel, get("/hello.txt", "If-None-Match: \"nope\"",
                "If-Modified-Since: " + lastModified)).status, "If-None-Match wins");

        assertEquals(304, one(channel, get("/hello.txt", "If-Modified-Since: " + lastModified)).status);
        String before = DateFormatter.format(new Date(DateFormatter.parseHttpDate(lastModified).getTime() - 60_000));
        assertEquals(200, one(channel, get("/hello.txt", "If-Modified-Since: " + before)).status);
        assertEquals(200, one(channel, get("/hello.txt", "If-Modified-Since: not a date")).status);
        assertTrue(channel.isOpen());
    }

    @Test
    void emptyFile() throws IOException {
        Files.write(root.resolve("empty.txt"), new byte[0]);
        EmbeddedChannel channel = files(true);
        Response r = one(channel, get("/empty.txt"));
        assertEquals(200, r.status);
        assertEquals("0", r.header("content-length"));
        assertEquals(416, one(channel, get("/empty.txt", "Range: bytes=0-")).status);
    }

    @Test
    void noPathLeavesTheRoot() throws IOException {
        for (boolean zeroCopy : new boolean[] {true, false}) {
            for (String target : HttpTestSupport.TRAVERSALS) {
                EmbeddedChannel channel = files(zeroCopy);
                Response r = one(channel, get(target));
                assertTrue(r.status == 400 || r.status == 404, target + " -> " + r);
                assertFalse(new String(r.body, UTF_8).contains("secret"), target);
            }
        }
    }
}
