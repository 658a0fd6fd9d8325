package io.switchboard.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.cli.LoadCommand.LoadOptions;
import io.switchboard.client.load.Arrivals;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.tls.TestCertificates;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code load} flags parse into options without a network; exit codes against a real server. */
@Timeout(60)
class LoadCommandTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @Test
    void defaults() {
        LoadOptions o = LoadCommand.parse();
        LoadSettings s = o.stages().get(0);
        assertEquals(Protocol.RAW, s.protocol());
        assertEquals("127.0.0.1:7001", s.target());
        assertEquals(50, s.connections());
        assertEquals(1, s.pipeline());
        assertEquals(0, s.rate());
        assertEquals(Duration.ofSeconds(10), s.duration());
        assertEquals(PayloadSpec.fixed(64), s.payload());
        assertEquals(Duration.ofSeconds(5), s.timeout());
        assertEquals(TransportChoice.AUTO, s.transport());
        assertEquals(List.of(), o.checks());
        assertTrue(!o.findMaxRate() && o.json() == null);
    }

    @Test
    void everyFlag() {
        LoadOptions o = LoadCommand.parse("--protocol", "http", "--target", "http://127.0.0.1:9/x?y=1", "-c", "7",
                "--pipeline", "3", "--threads", "2", "--rate", "5000", "--rate-from", "100", "--rate-ramp", "2s",
                "--arrivals", "poisson", "--seed", "9", "--duration", "1500ms", "--requests", "77", "--warmup", "1s",
                "--ramp-up", "250ms", "--payload", "16-1k", "--timeout", "2s", "--transport", "epoll",
                "--epoll-mode", "level", "--source", "127.0.0.2", "--source", "127.0.0.3", "--method", "post",
                "-H", "X-A: 1", "--opt", "k=v", "--check", "p99 < 5ms", "--check", "errors == 0",
                "--json", "r.json", "--hdr", "r.hgrm", "--html", "r.html", "-q");
        LoadSettings s = o.stages().get(0);
        assertEquals(Protocol.HTTP, s.protocol());
        assertEquals("http://127.0.0.1:9/x?y=1", s.target());
        assertEquals(7, s.connections());
        assertEquals(3, s.pipeline());
        assertEquals(2, s.threads());
        assertEquals(5000, s.rate());
        assertEquals(100, s.rateFrom());
        assertEquals(Duration.ofSeconds(2), s.rateRamp());
        assertEquals(Arrivals.POISSON, s.arrivals());
        assertEquals(9, s.seed());
        assertEquals(Duration.ofMillis(1500), s.duration());
        assertEquals(77, s.requests());
        assertEquals(Duration.ofSeconds(1), s.warmup());
        assertEquals(Duration.ofMillis(250), s.rampUp());
        assertEquals(PayloadSpec.range(16, 1024), s.payload());
        assertEquals(Duration.ofSeconds(2), s.timeout());
        assertEquals(TransportChoice.EPOLL, s.transport());
        assertEquals(EpollMode.LEVEL, s.epollMode());
        assertEquals(2, s.sources().size());
        assertEquals("POST", s.method());
        assertEquals(List.of("X-A: 1"), s.headers());
        assertEquals(Map.of("k", "v"), s.options());
        assertEquals(List.of("p99 < 5ms", "errors == 0"), o.checks());
        assertEquals(Path.of("r.json"), o.json());
        assertEquals(Path.of("r.hgrm"), o.hdr());
        assertEquals(Path.of("r.html"), o.html());
        assertTrue(o.quiet());
    }

    @Test
    void requestsAloneMeanNoDurationLimit() {
        assertNull(LoadCommand.parse("-n", "100").stages().get(0).duration());
        assertEquals(Duration.ofSeconds(3), LoadCommand.parse("-n", "100", "-d", "3s").stages().get(0).duration());
    }

    @Test
    void capacitySearchNeedsItsBound() {
        LoadOptions o = LoadCommand.parse("--find-max-rate", "--p99", "5ms");
        assertTrue(o.findMaxRate());
        assertEquals(Duration.ofMillis(5), o.p99());
        assertThrows(IllegalArgumentException.class, () -> LoadCommand.parse("--find-max-rate"));
        assertThrows(IllegalArgumentException.class, () -> LoadCommand.parse("--p99", "5ms"));
    }

    @Test
    void badValuesNameTheFlag() {
        assertMessage("payload", "--payload", "10-5");
        assertMessage("payload", "--payload", "lots");
        assertMessage("protocol", "--protocol", "smtp");
        assertMessage("connections", "-c", "0");
        assertMessage("pipeline", "--pipeline", "0");
        assertMessage("rate", "--rate", "-1");
        assertMessage("arrivals", "--arrivals", "bursty");
        assertMessage("duration", "--duration", "soon");
        assertMessage("method", "--method", "PUT");
        assertMessage("source", "--source", "example.com");
        assertMessage("opt", "--opt", "novalue");
        assertMessage("rate-from", "--rate-from", "10");
        assertThrows(IllegalArgumentException.class, () -> LoadCommand.parse("--check", "p99 <"));
        assertThrows(CommandLine.ParameterException.class, () -> LoadCommand.parse("-c", "many"));
    }

    @Test
    void tlsFlags(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        LoadSettings s = LoadCommand.parse("--protocol", "framed", "--tls", "--ca", ca.toString(),
                "--tls-server-name", "switchboard.example").stages().get(0);
        assertTrue(s.tls() && s.tlsEnabled() && !s.tlsInsecure());
        assertEquals(ca, s.tlsCa());
        assertEquals("switchboard.example", s.tlsServerName());
        LoadSettings insecure = LoadCommand.parse("--tls", "--insecure").stages().get(0);
        assertTrue(insecure.tlsEnabled() && insecure.tlsInsecure());
        assertTrue(!LoadCommand.parse().stages().get(0).tlsEnabled(), "plaintext by default");
        LoadSettings https = LoadCommand.parse("--protocol", "http", "--target", "https://127.0.0.1/", "--insecure")
                .stages().get(0);
        assertTrue(https.tlsEnabled() && !https.tls(), "https:// implies TLS, --insecure needs no --tls then");
        assertTrue(LoadCommand.parse("--protocol", "ws", "--target", "wss://127.0.0.1/ws").stages().get(0).tlsEnabled());
    }

    @Test
    void tlsFlagMisuseIsAUsageError(@TempDir Path dir) {
        assertUsage("load: --insecure needs --tls", "--insecure");
        assertUsage("load: --ca needs --tls", "--ca", dir.resolve("ca.pem").toString());
        assertUsage("load: --tls-server-name needs --tls", "--tls-server-name", "x");
        assertUsage("load: --insecure needs --tls or an https:// target", "--protocol", "http",
                "--target", "http://127.0.0.1/", "--insecure");
        assertUsage("load: --insecure needs --tls or a wss:// target", "--protocol", "ws", "--insecure");
        assertUsage("load: --tls: the udp workload has no TLS (DTLS is not supported)", "--protocol", "udp", "--tls");
        assertUsage("load: --insecure and --ca are mutually exclusive", "--tls", "--insecure", "--ca", "x.pem");
        assertUsage("load: --ca: " + dir.resolve("none.pem") + " (expected: a readable PEM file)", "--tls", "--ca",
                dir.resolve("none.pem").toString());
    }

    private static void assertUsage(String message, String... args) {
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "load";
        System.arraycopy(args, 0, all, 1, args.length);
        assertEquals(2, ClientMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), all));
        assertEquals(message, err.toString().strip());
    }

    private static void assertMessage(String name, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadCommand.parse(args));
        assertTrue(e.getMessage().contains(name), e.getMessage());
    }

    @Test
    void usageErrorsExitWith2() {
        StringWriter err = new StringWriter();
        int code = ClientMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "load", "--payload", "x");
        assertEquals(2, code);
        assertTrue(err.toString().contains("payload"), err.toString());
        assertEquals(2, ClientMain.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                "load", "--no-such-flag"));
    }

    @Test
    void exitCodesOfARun(@TempDir Path dir) throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        String target = "127.0.0.1:" + server.address(Listener.ECHO).getPort();
        Path json = dir.resolve("run.json");
        Result ok = run("--target", target, "-c", "2", "-n", "200", "--check", "errors == 0", "--json", json.toString(), "-q");
        assertEquals(0, ok.code, ok.err);
        assertTrue(ok.out.length() > 0, "a summary is printed");
        assertTrue(Files.size(json) > 0);
        Result failed = run("--target", target, "-c", "2", "-n", "200", "--check", "p99 < 0us", "-q");
        assertEquals(1, failed.code, failed.err);
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Result refused = run("--target", "127.0.0.1:" + closed, "-c", "1", "--timeout", "200ms", "-q");
        assertEquals(3, refused.code);
        assertTrue(refused.err.contains("could not connect"), refused.err);
    }

    @Test
    void aTlsRunFromTheCommandLine(@TempDir Path dir) throws Exception {
        TestCertificates certs = TestCertificates.shared();
        Server server = servers.start(TransportUnderTest.NIO, b -> b.tls(Listener.FRAMED, true)
                .tlsCertificate(certs.ec().cert()).tlsKey(certs.ec().key()));
        String target = "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
        Path json = dir.resolve("run.json");
        Result ok = run("--protocol", "framed", "--target", target, "--tls", "--ca", certs.caCert().toString(),
                "-c", "2", "-n", "200", "--check", "errors == 0", "--json", json.toString(), "-q");
        assertEquals(0, ok.code, ok.err);
        String report = Files.readString(json);
        assertTrue(report.contains("\"tls\" : true") || report.contains("\"tls\":true"), report);
        Result untrusted = run("--protocol", "framed", "--target", target, "--tls", "-c", "2", "-d", "500ms",
                "--check", "errors.tls_handshake == 0", "-q");
        assertEquals(1, untrusted.code, untrusted.err);
        assertTrue(untrusted.out.contains("tls_handshake"), untrusted.out);
    }

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code = LoadCommand.run(LoadCommand.parse(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintWriter(err, true));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }
}
