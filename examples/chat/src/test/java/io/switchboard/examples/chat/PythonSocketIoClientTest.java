package io.switchboard.examples.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The chat example against python-socketio 5, the tutorial's own library (Debian's
 * {@code python3-socketio}, run with {@code /usr/bin/python3}; installed by
 * {@code .ci/deps/python-socketio.sh}): {@code src/test/python/chat_clients.py} connects a client
 * over polling, one over WebSocket and one upgraded from polling, and checks addChat, message and
 * sendMessage. Skipped when /usr/bin/python3 lacks the library, except under CI=true, where that
 * fails.
 */
class PythonSocketIoClientTest {
    /** Debian's interpreter, which sees Debian's python3-* packages ({@code -Dchat.python=...} to use another). */
    private static final Path PYTHON = Path.of(System.getProperty("chat.python", "/usr/bin/python3"));
    private static final Path SCRIPT = Path.of("src/test/python/chat_clients.py").toAbsolutePath();

    @Test
    void pythonSocketIoClientsChatOverPollingWebSocketAndUpgrade() throws Exception {
        requirePythonSocketIo();
        // The configuration as the example's command line would give it (ServerMain.config).
        try (Server server = ChatApp.start(ServerMain.config(Map.of(), Map.of(), "--bind", "127.0.0.1",
                "--http-port", "0", "--framed-port", "off", "--echo-port", "off", "--udp-port", "off",
                "--io-threads", "2"))) {
            String url = "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();
            Result r = run(List.of(PYTHON.toString(), SCRIPT.toString(), url), 120);
            assertEquals(0, r.exit, "chat_clients.py failed:\n" + r.output);
            assertTrue(r.output.contains("ok   C was upgraded to websocket"), r.output);
            assertTrue(r.output.strip().endsWith("PASS"), r.output);
            // The clients disconnected at the end: the server saw every one go.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!server.socketIo().sockets().localSockets().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), server.socketIo().sockets().localSockets());
        }
    }

    private static void requirePythonSocketIo() throws Exception {
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        String why = null;
        if (!Files.isExecutable(PYTHON)) {
            why = PYTHON + " is missing";
        } else {
            Result probe = run(List.of(PYTHON.toString(), "-c", "import socketio, websocket, requests"), 60);
            if (probe.exit != 0) {
                why = PYTHON + " lacks python-socketio, websocket-client or requests: " + probe.output.strip();
            }
        }
        if (why != null) {
            String message = why + " (bash .ci/deps/python-socketio.sh installs them)";
            assertTrue(!ci, message);
            Assumptions.abort(message);
        }
    }

    private record Result(int exit, String output) {
    }

    /** Runs a command with its output collected; kills it after {@code seconds}. */
    private static Result run(List<String> command, long seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the process was killed
            }
        }, "python-output");
        reader.start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
            return new Result(-1, "(killed after " + seconds + " s)\n" + out.toString(StandardCharsets.UTF_8));
        }
        reader.join(5000);
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
}
