package io.switchboard.server.launch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line parses into a configuration without starting anything. */
class ServerMainTest {
    @Test
    void defaults() {
        ServerConfig config = ServerMain.parse();
        assertEquals("0.0.0.0", config.bindAddress().getHostAddress());
        assertEquals(7000, config.port(Listener.FRAMED));
        assertEquals(7001, config.port(Listener.ECHO));
        assertEquals(TransportChoice.AUTO, config.transport());
        assertNull(config.epollMode());
        assertEquals(0, config.ioThreads());
        assertEquals(1 << 20, config.maxFrameLength());
        assertEquals(Duration.ofSeconds(60), config.idleTimeout());
    }

    @Test
    void everyFlag() {
        ServerConfig config = ServerMain.parse("--bind", "127.0.0.1", "--framed-port", "0", "--echo-port", "off",
                "--transport", "EPOLL", "--epoll-mode", "level", "--io-threads", "3", "--max-frame-length", "4096",
                "--idle-timeout", "0");
        assertEquals("127.0.0.1", config.bindAddress().getHostAddress());
        assertEquals(0, config.port(Listener.FRAMED));
        assertEquals(ServerConfig.DISABLED, config.port(Listener.ECHO));
        assertEquals(TransportChoice.EPOLL, config.transport());
        assertEquals(EpollMode.LEVEL, config.epollMode());
        assertEquals(3, config.ioThreads());
        assertEquals(4096, config.maxFrameLength());
        assertEquals(Duration.ZERO, config.idleTimeout());
    }

    @Test
    void badValuesAreOneLineUsageErrorsNamingKeyValueAndExpectation() {
        Result transport = run("--transport", "carrier-pigeon");
        assertEquals(2, transport.code);
        assertEquals("switchboard-server: transport.type: carrier-pigeon (expected: auto, epoll, kqueue or nio)"
                + " [from --transport]\n", transport.err);
        assertEquals("", transport.out);
        assertTrue(run("--framed-port", "65536").err.contains(
                "listeners.framed.port: 65536 (expected: 0..65535, 0 for an ephemeral port, or off)"));
        assertTrue(run("--epoll-mode", "sideways").err.contains("transport.epoll-mode: sideways (expected: edge or level)"));
        assertThrows(IllegalArgumentException.class, () -> ServerMain.parse("--max-frame-length", "1"));
        Result r = run("--io-threads", "-4");
        assertEquals(2, r.code);
        assertEquals("switchboard-server: transport.io-threads: -4 (expected: 0..1024) [from --io-threads]\n", r.err);
    }

    @Test
    void epollModeWithAnotherForcedTransportIsAConfigurationErrorNamingBothKeys(@TempDir Path dir) throws Exception {
        Result r = run("--epoll-mode", "edge", "--transport", "nio", "--framed-port", "0", "--echo-port", "0",
                "--udp-port", "0", "--http-port", "0");
        assertEquals(2, r.code, r.err);
        assertEquals("switchboard-server: transport.epoll-mode: edge (expected: unset unless transport.type is epoll"
                + " or auto; transport.type is nio [from --transport]) [from --epoll-mode]\n", r.err);
        // From the environment and a file too; the keys are named whatever the source.
        Path file = Files.writeString(dir.resolve("sb.yaml"), "transport:\n  type: kqueue\n");
        Result mixed = run(Map.of("SWITCHBOARD_TRANSPORT_EPOLL_MODE", "level"), "--config", file.toString(),
                "--print-config");
        assertEquals(2, mixed.code, mixed.err);
        assertTrue(mixed.err.contains("transport.epoll-mode: level") && mixed.err.contains("transport.type is kqueue"),
                mixed.err);
        // With epoll or auto it is not refused here (auto is decided at start-up).
        assertEquals(0, run("--epoll-mode", "level", "--transport", "epoll", "--print-config").code);
        assertEquals(0, run("--epoll-mode", "level", "--print-config").code);
    }

    @Test
    void unknownOptionsSuggestTheNearestAndMissingValuesSayWhich() {
        Result typo = run("--framd-port", "7000");
        assertEquals(2, typo.code);
        assertEquals("switchboard-server: unknown option --framd-port (did you mean --framed-port?) (see --help)\n",
                typo.err);
        Result missing = run("--framed-port");
        assertEquals(2, missing.code);
        assertTrue(missing.err.startsWith("switchboard-server: ") && missing.err.contains("--framed-port")
                && missing.err.indexOf('\n') == missing.err.length() - 1, missing.err);
    }

    @Test
    void helpListsEveryFlagAndVersionPrintsIt() {
        Result help = run("--help");
        assertEquals(0, help.code);
        for (String flag : new String[] {"--config", "--print-config", "--log-format", "--framed-port", "--bind",
                "--leak-detection", "SWITCHBOARD_LISTENERS_FRAMED_PORT"}) {
            assertTrue(help.out.contains(flag), flag);
        }
        Result version = run("-V");
        assertEquals(0, version.code);
        assertTrue(version.out.startsWith("switchboard-server "), version.out);
    }

    @Test
    void configFileComesFromFlagOrEnvironment(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("sb.yaml"), "listeners:\n  framed:\n    port: 7100\n");
        assertEquals(7100, ServerMain.parse("--config", file.toString()).port(Listener.FRAMED));
        Result fromEnv = run(Map.of("SWITCHBOARD_CONFIG", file.toString()), "--print-config");
        assertEquals(0, fromEnv.code, fromEnv.err);
        assertTrue(fromEnv.out.contains("port: 7100"), fromEnv.out);
        Result missing = run("--config", dir.resolve("nope.yaml").toString());
        assertEquals(2, missing.code);
        assertEquals("switchboard-server: config file " + dir.resolve("nope.yaml") + ": not found\n", missing.err);
        assertThrows(ConfigException.class, () -> ServerMain.parse("--config", dir.resolve("nope.yaml").toString()));
    }

    private static Result run(String... args) {
        return run(Map.of(), args);
    }

    private static Result run(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ServerMain.run(env, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8), args);
        return new Result(code, out.toString(UTF_8), err.toString(UTF_8));
    }

    private static final class Result {
        final int code;
        final String out;
        final String err;

        Result(int code, String out, String err) {
            this.code = code;
            this.out = out;
            this.err = err;
        }
    }
}
