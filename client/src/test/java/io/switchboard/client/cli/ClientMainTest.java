package io.switchboard.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

class ClientMainTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static final class Run {
        final int code;
        final String out;
        final String err;

        Run(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            this.code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
            this.out = out.toString();
            this.err = err.toString();
        }
    }

    @Test
    void parsesWithoutANetwork() {
        EchoCommand echo = new EchoCommand();
        new CommandLine(echo).parseArgs("--raw", "--host", "::1", "--transport", "epoll", "--epoll-mode", "level",
                "--count", "3", "hi");
        assertTrue(echo.raw);
        assertEquals(7001, echo.port());
        assertEquals(TransportChoice.EPOLL, echo.connection.transport);
        assertEquals(EpollMode.LEVEL, echo.connection.epollMode);
        assertEquals(3, echo.count);
        assertEquals("hi", echo.text);
        PingCommand ping = new PingCommand();
        new CommandLine(ping).parseArgs();
        assertEquals(7000, ping.options().port());
        assertEquals("127.0.0.1", ping.options().host());
    }

    @Test
    void pingAndEchoPrintEachReply() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        String framed = String.valueOf(server.address(Listener.FRAMED).getPort());
        String raw = String.valueOf(server.address(Listener.ECHO).getPort());
        Run ping = new Run("ping", "--port", framed, "--count", "2");
        assertEquals(0, ping.code, ping.err);
        assertTrue(ping.out.matches("(?s)PONG from 127\\.0\\.0\\.1:\\d+ seq=1 time=\\d+\\.\\d{3} ms\n"
                + "PONG from 127\\.0\\.0\\.1:\\d+ seq=2 time=\\d+\\.\\d{3} ms\n"), ping.out);
        Run echo = new Run("echo", "--port", framed, "héllo");
        assertEquals(0, echo.code, echo.err);
        assertTrue(echo.out.matches("ECHO_REPLY from 127\\.0\\.0\\.1:\\d+ seq=1 bytes=6 time=\\d+\\.\\d{3} ms: héllo\n"),
                echo.out);
        Run rawEcho = new Run("echo", "--raw", "--port", raw, "--count", "2", "raw bytes");
        assertEquals(0, rawEcho.code, rawEcho.err);
        assertEquals(2, rawEcho.out.split("\n").length);
        assertTrue(rawEcho.out.startsWith("raw echo from 127.0.0.1:" + raw + " seq=1 bytes=9 time="), rawEcho.out);
    }

    @Test
    void serverErrorsArePrintedAsTheyAreWithANonZeroExit() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO, b -> b.maxFrameLength(64));
        Run echo = new Run("echo", "--port", String.valueOf(server.address(Listener.FRAMED).getPort()), "x".repeat(100));
        assertEquals(1, echo.code);
        assertEquals("echo failed: ERROR 100 FRAME_TOO_LARGE: frame length 106 exceeds the maximum of 64\n", echo.err);
    }

    @Test
    void usageErrorsExitWithTwo() {
        Run r = new Run("ping", "--transport", "smoke-signals");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("smoke-signals (expected: auto, epoll, kqueue or nio)"), r.err);
        assertEquals(2, new Run().code);
        Run refused = new Run("ping", "--port", "1");
        assertEquals(1, refused.code);
        assertTrue(refused.err.startsWith("ping failed: cannot connect to 127.0.0.1:1"), refused.err);
    }

    /**
     * An epoll mode with a transport that is not epoll is a configuration error known before
     * anything starts: exit 2 and one line naming the flags, for every command (nothing listens
     * on port 1, so a command that got as far as connecting would exit 1).
     */
    @Test
    void anEpollModeWithAnotherTransportIsAUsageError() {
        String[][] commands = {
            {"ping"}, {"echo", "hi"}, {"echo", "--raw", "hi"}, {"echo", "--udp", "hi"},
            {"publish", "--room", "r", "--data", "x"}, {"subscribe", "--room", "r"}, {"chat", "--name", "a"},
            {"send", "--session", "1", "--event", "e", "--data", "x"}, {"broadcast", "--event", "e", "--data", "x"},
            {"emit", "--session", "1", "--event", "e", "--data", "x", "--ack"}, {"members", "--room", "r"},
        };
        for (String transport : new String[] {"nio", "kqueue"}) {
            for (String[] command : commands) {
                String[] args = java.util.Arrays.copyOf(command, command.length + 6);
                System.arraycopy(new String[] {"--port", "1", "--transport", transport, "--epoll-mode", "edge"}, 0,
                        args, command.length, 6);
                Run r = new Run(args);
                assertEquals(2, r.code, String.join(" ", args) + ": " + r.err);
                assertEquals("--epoll-mode edge: only with --transport epoll or auto (the transport is " + transport
                        + ")\n", r.err, String.join(" ", args));
            }
        }
        Run load = new Run("load", "--protocol", "framed", "--target", "127.0.0.1:1", "--transport", "nio",
                "--epoll-mode", "edge", "-d", "1s");
        assertEquals(2, load.code, load.err);
        assertTrue(load.err.contains("--epoll-mode edge: only with --transport epoll or auto (the transport is nio)"),
                load.err);
    }
}
