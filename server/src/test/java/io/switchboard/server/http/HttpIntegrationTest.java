package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.switchboard.server.Listener;
import io.switchboard.server.ReadGate;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.http.HttpTestSupport.Response;
import io.switchboard.server.launch.Server;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.testing.Await;
import io.switchboard.testing.RequiredTool;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The HTTP listener over real loopback sockets, on every transport this machine offers. */
class HttpIntegrationTest {
    /** Large enough that sendfile and the chunked writer each take many writes. */
    private static final int BIN_SIZE = 3 << 20;

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @RegisterExtension
    final WarningRecorder warnings = new WarningRecorder();

    @TempDir
    Path base;

    private Server start(TransportUnderTest transport, Consumer<ServerConfig.Builder> customize) throws Exception {
        return servers.start(transport, customize);
    }

    private Server withFiles(TransportUnderTest transport, boolean zeroCopy) throws Exception {
        Path root = HttpTestSupport.makeRoot(base, BIN_SIZE);
        return start(transport, b -> b.staticRoot(root).httpZeroCopy(zeroCopy));
    }

    private static Socket connect(Server server) throws IOException {
        InetSocketAddress address = server.address(Listener.HTTP);
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static void send(Socket socket, String raw) throws IOException {
        socket.getOutputStream().write(raw.getBytes(ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Whether the server closed the connection: end of stream (or a reset) within the timeout. */
    private static boolean closedByServer(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    private static String get(String target, String... headers) {
        StringBuilder b = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void simpleGetsWithJavaHttpClient(TransportUnderTest transport) throws Exception {
        Server server = start(transport, b -> { });
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String origin = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(origin + "/healthz"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        assertEquals("{\"status\":\"up\"}", health.body().trim());
        HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(origin + "/readyz"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        assertEquals("{\"status\":\"ready\"}", ready.body().trim());
        HttpResponse<String> home = client.send(HttpRequest.newBuilder(URI.create(origin + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, home.statusCode());
        assertTrue(home.body().contains("transport " + server.transport().transport().id()), home.body());
        String mode = server.transport().epollMode() == null ? "n/a" : server.transport().epollMode().id();
        assertTrue(home.body().contains("epoll mode " + mode), home.body());
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(URI.create(origin + "/nope"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void pipelinedRequestsOnOneConnection(TransportUnderTest transport) throws Exception {
        for (boolean zeroCopy : new boolean[] {true, false}) {
            Server server = withFiles(transport, zeroCopy);
            byte[] data = HttpTestSupport.binary(BIN_SIZE);
            try (Socket socket = connect(server)) {
                // All at once, in one write: the server must answer each in turn.
                send(socket, get("/data.bin") + get("/healthz") + "HEAD /data.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                        + get("/data.bin", "Range: bytes=1000-1999") + get("/hello.txt") + get("/nope")
                        + get("/data.bin", "Range: bytes=" + (BIN_SIZE - 10) + "-") + get("/hello.txt"));
                InputStream in = socket.getInputStream();
                Response whole = HttpTestSupport.read(in, false);
                assertEquals(200, whole.status);
                assertArrayEquals(data, whole.body);
                assertEquals("{\"status\":\"up\"}", HttpTestSupport.read(in, false).text().trim());
                Response head = HttpTestSupport.read(in, true);
                assertEquals(String.valueOf(BIN_SIZE), head.header("content-length"));
                Response range = HttpTestSupport.read(in, false);
                assertEquals(206, range.status);
                assertArrayEquals(Arrays.copyOfRange(data, 1000, 2000), range.body);
                assertEquals(HttpTestSupport.HELLO, HttpTestSupport.read(in, false).text());
                assertEquals(404, HttpTestSupport.read(in, false).status);
                Response tail = HttpTestSupport.read(in, false);
                assertEquals("bytes " + (BIN_SIZE - 10) + "-" + (BIN_SIZE - 1) + "/" + BIN_SIZE,
                        tail.header("content-range"));
                assertArrayEquals(Arrays.copyOfRange(data, BIN_SIZE - 10, BIN_SIZE), tail.body);
                // The last one asks to close.
                send(socket, get("/hello.txt", "Connection: close"));
                assertEquals(HttpTestSupport.HELLO, HttpTestSupport.read(in, false).text());
                Response last = HttpTestSupport.read(in, false);
                assertEquals(HttpTestSupport.HELLO, last.text());
                assertEquals("close", last.header("connection"));
                assertTrue(closedByServer(socket));
            }
            server.close();
            Files.walk(base).sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * A peer pipelines many large downloads without reading: the server stops reading and
     * handling requests while the responses are not drained, then serves every one, in order.
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aPeerThatPipelinesWithoutReadingIsServedInOrderOnceItReads(TransportUnderTest transport) throws Exception {
        for (boolean zeroCopy : new boolean[] {true, false}) {
            Server server = withFiles(transport, zeroCopy);
            pipelineWithoutReading(server);
            server.close();
            Files.walk(base).sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    private static void pipelineWithoutReading(Server server) throws Exception {
        byte[] data = HttpTestSupport.binary(BIN_SIZE);
        int requests = 40;
        try (Socket socket = connect(server)) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < requests; i++) {
                all.append(get(i % 2 == 0 ? "/data.bin" : "/hello.txt?n=" + i));
            }
            send(socket, all.toString());
            // Reading stopped long before all 60 MiB were queued: far fewer responses were counted.
            // The server stops reading through the connection's read gate: closed by backpressure
            // (chunked bodies fill the outbound buffer) or while a file body is in flight (zero-copy
            // regions do not count towards the water marks). Without it, it never closes.
            Await.until("the server to stop reading the connection", () -> readingStopped(server));
            long counted = countedResponses(server);
            System.out.println("responses handled before the peer read (zero-copy "
                    + server.config().httpZeroCopy() + "): " + counted + " of " + requests);
            assertTrue(counted < requests / 2, "responses handled before the peer read: " + counted);
            InputStream in = socket.getInputStream();
            for (int i = 0; i < requests; i++) {
                Response r = HttpTestSupport.read(in, false);
                assertEquals(200, r.status, "response " + i);
                if (i % 2 == 0) {
                    assertArrayEquals(data, r.body, "response " + i);
                } else {
                    assertEquals(HttpTestSupport.HELLO, r.text(), "response " + i);
                }
            }
        }
    }

    private static boolean readingStopped(Server server) throws Exception {
        for (Channel ch : server.connections().channels(Listener.HTTP)) {
            if (ch.eventLoop().submit(() -> !ReadGate.of(ch).isOpen()).get()) {
                return true;
            }
        }
        return false;
    }

    private static long countedResponses(Server server) {
        String text = PrometheusText.render(server.metrics(), server.hub(), server.transport());
        long sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("switchboard_http_requests_total{")) {
                sum += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void http10(TransportUnderTest transport) throws Exception {
        Server server = withFiles(transport, true);
        try (Socket socket = connect(server)) {
            send(socket, "GET /hello.txt HTTP/1.0\r\n\r\n");
            Response r = HttpTestSupport.read(socket.getInputStream(), false);
            assertEquals(200, r.status);
            assertEquals(HttpTestSupport.HELLO, r.text());
            assertEquals("close", r.header("connection"));
            assertTrue(closedByServer(socket), "HTTP/1.0 without keep-alive: closed after the response");
        }
        try (Socket socket = connect(server)) {
            send(socket, "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            Response r = HttpTestSupport.read(socket.getInputStream(), false);
            assertEquals("keep-alive", r.header("connection"));
            send(socket, "GET /hello.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
            assertEquals(HttpTestSupport.HELLO, HttpTestSupport.read(socket.getInputStream(), false).text());
            send(socket, "GET /healthz HTTP/1.0\r\n\r\n");
            assertEquals(200, HttpTestSupport.read(socket.getInputStream(), false).status);
            assertTrue(closedByServer(socket));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void limitsAndMalformedRequestsCloseTheConnection(TransportUnderTest transport) throws Exception {
        Server server = start(transport, b -> b.httpMaxInitialLine(1024).httpMaxHeaderBytes(2048).httpMaxBodyBytes(4096));
        String[][] cases = {
            {"414", get("/" + "a".repeat(2000))},
            {"431", get("/healthz", "X-Big: " + "b".repeat(3000))},
            {"431", get("/healthz", "X-A: " + "a".repeat(900), "X-B: " + "b".repeat(900), "X-C: " + "c".repeat(900))},
            {"400", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"},
            {"400", "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n"},
            {"413", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + "p".repeat(5000)},
        };
        for (String[] c : cases) {
            try (Socket socket = connect(server)) {
                send(socket, c[1]);
                Response r = HttpTestSupport.read(socket.getInputStream(), false);
                assertEquals(Integer.parseInt(c[0]), r.status, c[1].substring(0, 40));
                assertEquals("close", r.header("connection"));
                assertTrue(r.text().startsWith(c[0] + " "), r.text());
                assertTrue(closedByServer(socket), "closed after " + c[0]);
            }
        }
        // A body within the limit is fine, and the connection stays.
        try (Socket socket = connect(server)) {
            send(socket, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + "p".repeat(4096));
            Response r = HttpTestSupport.read(socket.getInputStream(), false);
            assertEquals(405, r.status);
            assertEquals("GET, HEAD", r.header("allow"));
            send(socket, get("/healthz"));
            assertEquals(200, HttpTestSupport.read(socket.getInputStream(), false).status);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void noRequestReachesAFileOutsideTheRoot(TransportUnderTest transport) throws Exception {
        Server server = withFiles(transport, true);
        try (Socket socket = connect(server)) {
            for (String target : HttpTestSupport.TRAVERSALS) {
                send(socket, get(target));
                Response r = HttpTestSupport.read(socket.getInputStream(), false);
                assertTrue(r.status == 400 || r.status == 404, target + " -> " + r);
                assertFalse(r.text().contains("secret"), target);
            }
            send(socket, get("/hello.txt"));
            assertEquals(HttpTestSupport.HELLO, HttpTestSupport.read(socket.getInputStream(), false).text(),
                    "still serving on the same connection");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void conditionalAndRangeRequests(TransportUnderTest transport) throws Exception {
        Server server = withFiles(transport, false);
        try (Socket socket = connect(server)) {
            InputStream in = socket.getInputStream();
            send(socket, get("/hello.txt"));
            Response full = HttpTestSupport.read(in, false);
            send(socket, get("/hello.txt", "If-None-Match: " + full.header("etag")));
            assertEquals(304, HttpTestSupport.read(in, false).status);
            send(socket, get("/hello.txt", "If-Modified-Since: " + full.header("last-modified")));
            assertEquals(304, HttpTestSupport.read(in, false).status);
            send(socket, get("/data.bin", "Range: bytes=" + BIN_SIZE + "-"));
            Response r416 = HttpTestSupport.read(in, false);
            assertEquals(416, r416.status);
            assertEquals("bytes */" + BIN_SIZE, r416.header("content-range"));
            send(socket, get("/data.bin", "Range: bytes=0-0,2-2"));
            assertEquals(BIN_SIZE, HttpTestSupport.read(in, false).body.length);
            send(socket, get("/sub/"));
            assertEquals(HttpTestSupport.INDEX, HttpTestSupport.read(in, false).text());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void idleKeepAliveConnectionsAreClosed(TransportUnderTest transport) throws Exception {
        Server server = start(transport, b -> b.httpIdleTimeout(Duration.ofMillis(300)));
        try (Socket socket = connect(server)) {
            send(socket, get("/healthz"));
            assertEquals(200, HttpTestSupport.read(socket.getInputStream(), false).status);
            long start = System.nanoTime();
            assertTrue(closedByServer(socket), "closed when idle");
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waited < 5000, "closed after " + waited + " ms");
        }
        assertEquals(0, waitForNoOpenHttpConnections(server));
    }

    private static long waitForNoOpenHttpConnections(Server server) throws InterruptedException {
        Await.until("no open HTTP connections", () -> server.metrics().listener(Listener.HTTP).open() == 0);
        return server.metrics().listener(Listener.HTTP).open();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpCanBeSwitchedOff(TransportUnderTest transport) throws Exception {
        Server server = start(transport, b -> b.port(Listener.HTTP, ServerConfig.DISABLED));
        assertFalse(server.listeners().containsKey(Listener.HTTP));
    }

    /**
     * Scrapes /metrics after some traffic and has Prometheus's own parser check it. promtool
     * exits non-zero on a parse error; its lint remarks are printed but do not fail the test.
     * Skipped where promtool is not installed (.ci/deps/promtool.sh installs it for CI).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void metricsScrapeParsesWithPromtool(TransportUnderTest transport) throws Exception {
        Path promtool = findPromtool();
        RequiredTool.require(promtool != null, "promtool not installed (.ci/deps/promtool.sh installs it)");
        Server server = start(transport, b -> { });
        String scrape;
        try (Socket socket = connect(server)) {
            InputStream in = socket.getInputStream();
            send(socket, get("/healthz") + get("/missing") + "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            HttpTestSupport.read(in, false);
            HttpTestSupport.read(in, false);
            HttpTestSupport.read(in, false);
            send(socket, get("/metrics"));
            Response r = HttpTestSupport.read(in, false);
            assertEquals(200, r.status);
            assertEquals("text/plain; version=0.0.4; charset=utf-8", r.header("content-type"));
            scrape = r.text();
        }
        assertTrue(scrape.contains("switchboard_http_requests_total{status=\"404\"} 1"), scrape);
        assertTrue(scrape.contains("switchboard_connections_accepted_total{listener=\"http\"} 1"), scrape);
        for (String runtime : List.of("process_open_fds ", "jvm_threads_current ", "jvm_memory_used_bytes{area=\"heap\"} ",
                "switchboard_direct_memory_used_bytes{counter=\"nio\"} ", "switchboard_buffer_pool_used_bytes{kind=\"direct\"} ")) {
            assertTrue(scrape.contains("\n" + runtime), runtime + "in " + scrape);
        }

        String problem = promtoolParseError(promtool, scrape);
        assertEquals(null, problem, "promtool rejected the scrape:\n" + problem + "\n--- scrape:\n" + scrape);
    }

    /** The check above would notice: promtool's parse errors are caught, its lint remarks are not errors. */
    @org.junit.jupiter.api.Test
    void promtoolCheckTellsParseErrorsFromLintRemarks() throws Exception {
        Path promtool = findPromtool();
        RequiredTool.require(promtool != null, "promtool not installed (.ci/deps/promtool.sh installs it)");
        assertTrue(promtoolParseError(promtool, "switchboard_rooms{ 1\n") != null, "a parse error fails");
        assertEquals(null, promtoolParseError(promtool, "no_help_text_total 1\n"), "lint remarks alone pass");
        assertEquals(null, promtoolParseError(promtool,
                "# HELP x_total An x.\n# TYPE x_total counter\nx_total{a=\"b\"} 1\n"));
    }

    /**
     * Runs {@code promtool check metrics} on the text; returns its output when it found the text
     * unparseable (exit 1, or anything but 0 and 3), else {@code null}. Exit 3 means lint remarks
     * only, which are printed.
     */
    private static String promtoolParseError(Path promtool, String text) throws Exception {
        Process process = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        process.getOutputStream().write(text.getBytes(UTF_8));
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        String said = output.toString(UTF_8);
        int exit = process.exitValue();
        if (exit == 0 || exit == 3) {
            if (!said.isBlank()) {
                System.out.println("promtool check metrics (lint, not an error): " + said.strip());
            }
            return null;
        }
        return "exit " + exit + ": " + said;
    }

    private static Path findPromtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
