package io.switchboard.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code listeners.address-file}: once every listener is bound the server writes where each one
 * really is (ephemeral ports resolved), a health check can connect to what it reads, and the
 * file is gone at shutdown; a file left from before is never taken for this server's.
 */
class AddressFileTest {
    @Test
    void listsTheBoundListenersAndIsRemovedAtShutdown(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run/switchboard/listeners");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "http 127.0.0.1 1 plain\n"); // left by a killed server
        TransportUnderTest.NIO.config();
        ServerConfig.Builder builder = ServerConfig.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .transport(TransportUnderTest.NIO.choice)
                .ioThreads(1)
                .addressFile(file);
        for (Listener listener : Listener.values()) {
            builder.port(listener, 0);
        }
        builder.port(Listener.ECHO, ServerConfig.DISABLED); // off: no line for it
        Server server = Server.start(builder.build());
        try {
            List<String> lines = Files.readAllLines(file);
            assertTrue(lines.get(0).startsWith("#"), lines.toString());
            assertEquals(List.of(
                    "framed 127.0.0.1 " + server.address(Listener.FRAMED).getPort() + " plain",
                    "udp 127.0.0.1 " + server.address(Listener.UDP).getPort() + " plain",
                    "http 127.0.0.1 " + server.address(Listener.HTTP).getPort() + " plain"),
                    lines.subList(1, lines.size()));
            // What a health check does with it: the http line's address and port answer.
            String[] http = lines.get(3).split(" ");
            try (Socket socket = new Socket(http[1], Integer.parseInt(http[2]))) {
                assertTrue(socket.isConnected());
            }
        } finally {
            server.close();
        }
        assertFalse(Files.exists(file), "removed at shutdown");
    }

    @Test
    void aFileThatCannotBeWrittenIsAWarningNotAFailure(@TempDir Path dir) throws Exception {
        Path blocker = Files.writeString(dir.resolve("not-a-dir"), "x");
        AddressFile.write(blocker.resolve("listeners"), java.util.Map.of());
        assertFalse(Files.exists(blocker.resolve("listeners")));
    }
}
