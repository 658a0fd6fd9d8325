package io.switchboard.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslHandler;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.tls.TlsPolicy;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.tls.TestCertificates;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client library over TLS against the real server, on every transport: the session works as
 * over plaintext, the certificate and its name are verified unless told otherwise, and every
 * failure is quick and says what went wrong.
 */
@Timeout(120)
class TlsClientTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private Server start(TransportUnderTest transport, TestCertificates.Issued cert, String token) throws Exception {
        return servers.start(transport, b -> b.tls(Listener.FRAMED, true).tlsCertificate(cert.cert()).tlsKey(cert.key())
                .authToken(token));
    }

    private static ClientOptions.Builder options(Server server, TransportUnderTest transport, String name) {
        return ClientOptions.builder().host("127.0.0.1").port(server.address(Listener.FRAMED).getPort())
                .transport(transport.choice).epollMode(transport.epollMode).name(name)
                .connectTimeout(Duration.ofSeconds(10)).reconnect(false);
    }

    private static SwitchboardClient connect(ClientOptions.Builder options) throws Exception {
        return SwitchboardClient.connect(options.build()).get(20, TimeUnit.SECONDS);
    }

    /** The failure of a connection attempt, which must come quickly. */
    private static Throwable failure(ClientOptions.Builder options) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> SwitchboardClient.connect(options.build()).get(20, TimeUnit.SECONDS).close());
        return e.getCause();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void sessionPingEchoAndRoomsOverTlsTrustingTheCa(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.ec(), "");
        UnaryOperator<ClientOptions.Builder> tls = b -> b.tls(true).tlsCaFile(CERTS.caCert());
        try (SwitchboardClient alice = connect(tls.apply(options(server, transport, "alice")));
                SwitchboardClient bob = connect(tls.apply(options(server, transport, "bob")))) {
            SSLSession session = alice.channel().pipeline().get(SslHandler.class).engine().getSession();
            assertEquals("TLSv1.3", session.getProtocol());
            assertTrue(TlsPolicy.CIPHER_SUITES.contains(session.getCipherSuite()), session.getCipherSuite());
            assertTrue(alice.ping().get(10, TimeUnit.SECONDS).toNanos() > 0);
            byte[] big = new byte[200_000];
            new java.util.Random(3).nextBytes(big);
            assertArrayEquals(big, alice.echo(big).get(10, TimeUnit.SECONDS));

            BlockingQueue<ReceivedEvent> received = new LinkedBlockingQueue<>();
            bob.on("chat", received::add);
            bob.join("secure").get(10, TimeUnit.SECONDS);
            alice.join("secure").get(10, TimeUnit.SECONDS);
            alice.publish("secure", "chat", "hi over tls".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
            ReceivedEvent event = received.poll(10, TimeUnit.SECONDS);
            assertEquals("hi over tls", event.text());
            assertEquals(alice.sessionId(), event.senderId());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theCertificateMustNameTheHost(TransportUnderTest transport) throws Exception {
        // The RSA certificate names localhost only, not 127.0.0.1.
        Server server = start(transport, CERTS.rsa(), "");
        Throwable refused = failure(options(server, transport, "x").tls(true).tlsCaFile(CERTS.caCert()));
        assertInstanceOf(ConnectionClosedException.class, refused);
        assertTrue(refused.getMessage().startsWith("TLS handshake with 127.0.0.1:" + server.address(Listener.FRAMED).getPort()
                + " failed: "), refused.getMessage());
        assertTrue(refused.getMessage().contains("127.0.0.1"), refused.getMessage());
        try (SwitchboardClient client = connect(options(server, transport, "x").tls(true).tlsCaFile(CERTS.caCert())
                .tlsServerName("localhost"))) {
            assertTrue(client.ping().get(10, TimeUnit.SECONDS).toNanos() > 0);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void anUntrustedCertificateIsRefusedUnlessInsecure(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.untrusted(), "");
        Throwable refused = failure(options(server, transport, "x").tls(true).tlsCaFile(CERTS.caCert()));
        assertTrue(refused.getMessage().contains("valid certification path"), refused.getMessage());
        // The JVM's own trust store does not know the test certificate either.
        assertTrue(failure(options(server, transport, "x").tls(true)).getMessage().contains("TLS handshake"));
        try (SwitchboardClient client = connect(options(server, transport, "x").tls(true).tlsInsecure(true))) {
            assertTrue(client.ping().get(10, TimeUnit.SECONDS).toNanos() > 0);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void tokenIsCheckedOverTls(TransportUnderTest transport) throws Exception {
        Server server = start(transport, CERTS.ec(), "tls-token");
        UnaryOperator<ClientOptions.Builder> tls = b -> b.tls(true).tlsCaFile(CERTS.caCert());
        Throwable refused = failure(tls.apply(options(server, transport, "x").token("nope")));
        assertEquals(ErrorCode.AUTH_FAILED, assertInstanceOf(SwitchboardException.class, refused).errorCode());
        try (SwitchboardClient client = connect(tls.apply(options(server, transport, "x").token("tls-token")))) {
            assertTrue(client.ping().get(10, TimeUnit.SECONDS).toNanos() > 0);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void mismatchedEndsFailQuickly(TransportUnderTest transport) throws Exception {
        Server tlsServer = start(transport, CERTS.ec(), "");
        Throwable plainToTls = failure(options(tlsServer, transport, "x"));
        assertInstanceOf(ConnectionClosedException.class, plainToTls);
        Server plainServer = servers.start(transport);
        Throwable tlsToPlain = failure(options(plainServer, transport, "x").tls(true).tlsInsecure(true));
        assertTrue(tlsToPlain.getMessage().startsWith("TLS handshake with 127.0.0.1:"), tlsToPlain.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void reconnectsOverTlsToAServerWithANewCertificate(TransportUnderTest transport) throws Exception {
        Server first = start(transport, CERTS.ec(), "");
        int port = first.address(Listener.FRAMED).getPort();
        BlockingQueue<String> states = new LinkedBlockingQueue<>();
        try (SwitchboardClient client = connect(options(first, transport, "x").tls(true).tlsCaFile(CERTS.caCert())
                .tlsServerName("localhost").reconnect(true).reconnectDelays(Duration.ofMillis(20), Duration.ofMillis(200)))) {
            client.onConnection(new ConnectionListener() {
                @Override
                public void onDisconnected(Throwable cause) {
                    states.add("down");
                }

                @Override
                public void onReconnected(long sessionId) {
                    states.add("up");
                }
            });
            client.join("kept").get(10, TimeUnit.SECONDS);
            assertEquals(CERTS.ec().serial(), peerSerial(client));
            first.close();
            assertEquals("down", states.poll(10, TimeUnit.SECONDS));
            servers.start(transport, b -> b.port(Listener.FRAMED, port).tls(Listener.FRAMED, true)
                    .tlsCertificate(CERTS.rsa().cert()).tlsKey(CERTS.rsa().key()));
            assertEquals("up", states.poll(20, TimeUnit.SECONDS));
            assertEquals(CERTS.rsa().serial(), peerSerial(client));
            assertEquals(java.util.List.of("kept"), java.util.List.copyOf(client.rooms()));
            assertTrue(client.ping().get(10, TimeUnit.SECONDS).toNanos() > 0);
        }
    }

    private static java.math.BigInteger peerSerial(SwitchboardClient client) throws Exception {
        SSLSession session = client.channel().pipeline().get(SslHandler.class).engine().getSession();
        return ((java.security.cert.X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void optionsAreChecked() {
        assertEquals("tls: false (expected: true when a CA file, insecure or a server name is set)",
                assertThrows(IllegalArgumentException.class,
                        () -> ClientOptions.builder().tlsInsecure(true).build()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().tls(true)
                .tlsInsecure(true).tlsCaFile(CERTS.caCert()).build()).getMessage().startsWith("tls insecure: true"));
        assertEquals("tls CA file: /nonexistent.pem (expected: a readable PEM file)", assertThrows(
                IllegalArgumentException.class, () -> ClientOptions.builder().tlsCaFile(Path.of("/nonexistent.pem")))
                .getMessage());
        // A file without certificates: the connection is not even tried.
        ExecutionException e = assertThrows(ExecutionException.class, () -> SwitchboardClient.connect(
                ClientOptions.builder().tls(true).tlsCaFile(CERTS.ec().key()).build()).get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().startsWith("tls CA file: " + CERTS.ec().key()), e.getCause().getMessage());
        assertTrue(ClientTls.of(ClientOptions.builder().build()) == null, "plaintext");
    }
}
