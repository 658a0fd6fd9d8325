package io.switchboard.server.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.echo.EchoServerInitializer;
import io.switchboard.server.framed.FramedServerInitializer;
import io.switchboard.server.http.HttpServerInitializer;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.limits.Admission;
import io.switchboard.server.limits.Limits;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.socketio.SocketIoServer;
import io.switchboard.server.socketio.settings.SocketIoOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each listener's production pipeline, built by its initializer with every optional handler on
 * (limits, access log, Socket.IO), has the order {@link HandlerNames} draws; a connection over the
 * limits gets the refusal alone.
 */
class PipelineOrderTest {
    private final Metrics metrics = new Metrics();
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    private final ServerConfig config = ServerConfig.builder()
            .handshakeTimeout(Duration.ofSeconds(5))
            .httpHeaderTimeout(Duration.ofSeconds(5))
            .rateLimit(100)
            .httpAccessLog(true)
            .build();
    private final Admission admission = new Admission(new Limits(config.limitsConfig(), metrics), new Connections());
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private List<String> names(io.netty.channel.ChannelHandler initializer) {
        channel = new EmbeddedChannel(initializer);
        // Leaves out the pipeline's tail and the helpers Netty's WebSocket protocol handler adds
        // next to itself (its handshake handler and UTF-8 validator), which are Netty's, not ours.
        return channel.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline$") && !n.startsWith("io.netty.")).toList();
    }

    @Test
    void framed() {
        assertEquals(List.of(HandlerNames.TRAFFIC, HandlerNames.FLUSH_CONSOLIDATION, HandlerNames.IDLE,
                HandlerNames.SESSION_TRAFFIC, HandlerNames.FRAME_DECODER, HandlerNames.FRAME_ENCODER, HandlerNames.FRAMED_LIMITS,
                HandlerNames.BACKPRESSURE, HandlerNames.FRAMED_SESSION),
                names(new FramedServerInitializer(config.framedConfig(), hub, metrics, null, Authenticator.of(AuthTokens.none()), admission)));
    }

    @Test
    void echo() {
        assertEquals(List.of(HandlerNames.TRAFFIC, HandlerNames.BACKPRESSURE, HandlerNames.ECHO),
                names(new EchoServerInitializer(metrics, admission)));
    }

    @Test
    void http() {
        assertEquals(List.of(HandlerNames.TRAFFIC, HandlerNames.HTTP_ENCODER, HandlerNames.HTTP_CODEC,
                HandlerNames.HTTP_DRAIN, HandlerNames.HTTP_HEADER_TIMEOUT, HandlerNames.HTTP_ACCESS_LOG,
                HandlerNames.HTTP_IDLE, HandlerNames.BACKPRESSURE,
                HandlerNames.HTTP_FLOW_CONTROL, HandlerNames.HTTP_GUARD, HandlerNames.SOCKETIO, HandlerNames.WS_AUTH,
                HandlerNames.HTTP_RATE_LIMIT, HandlerNames.FLUSH_CONSOLIDATION, HandlerNames.HTTP_ROUTER),
                names(httpInitializer()));
    }

    /** The request aggregator joins with the first request that has a body, in its place, and stays. */
    @Test
    void httpAfterARequestWithABody() {
        names(httpInitializer());
        channel.writeInbound(Unpooled.copiedBuffer("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        assertNull(channel.pipeline().get(HandlerNames.HTTP_AGGREGATOR), "a request without a body adds nothing");
        channel.writeInbound(Unpooled.copiedBuffer("POST /plain HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
                StandardCharsets.US_ASCII));
        channel.writeInbound(Unpooled.copiedBuffer("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        List<String> names = channel.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline$") && !n.startsWith("io.netty.")).toList();
        assertEquals(List.of(HandlerNames.HTTP_IDLE, HandlerNames.HTTP_AGGREGATOR, HandlerNames.BACKPRESSURE),
                names.subList(names.indexOf(HandlerNames.HTTP_IDLE), names.indexOf(HandlerNames.BACKPRESSURE) + 1), names.toString());
        // Three responses: the POST's (405) between the two GETs' (404), in order.
        StringBuilder out = new StringBuilder();
        for (Object msg = channel.readOutbound(); msg != null; msg = channel.readOutbound()) {
            out.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
            ((ByteBuf) msg).release();
        }
        List<String> statuses = java.util.regex.Pattern.compile("HTTP/1\\.1 \\d{3} [^\r]*").matcher(out).results()
                .map(java.util.regex.MatchResult::group).toList();
        assertEquals(List.of("HTTP/1.1 404 Not Found", "HTTP/1.1 405 Method Not Allowed", "HTTP/1.1 404 Not Found"), statuses);
    }

    /** The WebSocket's handlers join behind its guard with the first request for /ws, not before. */
    @Test
    void httpAfterAWebSocketUpgrade() {
        names(httpInitializer());
        channel.writeInbound(Unpooled.copiedBuffer("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
        assertNull(channel.pipeline().get(HandlerNames.WS_PROTOCOL), "a plain request adds nothing");
        channel.writeInbound(Unpooled.copiedBuffer("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                StandardCharsets.US_ASCII));
        channel.runPendingTasks();
        List<String> names = channel.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline$") && !n.startsWith("io.netty.")).toList();
        // The upgrade itself changes the front (the codec, the idle timers) and puts the session's
        // traffic counter before the decoder; behind the guard the WebSocket's handlers now stand in order.
        assertEquals(List.of(HandlerNames.WS_AUTH, HandlerNames.WS_PROTOCOL, HandlerNames.WS_AGGREGATOR,
                HandlerNames.SESSION_TRAFFIC, HandlerNames.WS_DECODER, HandlerNames.WS_SESSION,
                HandlerNames.HTTP_RATE_LIMIT, HandlerNames.FLUSH_CONSOLIDATION, HandlerNames.HTTP_ROUTER),
                names.subList(names.indexOf(HandlerNames.WS_AUTH), names.size()), names.toString());
    }

    /**
     * An Engine.IO WebSocket keeps what its frames need and nothing of the HTTP listener that no
     * longer applies: every frame read and every packet written would pass those handlers.
     */
    @Test
    void httpAfterAnEngineIoUpgrade() {
        names(httpInitializer());
        channel.writeInbound(Unpooled.copiedBuffer("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n", StandardCharsets.US_ASCII));
        channel.runPendingTasks();
        List<String> names = channel.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline$") && !n.startsWith("io.netty.")).toList();
        assertEquals(List.of(HandlerNames.TRAFFIC, "wsencoder", "wsdecoder", HandlerNames.BACKPRESSURE,
                "socketioWsAggregator", HandlerNames.SOCKETIO_WS), names);
    }

    private HttpServerInitializer httpInitializer() {
        SocketIoServer socketIo = new SocketIoServer(hub, config.session(), Authenticator.of(AuthTokens.none()),
                UnpooledByteBufAllocator.DEFAULT, SocketIoOptions.defaults());
        return new HttpServerInitializer(config.httpConfig(), hub, metrics, TransportConfig.resolve(
                TransportChoice.NIO, null), () -> true, null,
                Authenticator.of(AuthTokens.none()), socketIo.engineListener(), null, admission);
    }

    @Test
    void aConnectionOverTheLimitGetsTheRefusalAlone() {
        ServerConfig one = ServerConfig.builder().maxConnections(1).build();
        Admission full = new Admission(new Limits(one.limitsConfig(), metrics), null);
        EmbeddedChannel first = new EmbeddedChannel(new EchoServerInitializer(metrics, full));
        try {
            channel = new EmbeddedChannel(new FramedServerInitializer(one.framedConfig(), hub, metrics, null, Authenticator.of(AuthTokens.none()), full));
            // The refusal answered ERROR 509 and closed: nothing of the protocol pipeline was built.
            io.netty.buffer.ByteBuf out = channel.readOutbound();
            EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder());
            decoder.writeInbound(out);
            ErrorFrame error = decoder.readInbound();
            assertEquals(ErrorCode.TOO_MANY_CONNECTIONS, error.errorCode());
            decoder.finishAndReleaseAll();
            assertEquals(false, channel.isOpen());
            assertEquals(null, channel.pipeline().get(HandlerNames.FRAMED_SESSION));
        } finally {
            first.finishAndReleaseAll();
        }
    }
}
