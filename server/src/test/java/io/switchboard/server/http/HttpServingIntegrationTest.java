package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.http.HttpTestSupport.Response;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.RequiredTool;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The file cache, compression and origin checks over real loopback sockets on every transport,
 * and against software we did not write: curl decoding our gzip and the siblings that gzip and
 * brotli made.
 */
class HttpServingIntegrationTest {
    private static final int BIN_SIZE = 1 << 20;
    private static final Duration VALID = Duration.ofMillis(50);

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @RegisterExtension
    final WarningRecorder warnings = new WarningRecorder();

    @TempDir
    Path base;

    private Server withFiles(TransportUnderTest transport, HttpServing serving) throws Exception {
        Path root = HttpTestSupport.makeRoot(base, BIN_SIZE);
        return servers.start(transport, b -> b.staticRoot(root).httpServing(serving));
    }

    private static Socket connect(Server server) throws IOException {
        InetSocketAddress address = server.address(Listener.HTTP);
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static Response get(Server server, String target, String... headers) throws IOException {
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write(request(target, headers).getBytes(ISO_8859_1));
            return HttpTestSupport.read(socket.getInputStream(), false);
        }
    }

    private static String request(String target, String... headers) {
        StringBuilder b = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** Replaces a file the way deploy tools do: a new file renamed over the old one. */
    private static void replace(Path file, byte[] content) throws IOException {
        Path next = Files.write(file.resolveSibling(file.getFileName() + ".next"), content);
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void filesReplacedOrRemovedOnDiskAreServedAsTheyAreAfterTheInterval(TransportUnderTest transport) throws Exception {
        Server server = withFiles(transport, HttpServing.defaults().withOpenFileCacheValid(VALID));
        Path root = server.config().staticRoot();
        // Small (from memory) and large (a cached descriptor, sendfile where the transport has it).
        assertEquals(HttpTestSupport.HELLO, get(server, "/hello.txt").text());
        assertArrayEquals(HttpTestSupport.binary(BIN_SIZE), get(server, "/data.bin").body);

        replace(root.resolve("hello.txt"), "replaced\n".getBytes(UTF_8));
        byte[] larger = HttpTestSupport.binary(BIN_SIZE + 1);
        replace(root.resolve("data.bin"), larger);
        Await.until("the replaced small file", () -> get(server, "/hello.txt").text().equals("replaced\n"));
        Await.until("the replaced large file", () -> Arrays.equals(larger, get(server, "/data.bin").body));

        Files.delete(root.resolve("hello.txt"));
        Files.delete(root.resolve("data.bin"));
        Await.until("the removed files gone", () -> get(server, "/hello.txt").status == 404
                && get(server, "/data.bin").status == 404);
        Files.writeString(root.resolve("hello.txt"), "back\n");
        Await.until("a file created where one was missing", () -> get(server, "/hello.txt").text().equals("back\n"));
    }

    /** Pipelining depth 16, written at once: every answer, in order, with the cache on. */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void sixteenPipelinedRequests(TransportUnderTest transport) throws Exception {
        Server server = withFiles(transport, HttpServing.defaults());
        String[] targets = {"/healthz", "/hello.txt", "/readyz", "/nope", "/style.css", "/sub/", "/data.bin", "/alias.txt"};
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            all.append(request(targets[i % targets.length]));
        }
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write(all.toString().getBytes(ISO_8859_1));
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 16; i++) {
                Response r = HttpTestSupport.read(in, false);
                String target = targets[i % targets.length];
                assertEquals(target.equals("/nope") ? 404 : 200, r.status, target);
                if (target.equals("/hello.txt") || target.equals("/alias.txt")) {
                    assertEquals(HttpTestSupport.HELLO, r.text());
                } else if (target.equals("/data.bin")) {
                    assertEquals(BIN_SIZE, r.body.length);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void webSocketUpgradesFromAnotherOriginAreRefused(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> { });
        String upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
        int port = server.address(Listener.HTTP).getPort();
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nOrigin: http://evil.example\r\n" + upgrade + "\r\n\r\n").getBytes(ISO_8859_1));
            assertEquals(403, HttpTestSupport.read(socket.getInputStream(), false).status);
        }
        try (Socket socket = connect(server)) {
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nOrigin: http://127.0.0.1:" + port + "\r\n" + upgrade + "\r\n\r\n").getBytes(ISO_8859_1));
            assertEquals(101, HttpTestSupport.read(socket.getInputStream(), true).status, "the server's own page");
        }
    }

    /**
     * curl (with its own zlib and brotli) decodes the siblings that the gzip and brotli tools
     * made and the gzip this server makes on the fly.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void curlDecodesWhatWeSend(TransportUnderTest transport) throws Exception {
        RequiredTool.require(onPath("curl") && onPath("gzip") && onPath("brotli"),
                "curl, gzip and brotli not installed (.ci/deps/compression-tools.sh installs them)");
        Server server = withFiles(transport, HttpServing.defaults().withGzipThreshold(256));
        Path root = server.config().staticRoot();
        byte[] page = ("<!DOCTYPE html><p>" + "compress me ".repeat(500) + "</p>\n").getBytes(UTF_8);
        Files.write(root.resolve("big.html"), page);
        run(List.of("gzip", "-k", "-9", root.resolve("big.html").toString()));
        run(List.of("brotli", "-k", root.resolve("big.html").toString()));
        String origin = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();

        CurlResult gz = curl(true, "-H", "Accept-Encoding: gzip", origin + "/big.html");
        assertTrue(gz.headers.contains("content-encoding: gzip"), gz.headers);
        assertArrayEquals(page, gz.body, "curl decoded the .gz sibling");
        CurlResult br = curl(true, "-H", "Accept-Encoding: br", origin + "/big.html");
        assertTrue(br.headers.contains("content-encoding: br"), br.headers);
        assertArrayEquals(page, br.body, "curl decoded the .br sibling");
        CurlResult metrics = curl(true, "-H", "Accept-Encoding: gzip", origin + "/metrics");
        assertTrue(metrics.headers.contains("content-encoding: gzip"), metrics.headers);
        String text = new String(metrics.body, UTF_8);
        assertTrue(text.startsWith("# HELP") && text.contains("switchboard_http_requests_total"), text);
        CurlResult plain = curl(false, origin + "/big.html");
        assertArrayEquals(page, plain.body);
        assertTrue(!plain.headers.contains("content-encoding"), plain.headers);
    }

    private record CurlResult(String headers, byte[] body) {
    }

    /** curl, with --compressed as a user would run it or without; the headers lower-cased. */
    private CurlResult curl(boolean compressed, String... args) throws Exception {
        Path headers = Files.createTempFile(base, "headers", ".txt");
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "-D", headers.toString()));
        if (compressed) {
            command.add("--compressed");
        }
        command.addAll(List.of(args));
        byte[] body = run(command);
        return new CurlResult(Files.readString(headers, ISO_8859_1).toLowerCase(java.util.Locale.ROOT), body);
    }

    private static byte[] run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        process.getInputStream().transferTo(out);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), command + " finished");
        assertEquals(0, process.exitValue(), command + " exit status");
        return out.toByteArray();
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
