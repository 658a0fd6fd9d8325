package io.switchboard.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped log4j2 configuration, in a server process of its own: text lines by default, one
 * JSON object per line with {@code --log-format json}, the root level and levels per logger from
 * the configuration, and the access log on its own logger.
 */
@Timeout(180)
class LoggingTest {
    private static final Path SHIPPED_CONFIG = Path.of("target/classes/log4j2.xml").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Process process;
    private Thread reader;
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void jsonLinesWithLevelsFromTheConfigAndTheAccessLog() throws Exception {
        int httpPort = freePort();
        start("--log-format", "json", "--log-level", "warn",
                "--log-levels", "io.switchboard.server.launch.ServerMain=info,io.switchboard.access=info",
                "--access-log", "true", "--http-port", String.valueOf(httpPort));
        await(l -> l.stream().anyMatch(s -> s.contains("ready")));
        String status = get(httpPort, "/healthz");
        assertTrue(status.startsWith("HTTP/1.1 200"), status);
        await(l -> l.stream().anyMatch(s -> s.contains("io.switchboard.access")));
        stopGracefully();

        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            JsonNode event = JSON.readTree(line); // every line one JSON object
            assertTrue(event.isObject(), line);
            for (String field : List.of("timestamp", "level", "logger", "thread", "message")) {
                assertTrue(event.path(field).isTextual(), field + " in " + line);
            }
            OffsetDateTime.parse(event.get("timestamp").asText());
            events.add(event);
        }
        assertTrue(events.stream().anyMatch(e -> e.get("logger").asText().equals("io.switchboard.server.launch.ServerMain")
                && e.get("level").asText().equals("INFO") && e.get("message").asText().contains("ready")
                && e.get("thread").asText().equals("main")), lines.toString());
        assertTrue(events.stream().anyMatch(e -> e.get("logger").asText().equals("io.switchboard.server.launch.ServerMain")
                && e.get("thread").asText().equals("switchboard-shutdown")), "shutdown logged: " + lines);
        JsonNode access = events.stream().filter(e -> e.get("logger").asText().equals("io.switchboard.access"))
                .findFirst().orElseThrow();
        assertTrue(Pattern.compile("127\\.0\\.0\\.1 - - \\[.+] \"GET /healthz HTTP/1\\.1\" 200 16 \"-\" \"-\" [0-9.]+ms")
                .matcher(access.get("message").asText()).matches(), access.toString());
        // The root level is warn: the listeners' INFO lines (logger Server) are not there.
        assertFalse(events.stream().anyMatch(e -> e.get("logger").asText().equals("io.switchboard.server.launch.Server")),
                lines.toString());
    }

    @Test
    void textLinesByDefaultWithALoggerTurnedDown() throws Exception {
        start("--log-levels", "io.switchboard.server.launch.Server=warn", "--http-port", "0");
        // "ready" comes after the shutdown hook is in place, so SIGTERM then drains and logs.
        await(l -> l.stream().anyMatch(s -> s.contains("ServerMain - switchboard") && s.contains(" ready")));
        stopGracefully();
        Pattern text = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) "
                + "(TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \\S+ - .*");
        for (String line : lines) {
            assertTrue(text.matcher(line).matches(), line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains(" INFO  ServerMain - shutting down")), lines.toString());
        // Logger Server is at warn: its INFO lines (one per listener, "server stopped") are not there.
        assertFalse(lines.stream().anyMatch(l -> l.contains(" INFO  Server - ")), lines.toString());
    }

    private void start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlog4j2.configurationFile=" + SHIPPED_CONFIG,
                "-XX:TieredStopAtLevel=1", "-Xmx128m",
                "-cp", System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--bind", "127.0.0.1", "--framed-port", "0", "--echo-port", "0", "--udp-port", "0",
                "--io-threads", "1"));
        command.addAll(List.of(args));
        assertTrue(Files.isRegularFile(SHIPPED_CONFIG), SHIPPED_CONFIG.toString());
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "server-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    private void await(Predicate<List<String>> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        synchronized (lines) {
            while (!condition.test(lines)) {
                assertTrue(process.isAlive(), () -> "server exited " + process.exitValue() + ": " + lines);
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, () -> "not logged in time: " + lines);
                lines.wait(Math.min(500, Math.max(1, left / 1_000_000)));
            }
        }
    }

    /** SIGTERM, as systemd and container runtimes stop it; the JVM exits 143 after the shutdown hook. */
    private void stopGracefully() throws InterruptedException {
        // Process.destroy() would close our end of its stdout too; the handle only signals.
        assertTrue(process.toHandle().destroy());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "server did not stop");
        assertEquals(143, process.exitValue());
        reader.join(TimeUnit.SECONDS.toMillis(10)); // every line read once its stdout ends
        assertFalse(reader.isAlive(), "stdout still open");
    }

    private static String get(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .getBytes(US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), US_ASCII);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
