package io.switchboard.server.lifecycle;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.Epoll;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.server.Listener;
import io.switchboard.server.limits.RawFramedClient;
import io.switchboard.testing.RequiredTool;
import io.switchboard.testing.TransportUnderTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Socket activation end to end: {@code systemd-socket-activate} binds a port and, on the first
 * connection, execs a child JVM ({@link ActivatedServerMain}) with {@code LISTEN_FDS=1},
 * {@code LISTEN_PID} = the child's pid and optionally {@code LISTEN_FDNAMES=framed}; the child
 * must serve that very connection on the passed socket. Plus the environment's parsing rules.
 */
@Timeout(120)
class SocketActivationTest {
    private static final Path ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void childServesTheSocketItWasPassed(boolean named) throws Exception {
        assumeTrue(Epoll.isAvailable(), "needs epoll");
        RequiredTool.require(Files.isExecutable(ACTIVATE), "needs systemd-socket-activate (Debian package systemd)");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(ACTIVATE.toString(), "-l", "127.0.0.1:" + port));
        if (named) {
            command.add("--fdname=framed");
        }
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"),
                ActivatedServerMain.class.getName(), Integer.toString(port)));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuilder transcript = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), ISO_8859_1))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // child gone
            }
        }, "child-output");
        reader.start();
        try {
            await(child, lines, transcript, "Listening on 127.0.0.1:" + port);
            // This connection wakes the activator, which execs the JVM; it waits in the backlog.
            try (RawFramedClient client = new RawFramedClient(TransportUnderTest.EPOLL_EDGE.config(),
                    new InetSocketAddress("127.0.0.1", port))) {
                String serving = await(child, lines, transcript, "SERVING ");
                Map<String, String> facts = new java.util.HashMap<>();
                for (String field : serving.substring("SERVING ".length()).split(" ")) {
                    facts.put(field.substring(0, field.indexOf('=')), field.substring(field.indexOf('=') + 1));
                }
                assertEquals(facts.get("pid"), facts.get("LISTEN_PID"), "LISTEN_PID is not the child's pid");
                assertEquals(Integer.toString(port), facts.get("port"));
                assertTrue(transcript.toString().contains("socket from systemd fd 3"), transcript.toString());
                assertInstanceOf(Welcome.class, client.hello());
                client.send(PayloadFrame.of(Opcode.ECHO, 2, Unpooled.copiedBuffer("activated", ISO_8859_1)));
                RawFramedClient.Payload reply = assertInstanceOf(RawFramedClient.Payload.class, client.next());
                assertArrayEquals("activated".getBytes(ISO_8859_1), reply.bytes());
            }
            child.getOutputStream().close();
            await(child, lines, transcript, "STOPPED");
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not exit");
            assertEquals(0, child.exitValue(), transcript.toString());
        } finally {
            child.destroyForcibly();
            reader.join(10_000);
        }
    }

    /** Waits up to 60 s (a JVM start on a busy machine) for a line starting with or holding {@code text}. */
    private static String await(Process child, BlockingQueue<String> lines, StringBuilder transcript, String text)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                boolean gone = !child.isAlive() && lines.isEmpty();
                assertTrue(!gone && System.nanoTime() < deadline, "no '" + text + "' from the child"
                        + (gone ? " (it exited with " + child.exitValue() + ")" : "") + "; it said:\n" + transcript);
                continue;
            }
            transcript.append(line).append('\n');
            if (line.contains(text)) {
                return line.substring(line.indexOf(text));
            }
        }
    }

    @Test
    void variablesForAnotherProcessAreIgnored() throws Exception {
        long pid = ProcessHandle.current().pid();
        assertFalse(SocketActivation.fromEnvironment(Map.of(), pid).active());
        assertFalse(SocketActivation.fromEnvironment(Map.of("LISTEN_FDS", "2", "LISTEN_PID", Long.toString(pid + 1)), pid)
                .active());
    }

    @Test
    void malformedVariablesAreOneClearError() {
        long pid = ProcessHandle.current().pid();
        String self = Long.toString(pid);
        IOException badPid = assertThrows(IOException.class,
                () -> SocketActivation.fromEnvironment(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "x"), pid));
        assertEquals("LISTEN_PID: 'x' (expected: the process id the sockets are for)", badPid.getMessage());
        IOException badCount = assertThrows(IOException.class,
                () -> SocketActivation.fromEnvironment(Map.of("LISTEN_FDS", "many", "LISTEN_PID", self), pid));
        assertEquals("LISTEN_FDS: 'many' (expected: 0..1024)", badCount.getMessage());
        IOException badNames = assertThrows(IOException.class, () -> SocketActivation.fromEnvironment(
                Map.of("LISTEN_FDS", "2", "LISTEN_PID", self, "LISTEN_FDNAMES", "framed"), pid));
        assertEquals("LISTEN_FDNAMES: 'framed' names 1 sockets (expected: 2, one per LISTEN_FDS)", badNames.getMessage());
    }

    @Test
    void listenerNamesAreTheListenerIds() {
        for (Listener l : Listener.values()) {
            assertEquals(l.id(), l.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
