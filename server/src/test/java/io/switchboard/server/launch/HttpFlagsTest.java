package io.switchboard.server.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP listener's flags parse into the configuration. */
class HttpFlagsTest {
    @Test
    void defaults() {
        ServerConfig config = ServerMain.parse();
        assertEquals(8080, config.port(Listener.HTTP));
        assertNull(config.staticRoot());
        assertEquals(8192, config.httpMaxInitialLine());
        assertEquals(16 * 1024, config.httpMaxHeaderBytes());
        assertEquals(1 << 20, config.httpMaxBodyBytes());
        assertEquals(Duration.ofSeconds(30), config.httpIdleTimeout());
        assertTrue(config.httpZeroCopy());
    }

    @Test
    void everyFlag(@TempDir Path root) {
        ServerConfig config = ServerMain.parse("--http-port", "0", "--static-root", root.toString(),
                "--http-max-initial-line", "1024", "--http-max-header", "2048", "--http-max-body", "4096",
                "--http-idle-timeout", "5", "--http-zero-copy", "false");
        assertEquals(0, config.port(Listener.HTTP));
        assertEquals(root, config.staticRoot());
        assertEquals(1024, config.httpMaxInitialLine());
        assertEquals(2048, config.httpMaxHeaderBytes());
        assertEquals(4096, config.httpMaxBodyBytes());
        assertEquals(Duration.ofSeconds(5), config.httpIdleTimeout());
        assertFalse(config.httpZeroCopy());
        assertFalse(ServerMain.parse("--http-port", "off").enabled(Listener.HTTP));
    }

    @Test
    void badValuesNameTheValue(@TempDir Path dir) {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ServerMain.parse("--static-root", dir.resolve("nope").toString()));
        assertTrue(missing.getMessage().startsWith("http.static-root: ")
                && missing.getMessage().contains("(expected: an existing directory) [from --static-root]"),
                missing.getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> ServerMain.parse("--http-max-header", "10"))
                .getMessage().contains("http.max-header: 10 (expected: 256.."));
        assertTrue(assertThrows(ConfigException.class, () -> ServerMain.parse("--http-idle-timeout", "0"))
                .getMessage().contains("http.idle-timeout: 0 (expected:"));
        assertTrue(assertThrows(ConfigException.class, () -> ServerMain.parse("--http-port", "http"))
                .getMessage().startsWith("listeners.http.port: http (expected:"));
        assertTrue(assertThrows(ConfigException.class, () -> ServerMain.parse("--http-zero-copy", "maybe"))
                .getMessage().startsWith("http.zero-copy: maybe (expected: true or false)"));
    }
}
