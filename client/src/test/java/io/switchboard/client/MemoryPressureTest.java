package io.switchboard.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.launch.ServerMain;
import io.switchboard.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Memory pressure: a server in a JVM of its own with {@code -XX:MaxDirectMemorySize=32m}, two
 * thousand room members that never read (framed sessions, or WebSocket sessions on {@code /ws}) (a small receive buffer, so the kernel holds little for
 * them), and a publisher sending 40 MiB of events to their room as fast as the acks come. The
 * slow-consumer policy must keep the server's direct memory bounded: with {@code drop} each
 * member's backlog stops at its write-buffer high-water mark and the rest is dropped (counted),
 * with {@code disconnect} the members are closed. Either way every publish is acknowledged, the
 * log has no {@code OutOfDirectMemoryError} (nor any other {@code OutOfMemoryError}, ERROR line or
 * leak report), and {@code /healthz} still answers.
 *
 * <p>Protections: the slow-consumer check in {@code Session.deliver} (writing whatever the
 * buffer holds makes every member keep every event: the server runs out of direct memory and this
 * test fails), and the bound on a closing connection's last write ({@code Connections.closeGently},
 * {@code WebSocketSession.closeWith}: a disconnected member that never reads would otherwise keep
 * its connection and its backlog for ever).
 */
@Timeout(120)
class MemoryPressureTest {
    private static final int SUBSCRIBERS = 2000;
    /**
     * 40 MiB published in all, more than the server's direct memory. Each deaf member may keep up
     * to the write-buffer high-water mark plus one event queued (the event that crossed the mark;
     * members stall at different events, so at worst each pins its own): with 2 KiB and 8 KiB, 2000
     * members pin 20 MiB at most, which fits in 32. With 60 KiB events it did not: a run ran out.
     */
    private static final int EVENTS = 5000;
    private static final int PAYLOAD = 8 * 1024;

    @TempDir
    Path dir;

    private Process server;
    private final List<SocketChannel> subscribers = new ArrayList<>();
    private SwitchboardClient publisher;

    private Path log;
    private String name;

    @AfterEach
    void stop() throws Exception {
        if (log != null && Files.exists(log)) {
            // Kept for a look after a failure: the temporary directory goes with the test.
            Files.copy(log, Path.of("target", "memory-pressure-" + name + ".log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (publisher != null) {
            publisher.close();
        }
        closeSubscribers();
        if (server != null && server.isAlive()) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void closeSubscribers() throws IOException {
        for (SocketChannel s : subscribers) {
            s.setOption(StandardSocketOptions.SO_LINGER, 0);
            s.close();
        }
        subscribers.clear();
    }

    @ParameterizedTest
    @CsvSource({"framed, drop", "framed, disconnect", "ws, disconnect"})
    void slowConsumersAreShedWithoutRunningOutOfDirectMemory(String protocol, String policy) throws Exception {
        Path addresses = dir.resolve("addresses");
        log = dir.resolve("server.log");
        name = protocol + "-" + policy;
        server = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxDirectMemorySize=32m", "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--bind", "127.0.0.1", "--framed-port", "0", "--http-port", "0", "--echo-port", "off",
                "--udp-port", "off", "--io-threads", "2", "--address-file", addresses.toString(),
                "--slow-consumer", policy, "--send-buffer", "16k",
                "--write-buffer-low", "1k", "--write-buffer-high", "2k", "--drain-timeout", "1s",
                "--leak-detection", "paranoid")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Await.until(() -> "the server to write its address file; log: " + read(log), Duration.ofSeconds(30), () -> {
            assertTrue(server.isAlive(), () -> "server exited " + server.exitValue() + ": " + read(log));
            return Files.exists(addresses);
        });
        int framed = port(addresses, "framed");
        int http = port(addresses, "http");

        HttpClient httpClient = HttpClient.newHttpClient();
        // The scrapes' own keep-alive connection, counted on the HTTP listener.
        String httpBaseline = metric(httpClient, http, "switchboard_connections_open{listener=\"http\"}");
        boolean ws = protocol.equals("ws");
        byte[] upgrade = ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(UTF_8);
        byte[] greeting = ws ? concat(maskedText("{\"type\":\"hello\",\"name\":\"deaf\"}"),
                maskedText("{\"type\":\"join\",\"room\":\"pressure\"}"))
                : concat(encode(new Hello(1, Wire.PROTOCOL_VERSION, "deaf", "")), encode(new Join(2, 0, "pressure")));
        for (int i = 0; i < SUBSCRIBERS; i++) {
            SocketChannel s = SocketChannel.open();
            subscribers.add(s);
            s.setOption(StandardSocketOptions.SO_RCVBUF, 2048);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ws ? http : framed));
            if (ws) {
                s.write(ByteBuffer.wrap(upgrade));
                awaitUpgrade(s); // what follows the request in the same segment would be lost
            }
            s.write(ByteBuffer.wrap(greeting));
            // and never reads again
        }
        Await.until(() -> "every subscriber to join; log: " + tail(log),
                Duration.ofSeconds(30), () -> Integer.toString(SUBSCRIBERS)
                        .equals(metric(httpClient, http, "switchboard_room_members")));

        publisher = SwitchboardClient.connect(ClientOptions.builder().port(framed).name("publisher")
                .requestTimeout(Duration.ofSeconds(20)).build()).get(10, TimeUnit.SECONDS);
        byte[] payload = new byte[PAYLOAD];
        Semaphore window = new Semaphore(32);
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            assertTrue(window.tryAcquire(20, TimeUnit.SECONDS), "an ack within 20 s at event " + i + "; log: "
                    + tail(log));
            CompletableFuture<Void> ack = publisher.publish("pressure", "flood", payload);
            ack.whenComplete((ok, e) -> window.release());
            acks.add(ack);
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

        assertEquals(200, httpClient.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/healthz"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        if (policy.equals("drop")) {
            long dropped = Long.parseLong(metric(httpClient, http, "switchboard_events_dropped_total"));
            assertTrue(dropped > (long) SUBSCRIBERS * EVENTS / 2, "events dropped for the deaf members: " + dropped);
            assertEquals(Integer.toString(SUBSCRIBERS), metric(httpClient, http, "switchboard_room_members"));
        } else {
            Await.until(() -> "every deaf member to be disconnected; members "
                    + quietly(() -> metric(httpClient, http, "switchboard_room_members")) + ", framed connections "
                    + quietly(() -> metric(httpClient, http, "switchboard_connections_open{listener=\"framed\"}"))
                    + ", http connections " + quietly(() -> metric(httpClient, http,
                            "switchboard_connections_open{listener=\"http\"}")) + " (before: " + httpBaseline + ")",
                    Await.TIMEOUT, () -> "0".equals(metric(httpClient, http, "switchboard_room_members"))
                            && "1".equals(metric(httpClient, http, "switchboard_connections_open{listener=\"framed\"}"))
                            && httpBaseline.equals(metric(httpClient, http,
                                    "switchboard_connections_open{listener=\"http\"}")));
            // ... by the slow-consumer policy, each once (not by the idle timeout, 60 s, say).
            assertEquals(Integer.toString(SUBSCRIBERS), metric(httpClient, http,
                    "switchboard_errors_total{code=\"307\",name=\"SLOW_CONSUMER\"}"));
        }
        publisher.echo("still here".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);

        closeSubscribers();
        publisher.close();
        publisher = null;
        server.destroy(); // SIGTERM: a graceful shutdown, logged
        assertTrue(server.waitFor(30, TimeUnit.SECONDS), "server to stop");
        String text = read(log);
        assertEquals(143, server.exitValue(), "exit status after SIGTERM; log: " + text);
        assertFalse(text.contains("OutOfDirectMemoryError"), text);
        assertFalse(text.contains("OutOfMemoryError"), text);
        assertFalse(text.contains("LEAK:"), text);
        assertFalse(text.lines().anyMatch(l -> l.contains(" ERROR ")), text);
    }

    private static byte[] encode(Object frame) {
        EmbeddedChannel ch = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ch.writeOutbound(frame);
        ByteBuf buf = ch.readOutbound();
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
            ch.finishAndReleaseAll();
        }
    }

    /** Reads the answer to a WebSocket upgrade up to the end of its head: 101 or the test fails. */
    private static void awaitUpgrade(SocketChannel s) throws IOException {
        StringBuilder head = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (head.indexOf("\r\n\r\n") < 0) {
            one.clear();
            if (s.read(one) < 0) {
                throw new AssertionError("connection closed during the upgrade: " + head);
            }
            head.append((char) one.get(0));
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101 "), head.toString());
    }

    /** A WebSocket text frame as a client sends it: masked (with a zero mask, which RFC 6455 allows). */
    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(UTF_8);
        assertTrue(payload.length < 126);
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(payload, 0, frame, 6, payload.length);
        return frame;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static int port(Path addresses, String listener) throws IOException {
        for (String line : Files.readAllLines(addresses)) {
            String[] f = line.split(" ");
            if (f[0].equals(listener)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new AssertionError("no " + listener + " in " + Files.readString(addresses));
    }

    private static String metric(HttpClient http, int port, String series) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return line.substring(series.length() + 1).trim();
            }
        }
        return null;
    }

    private static String quietly(java.util.concurrent.Callable<String> value) {
        try {
            return value.call();
        } catch (Exception e) {
            return "(" + e + ")";
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(none)";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String tail(Path log) {
        String text = read(log);
        return text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
    }
}
