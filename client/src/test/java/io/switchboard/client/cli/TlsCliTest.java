package io.switchboard.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.tls.TestCertificates;
import io.switchboard.testing.TransportUnderTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code --tls}, {@code --ca}, {@code --insecure} and {@code --tls-server-name} on the command line. */
@Timeout(120)
class TlsCliTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private record Run(int code, String out, String err) {
        static Run of(String... args) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = ClientMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
            return new Run(code, out.toString(), err.toString());
        }
    }

    @Test
    void pingAndEchoOverTls() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO, b -> b.tls(Listener.FRAMED, true)
                .tlsCertificate(CERTS.ec().cert()).tlsKey(CERTS.ec().key()));
        String port = String.valueOf(server.address(Listener.FRAMED).getPort());
        Run ping = Run.of("ping", "--tls", "--ca", CERTS.caCert().toString(), "--port", port, "--count", "2");
        assertEquals(0, ping.code(), ping.err());
        assertEquals(2, ping.out().split("\n").length, ping.out());
        assertTrue(ping.out().startsWith("PONG from 127.0.0.1:" + port + " seq=1"), ping.out());
        Run echo = Run.of("echo", "--tls", "--insecure", "--port", port, "secret words");
        assertEquals(0, echo.code(), echo.err());
        assertTrue(echo.out().endsWith(": secret words\n"), echo.out());
        Run untrusted = Run.of("ping", "--tls", "--port", port, "--timeout", "5000");
        assertEquals(1, untrusted.code(), untrusted.out());
        assertTrue(untrusted.err().contains("TLS handshake with 127.0.0.1:" + port + " failed: "), untrusted.err());
    }

    @Test
    void serverNameOverridesTheHostForTheCheck() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO, b -> b.tls(Listener.FRAMED, true)
                .tlsCertificate(CERTS.rsa().cert()).tlsKey(CERTS.rsa().key()));
        String port = String.valueOf(server.address(Listener.FRAMED).getPort());
        Run byAddress = Run.of("ping", "--tls", "--ca", CERTS.caCert().toString(), "--port", port);
        assertEquals(1, byAddress.code(), byAddress.out());
        Run byName = Run.of("ping", "--tls", "--ca", CERTS.caCert().toString(), "--tls-server-name", "localhost",
                "--port", port);
        assertEquals(0, byName.code(), byName.err());
    }

    @Test
    void usageErrors() {
        Run caWithoutTls = Run.of("ping", "--ca", CERTS.caCert().toString());
        assertEquals(2, caWithoutTls.code());
        assertEquals("--ca needs --tls\n", caWithoutTls.err());
        Run both = Run.of("ping", "--tls", "--insecure", "--ca", CERTS.caCert().toString());
        assertEquals(2, both.code());
        assertEquals("--insecure and --ca are mutually exclusive\n", both.err());
        Run raw = Run.of("echo", "--raw", "--tls", "x");
        assertEquals(2, raw.code());
        assertTrue(raw.err().startsWith("--tls is for the framed protocol: the raw echo listener speaks plaintext"),
                raw.err());
    }
}
