package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.http.HttpTestSupport.Response;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.testing.LeakRecorder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing of the request target (docs/fuzzing.md): {@link RequestPath}, the
 * {@link RequestGuard} and {@link StaticFiles} against a temporary static root (the one of
 * {@link HttpTestSupport#makeRoot}: a secret file next to the root, and symbolic links out of it).
 * The input, read as ISO-8859-1 as Netty's codec reads a request line, is the target.
 *
 * <p>Properties:
 * <ul>
 *   <li>a parsed path has only non-empty segments that are not {@code .} or {@code ..} and hold no
 *       {@code /}, {@code \} or control character; it resolves under the root, and its
 *       {@link RequestPath#encoded()} form parses back to the same segments;</li>
 *   <li>{@link StaticFiles#resolve} gives nothing or a regular file whose real path is under the
 *       root's real path;</li>
 *   <li>through the whole HTTP pipeline ({@code GET <target>}): exactly one response, its status
 *       one of the documented ones; a target RequestPath refuses is answered 400; a 200 body is
 *       never the secret; a 301 points to a path on this server, never {@code //host}; no leak.</li>
 * </ul>
 */
class RequestPathFuzzTest {
    private static final Set<Integer> STATUSES = Set.of(200, 301, 400, 404, 405, 414, 426, 431);
    private static Path base;
    private static Path root;
    private static StaticFiles files;
    private static ServerConfig config;
    private static final Metrics METRICS = new Metrics();
    private static final RoomHub HUB = new RoomHub(PooledByteBufAllocator.DEFAULT);
    private static final TransportConfig TRANSPORT = TransportConfig.resolve(TransportChoice.NIO, null);

    private static synchronized void setUp() {
        if (root != null) {
            return;
        }
        try {
            base = Files.createTempDirectory("request-path-fuzz");
            root = HttpTestSupport.makeRoot(base, 4096);
            files = new StaticFiles(root, false, METRICS);
            config = ServerConfig.builder().staticRoot(root).httpZeroCopy(false).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void removeRoot() throws IOException {
        if (base != null) {
            try (Stream<Path> all = Files.walk(base)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @FuzzTest(maxDuration = "20s")
    void requestTarget(byte[] input) throws IOException {
        setUp();
        String target = new String(input, ISO_8859_1);
        RequestPath path = RequestPath.parse(target);
        if (path != null) {
            checkPath(path, target);
        }
        checkPipeline(target, path);
        List<String> leaks = LeakRecorder.drain();
        if (!leaks.isEmpty()) {
            fail("leak detector reported (possibly from an earlier input):\n" + String.join("\n", leaks));
        }
    }

    private static void checkPath(RequestPath path, String target) throws IOException {
        Path candidate = root;
        for (String segment : path.segments()) {
            assertFalse(segment.isEmpty() || segment.equals(".") || segment.equals(".."), () -> target + " -> " + path.segments());
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                assertFalse(c == '/' || c == '\\' || c < 0x20 || c == 0x7f, () -> target + " -> " + path.segments());
            }
            candidate = candidate.resolve(segment);
        }
        assertTrue(candidate.normalize().startsWith(root), () -> target + " resolves outside the root: " + path.segments());
        RequestPath again = RequestPath.parse(path.encoded());
        assertNotNull(again, () -> "encoded form " + path.encoded() + " of " + target + " is refused");
        assertEquals(path.segments(), again.segments(), () -> "encoded form " + path.encoded() + " of " + target);

        Path file = files.resolve(path);
        if (file != null) {
            assertTrue(file.startsWith(root.toRealPath()), () -> target + " served " + file);
            assertTrue(Files.isRegularFile(file), () -> target + " served " + file);
        }
        String directory = files.directoryLocation(path);
        if (directory != null) {
            assertTrue(directory.startsWith("/") && !directory.startsWith("//"), () -> target + " redirects to " + directory);
        }
    }

    private static void checkPipeline(String target, RequestPath path) throws IOException {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerInitializer(config.httpConfig(), HUB, METRICS, TRANSPORT, () -> true));
        byte[] written;
        boolean closed;
        try {
            channel.writeInbound(Unpooled.copiedBuffer("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n", ISO_8859_1));
            channel.runPendingTasks();
            written = written(channel);
            closed = !channel.isOpen();
        } finally {
            channel.finishAndReleaseAll();
        }
        String raw = new String(written, ISO_8859_1);
        int headEnd = raw.indexOf("\r\n\r\n");
        boolean delimitedByClose = headEnd >= 0 && !raw.substring(0, headEnd).toLowerCase(java.util.Locale.ROOT)
                .contains("\r\ncontent-length:");
        Response response;
        if (delimitedByClose) {
            // Netty's WebSocket handshaker answers a non-upgrade on /ws with a body that ends
            // with the connection (RFC 9112 section 6.3): legal only if the connection is closed.
            assertTrue(closed, () -> "a response without Content-Length on an open connection to " + target + ":\n" + raw);
            String[] status = raw.substring(0, raw.indexOf("\r\n")).split(" ", 3);
            response = new Response(status[0], Integer.parseInt(status[1]), java.util.Map.of(),
                    raw.substring(headEnd + 4).getBytes(ISO_8859_1));
        } else {
            InputStream in = new ByteArrayInputStream(written);
            try {
                response = HttpTestSupport.read(in, false);
            } catch (IOException e) {
                throw new AssertionError("unreadable response to " + target + ": " + e.getMessage() + "\n" + raw, e);
            }
            assertEquals(-1, in.read(), () -> "more than one response to " + target);
        }
        assertTrue(STATUSES.contains(response.status), () -> target + " answered " + response);
        assertFalse(new String(response.body, ISO_8859_1).contains(HttpTestSupport.SECRET), () -> target + " leaked the secret");
        boolean plainTarget = !target.isEmpty() && target.chars().noneMatch(c -> c <= 0x20 || c == 0x7f);
        if (path == null && plainTarget) {
            assertEquals(400, response.status, () -> "refused target " + target + " answered " + response);
        }
        if (response.status == 301) {
            String location = response.header("location");
            assertTrue(location != null && location.startsWith("/") && !location.startsWith("//"),
                    () -> target + " redirects to " + location);
        }
    }

    /** Every byte the pipeline wrote. */
    private static byte[] written(EmbeddedChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(out);
        for (Object msg = channel.readOutbound(); msg != null; msg = channel.readOutbound()) {
            if (msg instanceof ByteBuf buf) {
                try {
                    buf.readBytes(out, buf.readableBytes());
                } finally {
                    buf.release();
                }
            } else if (msg instanceof FileRegion region) {
                try {
                    while (region.transferred() < region.count()) {
                        region.transferTo(sink, region.transferred());
                    }
                } finally {
                    region.release();
                }
            } else {
                fail("unexpected outbound " + msg + " (" + Arrays.toString(msg.getClass().getInterfaces()) + ")");
            }
        }
        return out.toByteArray();
    }
}
