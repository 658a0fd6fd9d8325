package io.switchboard.client.load.workload.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.harness.WorkloadHarness;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class WsWorkloadTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private static LoadSettings.Builder settings(String target, int pipeline) {
        return LoadSettings.builder().protocol(Protocol.WS).target(target).connections(1).pipeline(pipeline)
                .payload(PayloadSpec.range(1, 700));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void switchboardBridgeAnswersEverySendWithItsEvent(TransportUnderTest transport) throws Exception {
        TransportConfig config = transport.config();
        Server server = servers.start(transport);
        int port = server.address(Listener.HTTP).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings("127.0.0.1:" + port, 8).build(), WsWorkload::new)) {
            WorkloadHarness.Conn a = h.connect(0);
            WorkloadHarness.Conn b = h.connect(1);
            a.send(300);
            b.send(300);
            h.await("600 events", () -> a.settled() == 300 && b.settled() == 300, 15_000);
            assertEquals(300, a.completed, a.details::toString);
            assertEquals(300, b.completed, b.details::toString);
            assertEquals(0, a.connectionErrors + b.connectionErrors);
            assertTrue(a.bytesReceived > a.bytesSent, "events carry more JSON than sends");
        }
    }

    @Test
    void theBridgesRefusalFailsThatRequestOnly() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO, b -> b.maxPayloadBytes(100));
        int port = server.address(Listener.HTTP).getPort();
        LoadSettings s = settings("ws://127.0.0.1:" + port + "/ws", 1).payload(PayloadSpec.fixed(101)).build();
        try (WorkloadHarness h = new WorkloadHarness(config, s, WsWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            c.send(3);
            h.await("three refusals", () -> c.settled() == 3, 10_000);
            assertEquals(3, c.failures(ErrorKind.PROTOCOL_ERROR), c.details::toString);
            assertTrue(c.details.get(0).contains("code 304"), c.details::toString);
            assertEquals(0, c.connectionErrors);
        }
    }

    @Test
    void theTokenOpensAGuardedBridgeAndItsAbsenceIsAConnectFailure() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO, b -> b.authToken("s3cret"));
        String target = "127.0.0.1:" + server.address(Listener.HTTP).getPort();
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 1).build(), WsWorkload::new)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> h.connect(0));
            assertTrue(e.getCause().getMessage().startsWith("WebSocket upgrade refused: 401"), e.getCause()::toString);
        }
        try (WorkloadHarness h = new WorkloadHarness(config, settings(target, 1).token("s3cret").build(),
                WsWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            c.send(10);
            h.await("ten events", () -> c.completed == 10, 10_000);
        }
    }

    /** Sizes on both sides of the 7-bit and 16-bit length encodings, text and binary. */
    @ParameterizedTest
    @ValueSource(strings = {"text", "binary"})
    void echoModeExpectsEveryFrameBackVerbatim(String frameType) throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        EventLoopGroup group = config.newEventLoopGroup(1, "ws-echo");
        try {
            int port = startEcho(config, group, 0);
            // Few large ones: the paranoid leak detector records every byte access of pooled buffers.
            for (String payload : new String[] {"0-300/40", "65530-65540/4"}) {
                String size = payload.substring(0, payload.indexOf('/'));
                int count = Integer.parseInt(payload.substring(payload.indexOf('/') + 1));
                LoadSettings s = settings("ws://127.0.0.1:" + port + "/echo", 16).option("ws_mode", "echo")
                        .option("ws_frame", frameType).payload(PayloadSpec.parse(size)).build();
                try (WorkloadHarness h = new WorkloadHarness(config, s, WsWorkload::new)) {
                    WorkloadHarness.Conn c = h.connect(0);
                    c.send(count);
                    h.await(count + " echoes of " + size + " bytes", () -> c.settled() == count, 20_000);
                    assertEquals(count, c.completed, c.details::toString);
                }
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** An echo that changes one byte of every 5th message: exactly those are wrong echoes. */
    @Test
    void aCorruptedEchoIsAWrongEcho() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        EventLoopGroup group = config.newEventLoopGroup(1, "ws-echo");
        try {
            int port = startEcho(config, group, 5);
            LoadSettings s = settings("ws://127.0.0.1:" + port + "/echo", 4).option("ws_mode", "echo")
                    .option("ws_frame", "binary").payload(PayloadSpec.fixed(64)).build();
            try (WorkloadHarness h = new WorkloadHarness(config, s, WsWorkload::new)) {
                WorkloadHarness.Conn c = h.connect(0);
                c.send(100);
                h.await("100 answers", () -> c.settled() == 100, 10_000);
                assertEquals(80, c.completed);
                assertEquals(20, c.failures(ErrorKind.WRONG_ECHO), c.details::toString);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void echoModeAgainstTheBridgeIsToldToUseSwitchboardModeOrAnEchoServer() throws Exception {
        TransportConfig config = TransportUnderTest.NIO.config();
        Server server = servers.start(TransportUnderTest.NIO);
        LoadSettings s = settings("127.0.0.1:" + server.address(Listener.HTTP).getPort(), 1)
                .option("ws_mode", "echo").build();
        try (WorkloadHarness h = new WorkloadHarness(config, s, WsWorkload::new)) {
            WorkloadHarness.Conn c = h.connect(0);
            c.send(1);
            // The bridge's welcome comes first: a wrong echo if the request was out by then,
            // otherwise a message nothing asked for, which ends the connection with a hint.
            h.await("the welcome refused", () -> c.settled() == 1 || c.connectionErrors == 1, 10_000);
            String detail = h.onLoop(() -> String.join("; ", c.details));
            assertTrue(c.failures(ErrorKind.WRONG_ECHO) == 1
                    || detail.contains("for Switchboard's /ws use ws_mode=switchboard"), detail);
            assertEquals(0, c.completed);
        }
    }

    @Test
    void badOptionsAreRefusedUpFront() {
        TransportConfig config = TransportUnderTest.NIO.config();
        WorkloadException mode = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 1).option("ws_mode", "chat").build(), WsWorkload::new));
        assertEquals("ws_mode: chat (expected: switchboard or echo)", mode.getMessage());
        WorkloadException frame = assertThrows(WorkloadException.class, () -> new WorkloadHarness(config,
                settings("127.0.0.1:1", 1).option("ws_frame", "binary").build(), WsWorkload::new));
        assertTrue(frame.getMessage().startsWith("ws_frame: binary (expected: text with ws_mode=switchboard"),
                frame.getMessage());
    }

    /** A plain WebSocket echo at /echo; every {@code corruptEvery}-th message gets one byte flipped. */
    private static int startEcho(TransportConfig config, EventLoopGroup group, int corruptEvery) throws Exception {
        Channel listener = config.configure(new ServerBootstrap()).group(group)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65_536),
                                new WebSocketServerProtocolHandler("/echo", null, false, 1 << 20),
                                new Echo(corruptEvery));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    private static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final int corruptEvery;
        private int n;

        Echo(int corruptEvery) {
            this.corruptEvery = corruptEvery;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            n++;
            ByteBuf content = frame.content().copy();
            if (corruptEvery > 0 && n % corruptEvery == 0 && content.isReadable()) {
                content.setByte(0, content.getByte(0) ^ 1);
            }
            WebSocketFrame reply = frame instanceof TextWebSocketFrame
                    ? new TextWebSocketFrame(frame.isFinalFragment(), 0, content)
                    : new BinaryWebSocketFrame(frame.isFinalFragment(), 0, content);
            ctx.writeAndFlush(reply);
        }
    }
}
