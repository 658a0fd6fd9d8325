package io.switchboard.client.load.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Protocol;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The handshake gate on an EmbeddedChannel, and the stage's TLS set-up from the settings. */
@Timeout(30)
class LoadTlsTest {
    /** What the workload behind the gate saw. */
    private static final class Workload extends ChannelInboundHandlerAdapter {
        final List<String> events = new ArrayList<>();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            events.add("active");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            events.add("inactive");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            events.add("exception");
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add("event " + evt);
        }
    }

    /** A ConnectionContext that records connectFailed and refuses every other call. */
    private static ConnectionContext engine(List<Throwable> failures) {
        return (ConnectionContext) Proxy.newProxyInstance(LoadTlsTest.class.getClassLoader(),
                new Class<?>[] {ConnectionContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("connectFailed")) {
                        failures.add((Throwable) args[0]);
                        return null;
                    }
                    throw new AssertionError("unexpected call " + method.getName());
                });
    }

    @Test
    void theWorkloadSeesTheConnectionOnlyOnceTheHandshakeIsDone() {
        List<Throwable> failures = new ArrayList<>();
        Workload workload = new Workload();
        EmbeddedChannel ch = new EmbeddedChannel(new LoadTls.HandshakeGate(engine(failures)), workload);
        assertEquals(List.of(), workload.events, "TCP is up, the handshake is not");
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertEquals(List.of("active"), workload.events);
        assertNull(ch.pipeline().get(LoadTls.HandshakeGate.class), "the gate leaves the pipeline");
        ch.pipeline().fireUserEventTriggered("other");
        ch.close();
        assertEquals(List.of("active", "event other", "inactive"), workload.events);
        assertEquals(List.of(), failures);
        assertFalse(ch.finish());
    }

    @Test
    void aFailedHandshakeIsOneConnectFailureAndTheWorkloadSeesNothing() {
        List<Throwable> failures = new ArrayList<>();
        Workload workload = new Workload();
        EmbeddedChannel ch = new EmbeddedChannel(new LoadTls.HandshakeGate(engine(failures)), workload);
        SSLHandshakeException cause = new SSLHandshakeException("PKIX path building failed");
        ch.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(cause));
        assertFalse(ch.isOpen(), "a failed handshake ends the connection");
        assertEquals(1, failures.size());
        assertSame(cause, failures.get(0));
        assertEquals(List.of(), workload.events, "no active, no exception, no inactive");
        assertFalse(ch.finish());
    }

    @Test
    void anErrorBeforeTheHandshakeClosesTheConnectionAndIsNotPassedOn() {
        List<Throwable> failures = new ArrayList<>();
        Workload workload = new Workload();
        EmbeddedChannel ch = new EmbeddedChannel(new LoadTls.HandshakeGate(engine(failures)), workload);
        ch.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        assertFalse(ch.isOpen());
        assertEquals(1, failures.size(), "the close without a handshake is the one failure");
        assertEquals(List.of(), workload.events);
    }

    @Test
    void aCloseWithoutACompletionEventIsStillOneFailure() {
        List<Throwable> failures = new ArrayList<>();
        Workload workload = new Workload();
        EmbeddedChannel ch = new EmbeddedChannel(new LoadTls.HandshakeGate(engine(failures)), workload);
        ch.close();
        assertEquals(1, failures.size());
        assertTrue(failures.get(0) instanceof SSLHandshakeException, failures.get(0).toString());
        assertEquals(List.of(), workload.events);
    }

    @Test
    void oneSslHandlerFirstThenTheGate() throws Exception {
        LoadSettings s = LoadSettings.builder().protocol(Protocol.FRAMED).target("127.0.0.1:7000").tls(true)
                .tlsInsecure(true).build();
        LoadTls tls = LoadTls.of(s, Target.parse(s.protocol(), s.target()));
        assertNotNull(tls);
        List<Throwable> failures = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast("load", new Workload());
        tls.addFirst(ch.pipeline(), engine(failures));
        assertEquals(List.of(LoadTls.SSL_HANDLER, LoadTls.HANDSHAKE_GATE, "load"), ch.pipeline().names().subList(0, 3));
        assertTrue(ch.pipeline().first() instanceof SslHandler);
        ch.finishAndReleaseAll();
    }

    @Test
    void plaintextHasNoTlsAndABadCaFileIsAWorkloadError(@TempDir Path dir) throws Exception {
        LoadSettings plain = LoadSettings.builder().target("127.0.0.1:7001").build();
        assertNull(LoadTls.of(plain, Target.parse(plain.protocol(), plain.target())));
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
        LoadSettings bad = LoadSettings.builder().target("127.0.0.1:7001").tls(true).tlsCa(junk).build();
        WorkloadException e = assertThrows(WorkloadException.class,
                () -> LoadTls.of(bad, Target.parse(bad.protocol(), bad.target())));
        assertTrue(e.getMessage().startsWith("tls CA file: " + junk), e.getMessage());
    }

    @Test
    void httpsAndWssTargetsImplyTlsAndPort443() {
        Target https = Target.parse(Protocol.HTTP, "https://example.test/x");
        assertTrue(https.tls());
        assertEquals(443, https.port());
        assertEquals("example.test", https.hostHeader());
        Target wss = Target.parse(Protocol.WS, "wss://example.test:8443/ws");
        assertTrue(wss.tls());
        assertEquals(8443, wss.port());
        assertFalse(Target.parse(Protocol.WS, "ws://example.test/ws").tls());
        assertEquals(80, Target.parse(Protocol.HTTP, "http://example.test/").port());
        assertTrue(Target.parse(Protocol.WS, "https://example.test/ws").tls(), "ws takes http(s):// URLs too");
        assertTrue(LoadSettings.builder().protocol(Protocol.WS).target("https://example.test/ws").build().tlsEnabled());
        assertTrue(LoadSettings.builder().protocol(Protocol.HTTP).target("HTTPS://example.test/").build().tlsEnabled());
        assertFalse(LoadSettings.builder().protocol(Protocol.HTTP).target("http://example.test/").build().tlsEnabled());
    }
}
