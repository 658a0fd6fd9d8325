package io.switchboard.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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
    void badValuesAreUsageErrorsNamingTheValue() {
        assertEquals(2, run("--transport", "carrier-pigeon").code);
        assertTrue(run("--transport", "carrier-pigeon").err.contains("carrier-pigeon (expected: auto, epoll, kqueue or nio)"));
        assertTrue(run("--framed-port", "65536").err.contains("'65536' (expected: 0..65535"));
        assertTrue(run("--epoll-mode", "sideways").err.contains("epoll mode: sideways (expected: edge or level)"));
        assertThrows(IllegalArgumentException.class, () -> ServerMain.parse("--max-frame-length", "1"));
        Result r = run("--io-threads", "-4");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("io threads: -4"), r.err);
    }

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ServerMain());
        cli.setErr(new PrintWriter(err));
        PrintStream savedErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            int code = cli.execute(args);
            return new Result(code, err + captured.toString());
        } finally {
            System.setErr(savedErr);
        }
    }

    private static final class Result {
        final int code;
        final String err;

        Result(int code, String err) {
            this.code = code;
            this.err = err;
        }
    }
}
