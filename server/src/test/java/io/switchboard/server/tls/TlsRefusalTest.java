package io.switchboard.server.tls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A connection over the limits on a TLS listener is closed without an answer: the framed ERROR 509
 * and the HTTP 503 are plaintext, which a TLS client would read as a corrupt record. The refusal is
 * still counted, and the admitted connection keeps working.
 */
@Timeout(60)
class TlsRefusalTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void overTheLimitATlsListenerClosesWithoutAPlaintextAnswer(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxConnections(1)
                .tls(Listener.FRAMED, true).tls(Listener.HTTP, true)
                .tlsCertificate(CERTS.ec().cert()).tlsKey(CERTS.ec().key()));
        SSLContext trust = TlsProbe.trusting(CERTS.caCert());
        int framed = server.address(Listener.FRAMED).getPort();
        int http = server.address(Listener.HTTP).getPort();
        try (SSLSocket first = TlsProbe.connect(trust, framed, true)) {
            TlsProbe.write(first, new Hello(1, Wire.PROTOCOL_VERSION, "first", ""));
            Frame welcome = TlsProbe.read(first);
            assertInstanceOf(Welcome.class, welcome, welcome::toString);

            assertEquals("", bytesUntilClosed(framed), "framed: no ERROR frame in plaintext, just the close");
            assertEquals("", bytesUntilClosed(http), "http: no 503 in plaintext, just the close");
            assertThrows(IOException.class, () -> TlsProbe.connect(trust, framed, true).close(),
                    "a TLS client sees its handshake end");

            assertEquals(2, server.metrics().refusedCount(Listener.FRAMED, "max_connections"));
            assertEquals(1, server.metrics().refusedCount(Listener.HTTP, "max_connections"));

            TlsProbe.write(first, PayloadFrame.of(Opcode.PING, 2, Unpooled.copiedBuffer("still here", UTF_8)));
            Frame pong = TlsProbe.read(first);
            try {
                assertEquals(Opcode.PONG, pong.opcode());
                assertEquals("still here", new String(ByteBufUtil.getBytes(((PayloadFrame) pong).content()), UTF_8));
            } finally {
                ReferenceCountUtil.release(pong);
            }
        }
    }

    /** Everything a plain TCP client reads from {@code port} until the server closes, as text. */
    private static String bytesUntilClosed(int port) throws IOException {
        try (Socket socket = TlsProbe.plain(port)) {
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                got.write(buf, 0, n);
            }
            return got.toString(UTF_8);
        }
    }
}
