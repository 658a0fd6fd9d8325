package io.switchboard.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerStartException;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TLS and auth settings: the builder's checks, and start-up refusing unusable files in one line. */
@Timeout(60)
class TlsConfigTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    @Test
    void onlyFramedAndHttpSpeakTls() {
        assertEquals("listeners.echo.tls: true (expected: false; only the framed, http and admin listeners speak TLS)",
                assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().tls(Listener.ECHO, true))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().tls(Listener.UDP, true));
    }

    @Test
    void tlsNeedsACertificateAndItsKey() {
        assertEquals("listeners.http.tls: true (expected: tls.cert and tls.key set when a listener speaks TLS)",
                assertThrows(IllegalArgumentException.class,
                        () -> ServerConfig.builder().tls(Listener.HTTP, true).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.builder().tlsCertificate(CERTS.ec().cert()).build()).getMessage()
                .startsWith("tls.key: none (expected: a PEM PKCS#8 private key to go with tls.cert "));
        assertEquals("tls.cert: /nonexistent/cert.pem (expected: a readable file)",
                assertThrows(IllegalArgumentException.class,
                        () -> ServerConfig.builder().tlsCertificate(java.nio.file.Path.of("/nonexistent/cert.pem")))
                        .getMessage());
    }

    @Test
    void intervalsAndTimeoutsAreChecked() {
        assertEquals("tls.reload-interval: PT0.05S (expected: 0 for never, or 100 ms to 1 day)",
                assertThrows(IllegalArgumentException.class,
                        () -> ServerConfig.builder().tlsReloadInterval(Duration.ofMillis(50))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().authReloadInterval(Duration.ofDays(2)));
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder().tlsHandshakeTimeout(Duration.ZERO));
        ServerConfig config = ServerConfig.builder().tlsReloadInterval(Duration.ZERO).build();
        assertEquals(Duration.ZERO, config.tlsReloadInterval());
        assertEquals(Duration.ofSeconds(10), config.tlsHandshakeTimeout());
    }

    @Test
    void startRefusesAMismatchedKeyInOneLine() {
        ServerConfig config = ServerConfig.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(Listener.FRAMED, 0).port(Listener.ECHO, ServerConfig.DISABLED)
                .port(Listener.UDP, ServerConfig.DISABLED).port(Listener.HTTP, ServerConfig.DISABLED)
                .tls(Listener.FRAMED, true).tlsCertificate(CERTS.ec().cert()).tlsKey(CERTS.rsa().key())
                .build();
        ServerStartException e = assertThrows(ServerStartException.class, () -> Server.start(config).close());
        assertEquals("tls.key: " + CERTS.rsa().key() + " is not a PKCS#8 EC key (expected: the private key of the EC"
                + " certificate in tls.cert " + CERTS.ec().cert() + ")", e.getMessage());
    }
}
