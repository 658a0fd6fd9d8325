package io.switchboard.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An open-loop stage that falls far short of its target rate fails by default: against a server
 * that accepts and never answers, 0% of the rate is achieved, and the default check
 * {@code main: achieved >= 90%} fails the run (exit 1), unless it is turned off or lowered.
 */
@Timeout(60)
class AchievedRateCheckTest {
    private ServerSocket silent;
    private final List<Socket> held = new ArrayList<>();
    private Thread acceptor;

    @BeforeEach
    void startSilentServer() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            try {
                while (true) {
                    Socket s = silent.accept();
                    synchronized (held) {
                        held.add(s);
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "silent-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void stopSilentServer() throws Exception {
        silent.close();
        acceptor.join(5_000);
        synchronized (held) {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private String target() {
        return "127.0.0.1:" + silent.getLocalPort();
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code = LoadCommand.run(LoadCommand.parse(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintWriter(err, true));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    private static String[] transportFlags(TransportUnderTest t) {
        return t.epollMode == null ? new String[] {"--transport", t.choice.id()}
                : new String[] {"--transport", t.choice.id(), "--epoll-mode", t.epollMode.id()};
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aRunFarBelowItsTargetRateFailsByDefault(TransportUnderTest t) {
        t.config();
        Result r = run(concat(transportFlags(t), "--target", target(), "-c", "2", "--rate", "200", "-d", "500ms",
                "--timeout", "10s", "-q"));
        assertEquals(1, r.code, r.out + r.err);
        assertTrue(r.out.matches("(?s).*FAIL\\s+main\\s+achieved >= 90%\\s+actual 0\\.00%.*"), r.out);
        assertTrue(r.out.contains("Result: FAIL"), r.out);
        assertTrue(r.out.contains("held back by free connection slots, not by the tool"), r.out);
        assertFalse(r.out.contains("the load tool, not the server, limited this stage"), r.out);
    }

    @Test
    void theDefaultCheckCanBeLoweredOrTurnedOff(@TempDir Path dir) throws Exception {
        Result off = run("--transport", "nio", "--target", target(), "-c", "2", "--rate", "200", "-d", "300ms",
                "--timeout", "10s", "--min-achieved", "off", "-q");
        assertEquals(0, off.code, off.out + off.err);
        assertTrue(off.out.contains("Checks: none"), off.out);
        Path scenario = dir.resolve("s.yaml");
        Files.writeString(scenario, """
                defaults: {protocol: raw, target: %s, connections: 2, rate: 200, duration: 300ms, timeout: 10s}
                stages:
                  - name: lenient
                    min_achieved: 0%%
                  - name: strict
                    min_achieved: 50%%
                """.formatted(target()));
        Result staged = run("--transport", "nio", "--scenario", scenario.toString(), "-q");
        assertEquals(1, staged.code, staged.out + staged.err);
        assertTrue(staged.out.matches("(?s).*FAIL\\s+strict\\s+achieved >= 50%.*"), staged.out);
        assertFalse(staged.out.contains("lenient  achieved"), staged.out);
    }

    @Test
    void theFlagAndTheKeyTakeAPercentage() {
        assertEquals(LoadSettings.DEFAULT_MIN_ACHIEVED, LoadCommand.parse().stages().get(0).minAchieved());
        assertEquals(99.5, LoadCommand.parse("--min-achieved", "99.5%").stages().get(0).minAchieved());
        assertEquals(0, LoadCommand.parse("--min-achieved", "off").stages().get(0).minAchieved());
        StringWriter err = new StringWriter();
        assertEquals(2, ClientMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true),
                "load", "--min-achieved", "90"));
        assertTrue(err.toString().contains("min-achieved: 90 (expected: a percentage of the target rate"), err.toString());
    }
}
