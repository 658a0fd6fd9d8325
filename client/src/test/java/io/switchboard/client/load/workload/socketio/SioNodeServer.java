package io.switchboard.client.load.workload.socketio;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.testing.NodeProject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The reference Node socket.io 4.8 server of {@code src/test/node/socketio-server} (pinned by its
 * package-lock.json), installed with {@code npm ci} into {@code target/socketio-server-node} once
 * per lock file, started on a free loopback port and stopped on {@link #close()}. Without node and
 * npm the test is skipped (failed under CI: {@link RequiredTool}).
 */
final class SioNodeServer implements AutoCloseable {
    private static final Path SOURCE = Paths.get("src", "test", "node", "socketio-server");

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    final int port;

    private SioNodeServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code server.mjs} for {@code namespace}, with {@code token} required at CONNECT when not empty. */
    static SioNodeServer start(String namespace, String token) throws Exception {
        return start(namespace, token, 25_000);
    }

    /** Like {@link #start(String, String)}, the server pinging every {@code pingIntervalMillis}. */
    static SioNodeServer start(String namespace, String token, int pingIntervalMillis) throws Exception {
        Path work = prepare();
        ProcessBuilder pb = new ProcessBuilder("node", "server.mjs", "0", namespace).directory(work.toFile())
                .redirectErrorStream(true);
        pb.environment().put("SIO_TOKEN", token);
        pb.environment().put("SIO_PING_INTERVAL", Integer.toString(pingIntervalMillis));
        Process p = pb.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return in.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new AssertionError("the Node socket.io server did not start within 30 s", e);
        }
        if (line == null || !line.startsWith("{")) {
            p.destroyForcibly();
            fail("the Node socket.io server did not start: " + line);
        }
        int port = new ObjectMapper().readTree(line).path("port").asInt();
        SioNodeServer server = new SioNodeServer(p, port);
        Thread drain = new Thread(() -> {
            try {
                for (String l; (l = in.readLine()) != null; ) {
                    server.output.append(l).append('\n');
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "node-socketio-output");
        drain.setDaemon(true);
        drain.start();
        return server;
    }

    String output() {
        return output.toString();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static synchronized Path prepare() throws Exception {
        NodeProject.requireNode("the Node socket.io server");
        Path work = NodeProject.install(SOURCE, Paths.get("target", "socketio-server-node").toAbsolutePath(),
                List.of("package.json", "package-lock.json", "server.mjs"));
        assertTrue(Files.isDirectory(work.resolve("node_modules").resolve("socket.io")));
        return work;
    }

}
