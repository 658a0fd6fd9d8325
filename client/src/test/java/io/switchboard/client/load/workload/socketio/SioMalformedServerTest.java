package io.switchboard.client.load.workload.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.workload.harness.WorkloadHarness;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A server that speaks broken Engine.IO / Socket.IO: each case is a connect failure or a
 * connection error that names what was wrong, within the stage's timeout, never a hang.
 */
@Timeout(30)
class SioMalformedServerTest {
    private static final String OPEN = "0{\"sid\":\"s1\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,"
            + "\"maxPayload\":1000000}";

    /** Serves WebSocket upgrades under /socket.io/ and sends {@code script} (a text message each; "BINARY" a binary one). */
    private static final class Fake implements AutoCloseable {
        final EventLoopGroup group;
        final Channel server;
        /** WebSocket upgrades completed. */
        final java.util.concurrent.atomic.AtomicInteger upgrades = new java.util.concurrent.atomic.AtomicInteger();

        Fake(TransportConfig t, List<String> script, int pollStatus) {
            this(t, script, script, pollStatus);
        }

        /** {@code first} to the first upgrade, {@code script} to the others. */
        Fake(TransportConfig t, List<String> first, List<String> script, int pollStatus) {
            group = t.newEventLoopGroup(1, "fake-sio");
            server = t.configure(new ServerBootstrap()).group(group)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65_536),
                                    new PollingAnswer(pollStatus),
                                    new WebSocketServerProtocolHandler("/socket.io/", null, false, 65_536, false, true),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                                            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                                for (String m : upgrades.getAndIncrement() == 0 ? first : script) {
                                                    c.write(m.equals("BINARY")
                                                            ? new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2}))
                                                            : new TextWebSocketFrame(m));
                                                }
                                                c.flush();
                                            }
                                        }

                                        @Override
                                        public void channelRead(ChannelHandlerContext c, Object msg) {
                                            ReferenceCountUtil.release(msg); // whatever the client sends
                                        }
                                    });
                        }
                    })
                    .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        }

        String url() {
            return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Answers polling requests with a status and a body; lets WebSocket upgrades through. */
    private static final class PollingAnswer extends ChannelInboundHandlerAdapter {
        private final int status;

        PollingAnswer(int status) {
            this.status = status;
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            if (msg instanceof FullHttpRequest r && r.uri().contains("transport=polling")) {
                r.release();
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(status),
                        Unpooled.copiedBuffer("{\"code\":5,\"message\":\"Unsupported protocol version\"}",
                                StandardCharsets.UTF_8));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
                c.writeAndFlush(response);
                return;
            }
            c.fireChannelRead(msg);
        }
    }

    private static String connectFailure(List<String> script) throws Exception {
        TransportConfig t = TransportUnderTest.NIO.config();
        try (Fake fake = new Fake(t, script, 400); WorkloadHarness h = new WorkloadHarness(t, settings(fake.url()),
                SioWorkload::new)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.connect(0));
            return e.getCause().getMessage();
        }
    }

    private static LoadSettings settings(String url) {
        return LoadSettings.builder().protocol(Protocol.SOCKETIO).target(url).connections(1)
                .timeout(Duration.ofSeconds(1)).build();
    }

    @Test
    void aBadOpenPacketIsNamed() throws Exception {
        assertTrue(connectFailure(List.of("0{not json")).startsWith("a bad Engine.IO open packet"));
        assertTrue(connectFailure(List.of("0{\"sid\":\"x\"}")).startsWith(
                "a bad Engine.IO open packet (no sid, pingInterval and pingTimeout)"));
        assertTrue(connectFailure(List.of("0{\"sid\":\"x\",\"pingInterval\":0,\"pingTimeout\":5}")).contains(
                "must be positive"));
    }

    @Test
    void unknownPacketTypesAreNamed() throws Exception {
        assertEquals("Engine.IO packet type \"9\" (expected: 0 to 6) in \"9hello\"", connectFailure(List.of("9hello")));
        assertEquals("Socket.IO packet type '7' (expected: 0 to 6) in \"47\"", connectFailure(List.of(OPEN, "47")));
        assertTrue(connectFailure(List.of(OPEN, "4")).startsWith("an empty Socket.IO packet"));
        assertTrue(connectFailure(List.of("40")).startsWith("a message before the Engine.IO open packet"));
        assertTrue(connectFailure(List.of(OPEN, "BINARY")).startsWith("a binary WebSocket message of 2 bytes"));
    }

    @Test
    void aPayloadOverTheServersMaxPayloadIsRefusedBeforeAnyRequest() throws Exception {
        TransportConfig t = TransportUnderTest.NIO.config();
        String small = "0{\"sid\":\"s1\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":100}";
        try (Fake fake = new Fake(t, List.of(small), 400); WorkloadHarness h = new WorkloadHarness(t,
                LoadSettings.builder().protocol(Protocol.SOCKETIO).target(fake.url()).connections(1)
                        .payload(io.switchboard.client.load.PayloadSpec.fixed(200)).build(), SioWorkload::new)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.connect(0));
            assertTrue(e.getCause().getMessage().startsWith("requests of up to "), e.getCause()::toString);
            assertTrue(e.getCause().getMessage().contains("exceed the server's maxPayload 100"), e.getCause()::toString);
        }
    }

    @Test
    void aServerThatNeverAnswersTheConnectTimesOut() throws Exception {
        assertTrue(connectFailure(List.of(OPEN)).startsWith("no Socket.IO CONNECT answer within 1000 ms"));
        assertTrue(connectFailure(List.of()).startsWith("no Socket.IO CONNECT answer within 1000 ms"));
    }

    /**
     * An open that fails (here a CONNECT not answered within the timeout) is retried: the server
     * gets more handshakes than connections, and the report says so instead of leaving it to the
     * connect_errors counter.
     */
    @Test
    void aRetriedOpenIsReported(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TransportConfig t = TransportUnderTest.NIO.config();
        try (Fake fake = new Fake(t, List.of(OPEN), List.of(OPEN, "40{\"sid\":\"x\"}"), 400)) {
            java.nio.file.Path json = dir.resolve("report.json");
            java.io.StringWriter out = new java.io.StringWriter();
            int code = io.switchboard.client.cli.ClientMain.run(new java.io.PrintWriter(out, true),
                    new java.io.PrintWriter(out, true), "load", "--protocol", "socketio", "--target", fake.url(),
                    "-c", "1", "-d", "1s", "--rate", "20", "--timeout", "300ms", "--opt", "workload=emit",
                    "--json", json.toString(), "-q");
            com.fasterxml.jackson.databind.JsonNode stage = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(json.toFile()).get("stages").get(0);
            assertEquals(1, stage.get("counters").get("connect_errors").asLong(), out::toString);
            assertEquals(2, fake.upgrades.get());
            assertTrue(stage.get("self").get("findings").toString().contains("1 connection attempt failed (refused, reset, "
                    + "or the handshake not answered within the timeout) and was retried with backoff while the run lasted: "
                    + "1 opened, so the server got up to 1 more handshake than connections"), () -> stage + "\n" + out);
            assertEquals(0, code, out::toString);
        }
    }

    @Test
    void aRefusedPollingHandshakeSaysTheStatusAndBody() throws Exception {
        TransportConfig t = TransportUnderTest.NIO.config();
        try (Fake fake = new Fake(t, List.of(), 400); WorkloadHarness h = new WorkloadHarness(t,
                LoadSettings.builder().protocol(Protocol.SOCKETIO).target(fake.url()).connections(1)
                        .timeout(Duration.ofSeconds(1)).option("transport", "polling").build(), SioWorkload::new)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.connect(0));
            assertEquals("the polling handshake was answered 400 Bad Request "
                    + "\"{\"code\":5,\"message\":\"Unsupported protocol version\"}\"", e.getCause().getMessage());
        }
    }

    @Test
    void anAckNoRequestAskedForAndSilentHeartbeatsAreConnectionErrors() throws Exception {
        TransportConfig t = TransportUnderTest.NIO.config();
        try (Fake fake = new Fake(t, List.of(OPEN, "40{\"sid\":\"a\"}", "43999[\"x\"]"), 400);
             WorkloadHarness h = new WorkloadHarness(t, settings(fake.url()), SioWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            h.await("a connection error", () -> c.connectionErrors == 1, 10_000);
            assertTrue(c.details.get(0).startsWith("connection PROTOCOL_ERROR: an ACK with id 999 that no request"),
                    c.details::toString);
        }
        String quiet = "0{\"sid\":\"s1\",\"upgrades\":[],\"pingInterval\":100,\"pingTimeout\":100}";
        try (Fake fake = new Fake(t, List.of(quiet, "40{\"sid\":\"a\"}"), 400);
             WorkloadHarness h = new WorkloadHarness(t, settings(fake.url()), SioWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            h.await("a connection error", () -> c.connectionErrors == 1, 10_000);
            assertTrue(c.details.get(0).startsWith("connection TIMEOUT: no ping from the server for"), c.details::toString);
            assertTrue(c.details.get(0).endsWith("(pingInterval + pingTimeout = 200 ms)"), c.details::toString);
        }
    }

    @Test
    void aPacketOfAnotherNamespaceIsNotOurs() throws Exception {
        TransportConfig t = TransportUnderTest.NIO.config();
        try (Fake fake = new Fake(t, List.of(OPEN, "40/other,{\"sid\":\"a\"}", "40{\"sid\":\"b\"}", "2"), 400);
             WorkloadHarness h = new WorkloadHarness(t, settings(fake.url()), SioWorkload::new)) {
            h.connect(0);
            h.await("the ping answered", () -> h.counter("pings_answered") == 1, 10_000);
        }
    }
}
