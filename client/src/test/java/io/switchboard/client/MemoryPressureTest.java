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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Memory pressure: a server in a JVM of its own with {@code -XX:MaxDirectMemorySize=32m}, two
 * thousand room members that never read (a small receive buffer, so the kernel holds little for
 * them), and a publisher sending 60 MiB of events to their room as fast as the acks come. The
 * slow-consumer policy must keep the server's direct memory bounded: with {@code drop} each
 * member's backlog stops at its write-buffer high-water mark and the rest is dropped (counted),
 * with {@code disconnect} the members are closed. Either way every publish is acknowledged, the
 * log has no {@code OutOfDirectMemoryError} (nor any other {@code OutOfMemoryError}, ERROR line or
 * leak report), and {@code /healthz} still answers.
 *
 * <p>Protection: the slow-consumer check in {@code Session.deliver} (writing whatever the
 * buffer holds makes every member keep every event: the server runs out of direct memory and this
 * test fails).
 */
@Timeout(120)
class MemoryPressureTest {
    private static final int SUBSCRIBERS = 2000;
    private static final int EVENTS = 1000;
    private static final int PAYLOAD = 60 * 1024;

    @TempDir
    Path dir;

    private Process server;
    private final List<SocketChannel> subscribers = new ArrayList<>();
    private SwitchboardClient publisher;

    @AfterEach
    void stop() throws Exception {
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
    @ValueSource(strings = {"drop", "disconnect"})
    void slowConsumersAreShedWithoutRunningOutOfDirectMemory(String policy) throws Exception {
        Path addresses = dir.resolve("addresses");
        Path log = dir.resolve("server.log");
        server = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxDirectMemorySize=32m", "-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                ServerMain.class.getName(),
                "--bind", "127.0.0.1", "--framed-port", "0", "--http-port", "0", "--echo-port", "off",
                "--udp-port", "off", "--io-threads", "2", "--address-file", addresses.toString(),
                "--slow-consumer", policy, "--send-buffer", "16k", "--drain-timeout", "1s",
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

        byte[] hello = encode(new Hello(1, Wire.PROTOCOL_VERSION, "deaf", ""));
        byte[] join = encode(new Join(2, 0, "pressure"));
        for (int i = 0; i < SUBSCRIBERS; i++) {
            SocketChannel s = SocketChannel.open();
            subscribers.add(s);
            s.setOption(StandardSocketOptions.SO_RCVBUF, 2048);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), framed));
            s.write(ByteBuffer.wrap(hello));
            s.write(ByteBuffer.wrap(join));
            // and never reads
        }
        HttpClient httpClient = HttpClient.newHttpClient();
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
                    + quietly(() -> metric(httpClient, http, "switchboard_connections_open{listener=\"framed\"}")),
                    Await.TIMEOUT, () -> "0".equals(metric(httpClient, http, "switchboard_room_members"))
                            && "1".equals(metric(httpClient, http, "switchboard_connections_open{listener=\"framed\"}")));
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
