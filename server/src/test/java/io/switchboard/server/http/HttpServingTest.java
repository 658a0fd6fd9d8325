package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DateFormatter;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.http.HttpTestSupport.Response;
import io.switchboard.server.http.response.HttpDate;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
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
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the listener serves, on an {@link EmbeddedChannel} with the whole pipeline: the Date header,
 * precompressed siblings, gzip of dynamic responses, CORS, bodies from the in-memory cache, and
 * one write per response with one flush per read.
 */
class HttpServingTest {
    private static final byte[] GZ = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    private static final byte[] BR = {0x6b, 0x00, 0x03};

    @TempDir
    Path base;
    Path root;
    final Metrics metrics = new Metrics();
    final RoomHub hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
    final List<EmbeddedChannel> channels = new ArrayList<>();
    final List<HttpServerInitializer> initializers = new ArrayList<>();
    @org.junit.jupiter.api.extension.RegisterExtension
    final WarningRecorder warnings = new WarningRecorder();

    @BeforeEach
    void makeRoot() throws IOException {
        root = HttpTestSupport.makeRoot(base, 100_000);
        Files.write(root.resolve("hello.txt.gz"), GZ);
        Files.write(root.resolve("hello.txt.br"), BR);
        Files.write(root.resolve("style.css.gz"), GZ);
        Files.write(root.resolve("page.html"), HttpTestSupport.binary(1000));
    }

    @AfterEach
    void close() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
        initializers.forEach(HttpServerInitializer::close);
    }

    private EmbeddedChannel channel(UnaryOperator<HttpServing> serving) {
        ServerConfig config = ServerConfig.builder().staticRoot(root)
                .httpServing(serving.apply(HttpServing.defaults())).build();
        HttpServerInitializer initializer = new HttpServerInitializer(config.httpConfig(), hub, metrics,
                TransportConfig.resolve(TransportChoice.NIO, null), () -> true);
        initializers.add(initializer);
        EmbeddedChannel channel = new EmbeddedChannel(initializer);
        channels.add(channel);
        return channel;
    }

    private EmbeddedChannel channel() {
        return channel(s -> s);
    }

    private static byte[] exchange(EmbeddedChannel channel, String requests, List<Object> seen) throws IOException {
        channel.writeInbound(Unpooled.copiedBuffer(requests, ISO_8859_1));
        channel.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        for (Object msg = channel.readOutbound(); msg != null; msg = channel.readOutbound()) {
            if (seen != null) {
                seen.add(msg instanceof ByteBuf ? ((ByteBuf) msg).isReadOnly() : msg.getClass());
            }
            if (msg instanceof ByteBuf buf) {
                buf.readBytes(out, buf.readableBytes());
                buf.release();
            } else {
                FileRegion region = (FileRegion) msg;
                while (region.transferred() < region.count()) {
                    region.transferTo(sink, region.transferred());
                }
                region.release();
            }
        }
        return out.toByteArray();
    }

    private static Response one(EmbeddedChannel channel, String request) throws IOException {
        InputStream in = new ByteArrayInputStream(exchange(channel, request, null));
        Response response = HttpTestSupport.read(in, request.startsWith("HEAD "));
        assertEquals(-1, in.read(), "exactly one response");
        return response;
    }

    private static String get(String target, String... headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + String.join("", Arrays.stream(headers)
                .map(h -> h + "\r\n").toArray(String[]::new)) + "\r\n";
    }

    private static String gunzip(byte[] body) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    @Test
    void everyResponseHasADateFormattedOncePerSecond() throws IOException {
        EmbeddedChannel channel = channel();
        for (String target : new String[] {"/healthz", "/hello.txt", "/nope", "/data.bin"}) {
            Response r = one(channel, get(target));
            assertNotNull(DateFormatter.parseHttpDate(r.header("date")), target + ": " + r.header("date"));
        }
        long second = 1_800_000_000_000L;
        assertSame(HttpDate.at(second), HttpDate.at(second + 999), "one value per second");
        assertEquals("Fri, 15 Jan 2027 08:00:00 GMT", HttpDate.at(second).toString());
        assertEquals("Fri, 15 Jan 2027 08:00:01 GMT", HttpDate.at(second + 1000).toString());
    }

    @Test
    void aPrecompressedSiblingIsServedToClientsThatAcceptIt() throws IOException {
        EmbeddedChannel channel = channel();
        Response plain = one(channel, get("/hello.txt"));
        assertEquals(HttpTestSupport.HELLO, plain.text());
        assertNull(plain.header("content-encoding"));
        assertEquals("Accept-Encoding", plain.header("vary"), "the response varies: caches must know");

        Response gzip = one(channel, get("/hello.txt", "Accept-Encoding: gzip, deflate"));
        assertArrayEquals(GZ, gzip.body);
        assertEquals("gzip", gzip.header("content-encoding"));
        assertEquals("text/plain; charset=utf-8", gzip.header("content-type"), "the original's type");
        assertEquals("Accept-Encoding", gzip.header("vary"));
        assertNotEquals(plain.header("etag"), gzip.header("etag"), "each coding its own strong ETag");

        Response br = one(channel, get("/hello.txt", "Accept-Encoding: gzip, deflate, br"));
        assertArrayEquals(BR, br.body);
        assertEquals("br", br.header("content-encoding"));
        assertNotEquals(gzip.header("etag"), br.header("etag"));

        assertEquals("gzip", one(channel, get("/hello.txt", "Accept-Encoding: br;q=0.5, gzip")).header("content-encoding"));
        assertEquals("gzip", one(channel, get("/hello.txt", "Accept-Encoding: br;q=0, *")).header("content-encoding"));
        assertNull(one(channel, get("/hello.txt", "Accept-Encoding: gzip;q=0, br;q=0")).header("content-encoding"));
        assertNull(one(channel, get("/hello.txt", "Accept-Encoding: identity")).header("content-encoding"));
        assertEquals("gzip", one(channel, get("/style.css", "Accept-Encoding: br, gzip")).header("content-encoding"),
                "no .br beside it");

        Response head = one(channel, "HEAD /hello.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
        assertEquals(String.valueOf(GZ.length), head.header("content-length"));
        assertEquals("gzip", head.header("content-encoding"));

        Response notModified = one(channel, get("/hello.txt", "Accept-Encoding: gzip",
                "If-None-Match: " + gzip.header("etag")));
        assertEquals(304, notModified.status);
        assertEquals(gzip.header("etag"), notModified.header("etag"));
        assertEquals("Accept-Encoding", notModified.header("vary"));
        assertEquals(200, one(channel, get("/hello.txt", "If-None-Match: " + gzip.header("etag"))).status,
                "the identity's ETag is another");
    }

    @Test
    void aRangeIsAlwaysOfTheIdentity() throws IOException {
        EmbeddedChannel channel = channel();
        Response r = one(channel, get("/hello.txt", "Accept-Encoding: gzip, br", "Range: bytes=0-4"));
        assertEquals(206, r.status);
        assertEquals("hello", r.text());
        assertNull(r.header("content-encoding"));
        assertEquals("bytes 0-4/" + HttpTestSupport.HELLO.length(), r.header("content-range"));
        assertEquals("Accept-Encoding", r.header("vary"));
    }

    @Test
    void siblingsCanBeTurnedOff() throws IOException {
        EmbeddedChannel channel = channel(s -> s.withGzipStatic(false));
        Response r = one(channel, get("/hello.txt", "Accept-Encoding: gzip, br"));
        assertEquals(HttpTestSupport.HELLO, r.text());
        assertNull(r.header("content-encoding"));
        assertNull(r.header("vary"));
    }

    @Test
    void dynamicResponsesAboveTheThresholdAreGzipped() throws IOException {
        EmbeddedChannel channel = channel(s -> s.withGzipThreshold(100));
        Response plain = one(channel, get("/metrics"));
        assertNull(plain.header("content-encoding"));
        assertEquals("Accept-Encoding", plain.header("vary"));
        Response gzipped = one(channel, get("/metrics", "Accept-Encoding: gzip"));
        assertEquals("gzip", gzipped.header("content-encoding"));
        assertEquals(String.valueOf(gzipped.body.length), gzipped.header("content-length"));
        assertTrue(gzipped.body.length < plain.body.length / 2, gzipped.body.length + " of " + plain.body.length);
        String text = gunzip(gzipped.body);
        assertTrue(text.startsWith("# HELP"), text);
        Response head = one(channel, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
        assertEquals("gzip", head.header("content-encoding"));

        Response small = one(channel, get("/healthz", "Accept-Encoding: gzip"));
        assertNull(small.header("content-encoding"), "at or under the threshold: as it is");
        assertNull(small.header("vary"));
        assertNull(one(channel, get("/metrics", "Accept-Encoding: gzip;q=0")).header("content-encoding"));
        Response file = one(channel, get("/page.html", "Accept-Encoding: gzip"));
        assertNull(file.header("content-encoding"), "files are never compressed on the fly");

        EmbeddedChannel off = channel(s -> s.withGzipThreshold(-1));
        Response never = one(off, get("/metrics", "Accept-Encoding: gzip"));
        assertNull(never.header("content-encoding"));
        assertNull(never.header("vary"));
    }

    @Test
    void corsForAllowedOriginsOnly() throws IOException {
        assertNull(one(channel(), get("/healthz", "Origin: https://app.example"))
                .header("access-control-allow-origin"), "off by default");
        assertEquals(405, one(channel(), "OPTIONS /healthz HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: GET\r\n\r\n").status, "no preflight without CORS");

        EmbeddedChannel channel = channel(s -> s.withCorsOrigins(List.of("https://app.example")));
        Response allowed = one(channel, get("/healthz", "Origin: https://app.example"));
        assertEquals("https://app.example", allowed.header("access-control-allow-origin"));
        assertEquals("Origin", allowed.header("vary"));
        assertTrue(allowed.header("access-control-expose-headers").contains("ETag"));
        Response other = one(channel, get("/healthz", "Origin: https://evil.example"));
        assertNull(other.header("access-control-allow-origin"));
        assertEquals("Origin", other.header("vary"));
        Response file = one(channel, get("/hello.txt", "Origin: https://app.example"));
        assertEquals("https://app.example", file.header("access-control-allow-origin"));
        assertEquals("Accept-Encoding, Origin", file.header("vary"), "one Vary header, both fields");
        assertEquals("https://app.example", one(channel, get("/nope", "Origin: https://app.example"))
                .header("access-control-allow-origin"), "errors too, so the page can read them");

        Response preflight = one(channel, "OPTIONS /metrics HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n"
                + "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: range, if-none-match\r\n\r\n");
        assertEquals(204, preflight.status);
        assertEquals("https://app.example", preflight.header("access-control-allow-origin"));
        assertEquals("GET, HEAD", preflight.header("access-control-allow-methods"));
        assertEquals("range, if-none-match", preflight.header("access-control-allow-headers"));
        assertEquals("600", preflight.header("access-control-max-age"));
        assertEquals(405, one(channel, "OPTIONS /metrics HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
                + "Access-Control-Request-Method: GET\r\n\r\n").status);

        EmbeddedChannel any = channel(s -> s.withCorsOrigins(List.of("*")));
        Response star = one(any, get("/healthz", "Origin: https://whoever.example"));
        assertEquals("*", star.header("access-control-allow-origin"));
        assertNull(star.header("vary"), "the same for every origin");
    }

    /** A file from the in-memory cache goes to the socket as the cache's own read-only buffer. */
    @Test
    void aCachedSmallFileIsWrittenWithoutACopy() throws IOException {
        EmbeddedChannel channel = channel();
        byte[] page = Files.readAllBytes(root.resolve("page.html"));
        for (int i = 0; i < 2; i++) {
            List<Object> seen = new ArrayList<>();
            InputStream in = new ByteArrayInputStream(exchange(channel, get("/page.html"), seen));
            assertArrayEquals(page, HttpTestSupport.read(in, false).body);
            assertTrue(seen.contains(Boolean.TRUE), "the body is the shared read-only buffer: " + seen);
        }
        Response range = one(channel, get("/page.html", "Range: bytes=10-19"));
        assertArrayEquals(Arrays.copyOfRange(page, 10, 20), range.body);
    }

    /** Pipelined requests of one read: one write per response, one flush for them all. */
    @Test
    void pipelinedResponsesLeaveInOneFlush() throws IOException {
        EmbeddedChannel channel = channel();
        int[] flushes = {0};
        List<Object> written = new ArrayList<>();
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes[0]++;
                ctx.flush();
            }
        });
        channel.pipeline().addAfter(HandlerNames.HTTP_CODEC, "writes", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                written.add(msg.getClass().getSimpleName());
                ctx.write(msg, promise);
            }
        });
        String requests = get("/healthz") + get("/readyz") + get("/hello.txt") + get("/nope") + get("/page.html");
        InputStream in = new ByteArrayInputStream(exchange(channel, requests, null));
        int[] statuses = new int[5];
        for (int i = 0; i < 5; i++) {
            statuses[i] = HttpTestSupport.read(in, false).status;
        }
        assertEquals(-1, in.read());
        assertArrayEquals(new int[] {200, 200, 200, 404, 200}, statuses);
        assertEquals(1, flushes[0], "one flush for the read");
        assertEquals(5, written.size(), "one write per response: " + written);
        // Each a whole response: /healthz pre-encoded, the others built.
        assertEquals(List.of("FixedResponse", "DefaultFullHttpResponse", "DefaultFullHttpResponse",
                "DefaultFullHttpResponse", "DefaultFullHttpResponse"), written);
        assertFalse(channel.pipeline().names().isEmpty());
    }
}
