package io.switchboard.server.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import io.switchboard.testing.Await;
import io.switchboard.testing.RequiredTool;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} per test, on a free loopback port with persistence off, that a
 * test can {@link #stop()} and {@link #start()} again on the same port (empty, as a restarted
 * Redis without persistence is). Register with
 * {@code @RegisterExtension final RedisServerExtension redis = new RedisServerExtension();}.
 * Skipped where redis-server is not installed, except under CI ({@code CI=true}), where that
 * fails: {@code .ci/deps/redis.sh} installs it.
 */
public final class RedisServerExtension implements BeforeEachCallback, AfterEachCallback {
    private static final String BINARY = System.getenv().getOrDefault("REDIS_SERVER", "redis-server");

    private int port;
    private Process process;
    private Path log;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        String path = findBinary();
        if (path == null) {
            RequiredTool.require(false, BINARY + " is not installed (run .ci/deps/redis.sh)");
        }
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        log = Files.createTempFile("redis-" + port + "-", ".log");
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        stop();
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    private static String findBinary() {
        if (BINARY.contains("/")) {
            return Files.isExecutable(Path.of(BINARY)) ? BINARY : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, BINARY);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        Path debian = Path.of("/usr/bin", BINARY);
        return Files.isExecutable(debian) ? debian.toString() : null;
    }

    /** Starts redis-server (again) on this extension's port and waits until it answers PING. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("redis-server is already running on " + port);
        }
        process = new ProcessBuilder(List.of(findBinary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
                "--loglevel", "warning"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        // A process starting: nothing to wait on but its port.
        Await.until(() -> "redis-server to answer PING on port " + port + ": " + logText(), Duration.ofSeconds(10),
                () -> {
                    if (!process.isAlive()) {
                        fail("redis-server exited with " + process.exitValue() + ": " + logText());
                    }
                    return answersPing();
                });
    }

    private String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Stops redis-server (SIGTERM; it keeps nothing, persistence being off) and waits for it to exit. */
    public synchronized void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    /** The URI a node joins the cluster with. */
    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }
}
