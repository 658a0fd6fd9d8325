package io.switchboard.server.ws;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.settings.WsConfig;

/**
 * The WebSocket bridge at {@code /ws} on the HTTP listener: browsers join the same rooms as
 * framed-protocol sessions. The HTTP initializer calls {@link #addTo} after its request
 * aggregator and before its router. {@code docs/websocket.md} specifies the JSON messages.
 *
 * <p>Pipeline after {@code addTo}: {@link HandlerNames#WS_AUTH} (401 without the token); once a
 * request for {@link #PATH} passed it, behind it {@link HandlerNames#WS_PROTOCOL} (Netty's handshake, ping/pong/close, frame size limit: 1009),
 * {@link HandlerNames#WS_AGGREGATOR} (fragmented messages, same limit), and
 * {@link HandlerNames#WS_SESSION}, the {@link io.switchboard.server.rooms.Member}. Requests for
 * other paths pass through all four untouched, and closing a connection that never upgraded
 * writes nothing more to it.
 *
 * <p>Exceptions: Netty's protocol handler closes the channel after passing on any exception that
 * reaches it, so everything that can fail before the router answers for itself ({@link
 * WebSocketAuth} never throws), and the router answers what fails in it with a 500 of its own.
 */
public final class WebSocketBridge {
    /** The path of the WebSocket endpoint. */
    public static final String PATH = "/ws";

    private WebSocketBridge() {
    }

    /**
     * Adds the upgrade's guard ({@link HandlerNames#WS_AUTH}); requests for other paths pass
     * through it untouched. The handlers only a WebSocket needs (protocol, aggregator, decoder,
     * session) are added behind it by the first request for {@link #PATH} that the guard lets
     * through, so that plain HTTP requests do not pass through six handlers that have nothing
     * to do with them. Upgrades are checked against {@code auth} and, with {@code serving}'s
     * origin check, their {@code Origin}; messages held to {@code rate} ({@code null}: unlimited).
     */
    public static void addTo(ChannelPipeline pipeline, WsConfig config, HttpServing serving, RoomHub hub,
            Metrics metrics, Authenticator auth, ConnectionRate rate) {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(PATH)
                // The auth handler has already reduced an accepted request's URI to exactly PATH.
                .checkStartsWith(false)
                .maxFramePayloadLength(config.maxMessageBytes())
                .allowExtensions(false)
                .handleCloseFrames(true)
                // Netty would otherwise write a close frame on every close() of the channel, plain
                // HTTP connections that never upgraded included. The session sends its own close
                // frames (idle, slow consumer, 1003, 1009, 1011); the handshaker answers the peer's
                // close and the frame decoder its protocol violations.
                .sendCloseFrame(null)
                .dropPongFrames(true)
                .handshakeTimeoutMillis(10_000)
                .build();
        pipeline.addLast(HandlerNames.WS_AUTH, new WebSocketAuth(auth, metrics, serving, after -> {
            // Each one right behind the guard, last first: Netty's protocol handler puts its
            // handshake handler and UTF-8 validator before itself when it is added.
            ChannelPipeline p = after.pipeline();
            p.addAfter(after.name(), HandlerNames.WS_SESSION, new WebSocketSession(config, hub, metrics, rate, auth));
            p.addAfter(after.name(), HandlerNames.WS_DECODER, WsRequest.Decoder.INSTANCE);
            p.addAfter(after.name(), HandlerNames.WS_AGGREGATOR, new WebSocketFrameAggregator(config.maxMessageBytes()));
            p.addAfter(after.name(), HandlerNames.WS_PROTOCOL, new WebSocketServerProtocolHandler(protocol));
        }));
    }
}
