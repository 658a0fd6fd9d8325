package io.switchboard.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/** {@code switchboard-client echo --udp} against a real server and against a silent UDP port. */
class UdpEchoCommandTest {
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
    void parsesWithUdpOnPort7002() {
        EchoCommand echo = new EchoCommand();
        new CommandLine(echo).parseArgs("--udp", "--count", "2", "hi");
        assertTrue(echo.udp);
        assertFalse(echo.raw);
        assertEquals(7002, echo.port());
        assertEquals(2, echo.count);
        EchoCommand explicit = new EchoCommand();
        new CommandLine(explicit).parseArgs("--udp", "--port", "9999", "hi");
        assertEquals(9999, explicit.port());
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL", "NIO"})
    void printsEachReply(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        String port = String.valueOf(server.address(Listener.UDP).getPort());
        Run echo = new Run(transportArgs(transport, "echo", "--udp", "--port", port, "--count", "3", "héllo"));
        assertEquals(0, echo.code, echo.err);
        assertEquals("", echo.err);
        String line = "udp echo from 127\\.0\\.0\\.1:" + port + " seq=%d bytes=6 time=\\d+\\.\\d{3} ms: héllo\n";
        assertTrue(echo.out.matches(String.format(line + line + line, 1, 2, 3)), echo.out);
    }

    @Test
    void aLargeDatagramComesBackWhole() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        String text = "x".repeat(UdpEchoConnection.MAX_DATAGRAM);
        Run echo = new Run("echo", "--udp", "--port", String.valueOf(server.address(Listener.UDP).getPort()), text);
        assertEquals(0, echo.code, echo.err);
        assertTrue(echo.out.contains(" bytes=65507 time="), echo.out.substring(0, 80));
    }

    @Test
    void noReplyIsAnErrorWithExitCodeOne() throws Exception {
        // A bound socket that never answers: no ICMP error either, just silence.
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            String port = String.valueOf(silent.getLocalPort());
            Run echo = assertTimeoutPreemptively(Duration.ofSeconds(10),
                    () -> new Run("echo", "--udp", "--port", port, "--timeout", "300", "--count", "2", "anyone?"));
            assertEquals(1, echo.code);
            assertEquals("", echo.out);
            assertEquals("udp echo failed: seq=1 to 127.0.0.1:" + port + ": no reply within 300 ms\n", echo.err);
        }
    }

    @Test
    void udpAndRawTogetherIsAUsageError() {
        Run both = new Run("echo", "--udp", "--raw", "hi");
        assertEquals(2, both.code);
        assertTrue(both.err.contains("--raw and --udp are mutually exclusive"), both.err);
        Run empty = new Run("echo", "--udp", "");
        assertEquals(2, empty.code);
        assertTrue(empty.err.contains("expected: 1 to 65507 with --udp"), empty.err);
    }

    private static String[] transportArgs(TransportUnderTest transport, String... args) {
        transport.config(); // skips where unavailable
        String[] withTransport = new String[args.length + (transport.epollMode == null ? 2 : 4)];
        System.arraycopy(args, 0, withTransport, 0, args.length);
        withTransport[args.length] = "--transport";
        withTransport[args.length + 1] = transport.choice.name().toLowerCase(java.util.Locale.ROOT);
        if (transport.epollMode != null) {
            withTransport[args.length + 2] = "--epoll-mode";
            withTransport[args.length + 3] = transport.epollMode.id();
        }
        return withTransport;
    }
}
