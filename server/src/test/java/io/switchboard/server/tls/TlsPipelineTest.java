package io.switchboard.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.framed.FramedServerInitializer;
import io.switchboard.server.http.HttpServerInitializer;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.rooms.RoomHub;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where the TLS handlers sit in the pipelines, and what the handshake watcher counts, closes and passes on. */
@Timeout(60)
class TlsPipelineTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    private final Metrics metrics = new Metrics();

    @Test
    void tlsComesRightAfterTheTrafficCounterOnBothListeners() throws Exception {
        ServerConfig config = ServerConfig.builder().tls(Listener.FRAMED, true).tls(Listener.HTTP, true)
                .tlsCertificate(CERTS.ec().cert()).tlsKey(CERTS.ec().key()).tlsReloadInterval(Duration.ZERO)
                .tlsHandshakeTimeout(Duration.ofMillis(1500)).build();
        RoomHub hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
        try (FileWatcher watcher = new FileWatcher()) {
            ServerTls tls = ServerTls.start(config.tlsConfig(), metrics, watcher);
            EmbeddedChannel framed = new EmbeddedChannel(
                    new FramedServerInitializer(config.framedConfig(), hub, metrics, tls, Authenticator.of(AuthTokens.none())));
            EmbeddedChannel http = new EmbeddedChannel(new HttpServerInitializer(config.httpConfig(), hub, metrics,
                    TransportConfig.resolve(TransportChoice.NIO, null), () -> true, tls, Authenticator.of(AuthTokens.none())));
            for (EmbeddedChannel ch : List.of(framed, http)) {
                List<String> names = ch.pipeline().names();
                assertEquals(List.of(HandlerNames.TRAFFIC, HandlerNames.TLS, HandlerNames.TLS_HANDSHAKE),
                        names.subList(0, 3), names.toString());
                SslHandler ssl = (SslHandler) ch.pipeline().get(HandlerNames.TLS);
                assertFalse(ssl.engine().getUseClientMode());
                assertEquals(1500, ssl.getHandshakeTimeoutMillis());
                ch.finishAndReleaseAll();
            }
            EmbeddedChannel plain = new EmbeddedChannel(new FramedServerInitializer(config.framedConfig(), hub, metrics));
            assertEquals(null, plain.pipeline().get(HandlerNames.TLS));
            plain.finishAndReleaseAll();
        }
    }

    @Test
    void handshakesAreCountedAndAFailureCloses() {
        Metrics.ListenerCounters counters = metrics.listener(Listener.FRAMED);
        EmbeddedChannel ok = new EmbeddedChannel(new TlsHandshakeWatcher(counters));
        ok.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertTrue(ok.isActive());
        EmbeddedChannel failed = new EmbeddedChannel(new TlsHandshakeWatcher(counters));
        failed.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException("no")));
        assertFalse(failed.isActive());
        assertEquals(1, counters.tlsHandshakes());
        assertEquals(1, counters.tlsHandshakeFailures());
        ok.finishAndReleaseAll();
    }

    @Test
    void tlsErrorsCloseQuietlyOthersPassOn() {
        List<Throwable> passed = new ArrayList<>();
        for (Throwable tls : List.of(new DecoderException(new SSLException("bad record MAC")),
                new NotSslRecordException("not an SSL/TLS record"), new SSLHandshakeException("timed out"))) {
            EmbeddedChannel ch = new EmbeddedChannel(new TlsHandshakeWatcher(metrics.listener(Listener.HTTP)),
                    recorder(passed));
            ch.pipeline().fireExceptionCaught(tls);
            assertFalse(ch.isActive(), tls.toString());
        }
        assertEquals(List.of(), passed);
        EmbeddedChannel ch = new EmbeddedChannel(new TlsHandshakeWatcher(metrics.listener(Listener.HTTP)),
                recorder(passed));
        ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertInstanceOf(IOException.class, passed.get(0));
        assertTrue(ch.isActive(), "left to the protocol handlers");
        ch.finishAndReleaseAll();
    }

    private static ChannelInboundHandlerAdapter recorder(List<Throwable> passed) {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                passed.add(cause);
            }
        };
    }
}
