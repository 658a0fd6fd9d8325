package io.switchboard.client.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.switchboard.client.load.engine.Progress;
import io.switchboard.client.load.engine.StageRunner;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.tls.TestCertificates;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The load tool over TLS against real TLS servers on loopback, on every transport: the server's
 * framed, HTTPS and WSS listeners with the test CA's certificate, and an in-test TLS echo server
 * for raw (the server's raw echo listener has no TLS). Trust by {@code insecure}, by the CA file,
 * and a failing run without either.
 */
@Timeout(120)
class LoadTlsIntegrationTest {
    private static final TestCertificates CERTS = TestCertificates.shared();
    private static final int REQUESTS = 200;

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private EventLoopGroup echoGroup;

    @AfterEach
    void stopEchoServer() {
        if (echoGroup != null) {
            echoGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private Server tlsServer(TransportUnderTest t) throws Exception {
        return servers.start(t, b -> b.tls(Listener.FRAMED, true).tls(Listener.HTTP, true)
                .tlsCertificate(CERTS.ec().cert()).tlsKey(CERTS.ec().key()));
    }

    private static LoadSettings.Builder bounded(TransportUnderTest t, Protocol protocol, String target) {
        return LoadSettings.builder()
                .protocol(protocol)
                .target(target)
                .transport(t.choice)
                .epollMode(t.epollMode)
                .connections(3)
                .pipeline(2)
                .duration(null)
                .requests(REQUESTS)
                .timeout(Duration.ofSeconds(5));
    }

    private static StageResult run(LoadSettings s) throws Exception {
        return new StageRunner(Progress.silent()).run(s);
    }

    private static void assertAllCompleted(StageResult r) {
        assertEquals(Map.of(), r.errors(), () -> "errors " + r.errors() + " " + r.counters());
        assertEquals(REQUESTS, r.totals().completed(), () -> "completed " + r.totals());
        assertEquals(0, r.counters().get("connect_errors"), () -> "connect errors " + r.counters());
        assertEquals(true, r.settings().get("tls"));
    }

    private static String framed(Server server) {
        return "127.0.0.1:" + server.address(Listener.FRAMED).getPort();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedWithInsecure(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        StageResult r = run(bounded(t, Protocol.FRAMED, framed(server)).tls(true).tlsInsecure(true).build());
        assertAllCompleted(r);
        assertEquals("insecure", r.settings().get("tls_trust"));
        assertTrue(server.metrics().listener(Listener.FRAMED).tlsHandshakes() >= 3, "every connection shook hands");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpsUrlImpliesTls(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        StageResult r = run(bounded(t, Protocol.HTTP, "https://127.0.0.1:" + server.address(Listener.HTTP).getPort()
                + "/healthz").tlsInsecure(true).build());
        assertAllCompleted(r);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void wssUrlImpliesTls(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        StageResult r = run(bounded(t, Protocol.WS, "wss://127.0.0.1:" + server.address(Listener.HTTP).getPort()
                + "/ws").tlsInsecure(true).build());
        assertAllCompleted(r);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void rawEchoOverTls(TransportUnderTest t) throws Exception {
        TransportConfig transport = t.config();
        int port = startTlsEchoServer(transport);
        StageResult r = run(bounded(t, Protocol.RAW, "127.0.0.1:" + port).payload(PayloadSpec.range(1, 3000))
                .tls(true).tlsInsecure(true).build());
        assertAllCompleted(r);
        assertTrue(r.totals().bytesReceived() >= REQUESTS, "echoes are counted as plaintext bytes");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedTrustingTheCaFileVerifiesTheCertificateAndName(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        StageResult r = run(bounded(t, Protocol.FRAMED, framed(server)).tls(true).tlsCa(CERTS.caCert()).build());
        assertAllCompleted(r);
        assertEquals("ca " + CERTS.caCert(), r.settings().get("tls_trust"));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void anUntrustedCertificateIsAHandshakeErrorAndTheRunEndsOnTime(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        long start = System.nanoTime();
        StageResult r = run(bounded(t, Protocol.FRAMED, framed(server)).tls(true).requests(0)
                .duration(Duration.ofMillis(800)).build());
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, r.totals().completed());
        long handshakes = r.errors().getOrDefault(ErrorKind.TLS_HANDSHAKE, 0L);
        assertTrue(handshakes >= 3, () -> "each of the 3 connections failed its handshake at least once: " + r.errors());
        assertEquals(Map.of(ErrorKind.TLS_HANDSHAKE, handshakes), r.errors(), "nothing else went wrong");
        assertEquals(handshakes, r.counters().get("connect_errors"), "counted as failed connects");
        assertEquals(0, r.counters().get("connects"), "no connection counted as open");
        assertTrue(tookMillis < 10_000, () -> "the run ended by itself at its duration, took " + tookMillis + " ms");
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "NIO"})
    void fanoutOverTls(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        StageResult r = run(bounded(t, Protocol.FANOUT, framed(server)).connections(5).pipeline(4).requests(0)
                .rate(100).warmup(Duration.ofMillis(500)).duration(Duration.ofSeconds(1)).payload(PayloadSpec.fixed(64))
                .option("subscribers", "4").option("rooms", "1").option("drain", "500ms")
                .tls(true).tlsInsecure(true).build());
        long accepted = r.counters().get("publishes_accepted");
        assertTrue(accepted > 0, r.counters()::toString);
        assertEquals(accepted * 4, r.counters().get("deliveries"), r.counters()::toString);
        assertEquals(0, r.counters().get("missing"));
        assertEquals(Map.of(), r.errors());
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "NIO"})
    void connscaleOverTls(TransportUnderTest t) throws Exception {
        Server server = tlsServer(t);
        StageResult r = run(bounded(t, Protocol.CONNSCALE, framed(server)).connections(20).requests(0)
                .duration(Duration.ofSeconds(3)).tls(true).tlsInsecure(true).build());
        assertEquals(20, r.counters().get("opened"), r.counters()::toString);
        assertEquals(20, r.counters().get("survived"), r.counters()::toString);
        assertEquals(Map.of(), r.errors());
        assertTrue(server.metrics().listener(Listener.FRAMED).tlsHandshakes() >= 20);
    }

    /** A TLS echo server with the test CA's certificate: what arrives goes back, flushed per read batch. */
    private int startTlsEchoServer(TransportConfig transport) throws Exception {
        SslContext context = SslContextBuilder.forServer(CERTS.ec().cert().toFile(), CERTS.ec().key().toFile()).build();
        echoGroup = transport.newEventLoopGroup(1, "tls-echo");
        Channel listener = transport.configure(new ServerBootstrap())
                .group(echoGroup)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc()), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.write(msg, ctx.voidPromise());
                            }

                            @Override
                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                ctx.flush();
                            }
                        });
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }
}
