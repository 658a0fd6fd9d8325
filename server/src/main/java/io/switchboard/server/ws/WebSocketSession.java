package io.switchboard.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session.Publication;
import io.switchboard.server.session.Session;
import io.switchboard.server.settings.WsConfig;
import io.switchboard.server.ws.WsJson.BadMessage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The WebSocket bridge's adapter onto the session core: JSON messages ({@code docs/websocket.md},
 * parsed by {@link WsRequest.Decoder} in front of it) become {@link Session} calls, and the core's
 * answers, refusals, events and presence notices become JSON text frames. The connection's life
 * (upgrade, rate, idle, shutdown, failures, close) is {@link WsConnection}'s.
 */
final class WebSocketSession extends WsConnection {
    private static final Logger log = LogManager.getLogger(WebSocketSession.class);

    private boolean named;

    WebSocketSession(WsConfig config, RoomHub hub, Metrics metrics) {
        this(config, hub, metrics, null, Authenticator.of(AuthTokens.none()));
    }

    WebSocketSession(WsConfig config, RoomHub hub, Metrics metrics, ConnectionRate rate, Authenticator auth) {
        super(config, hub, metrics, rate, auth);
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WsRequest request) {
            if (closing()) {
                return;
            }
            try {
                if (session.park(request)) {
                    return;
                }
            } catch (Refused e) {
                error(ctx, request.id(), e.code(), e.getMessage());
                return;
            }
            handle(ctx, request);
            return;
        }
        if (!(msg instanceof WebSocketFrame)) {
            ctx.fireChannelRead(msg); // a plain HTTP request: the router's
            return;
        }
        try {
            if (msg instanceof BinaryWebSocketFrame && !closing()) {
                log.debug("{} WebSocket session {} sent a binary message, closing", ctx.channel(), session.id());
                closeWith(ctx, null, WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "binary messages are not supported");
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void handle(ChannelHandlerContext ctx, WsRequest request) {
        String type = request.type();
        Long id = request.id();
        if (overRate(ctx, type, id)) {
            return; // a flood of malformed messages is limited like any other
        }
        try {
            if (request.malformed() != null) {
                throw request.malformed();
            }
            JsonNode message = request.body();
            switch (type) {
                case "hello" -> hello(ctx, message, id);
                case "join" -> {
                    String room = WsJson.string(message, "room", null);
                    session.join(room, WsJson.flag(message, "presence"), () -> acknowledge(ctx, id));
                }
                case "leave" -> {
                    session.leave(WsJson.string(message, "room", null));
                    acknowledge(ctx, id);
                }
                case "members" -> members(ctx, message, id);
                case "publish", "broadcast", "send" -> publish(ctx, message, id, type);
                case "ack" -> peerAck(message, id);
                case "refresh" -> {
                    session.refresh(auth.refresh(WsJson.string(message, "token", null)));
                    acknowledge(ctx, id);
                }
                case "ping" -> send(ctx, WsJson.frame(ctx.alloc(), "pong", json -> WsJson.writeId(json, id)));
                default -> throw new BadMessage(ErrorCode.UNKNOWN_OPCODE, "unknown type '" + type + "'");
            }
        } catch (BadMessage e) {
            log.debug("{} WebSocket session {} bad message: {}", ctx.channel(), session.id(), e.getMessage());
            error(ctx, id, e.code, e.getMessage());
        } catch (Refused e) {
            error(ctx, id, e.code(), e.getMessage());
        }
    }

    private void hello(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage, Refused {
        if (named || !session.rooms().isEmpty()) {
            throw new BadMessage(ErrorCode.ALREADY_HANDSHAKEN, "hello comes once, before the first join");
        }
        session.name(WsJson.string(message, "name", ""));
        named = true;
        acknowledge(ctx, id);
    }

    private void members(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage, Refused {
        String room = WsJson.string(message, "room", null);
        int limit = WsJson.pageLimit(message);
        if (limit == 0) {
            send(ctx, WsJson.members(ctx.alloc(), id, room, session.members(room), null));
        } else {
            long after = message.hasNonNull("after") ? WsJson.session(message, "after") : 0;
            Session.MemberPage page = session.members(room, after, limit);
            send(ctx, WsJson.members(ctx.alloc(), id, room, page.members(), page.next()));
        }
    }

    /** publish (room), broadcast (all) and send (one session): the framed PUBLISH's checks, in its order. */
    private void publish(ChannelHandlerContext ctx, JsonNode message, Long id, String type) throws BadMessage, Refused {
        String event = WsJson.string(message, "event", "");
        byte[] data = WsJson.data(message);
        boolean peerAck = WsJson.flag(message, "peerAck");
        boolean includeSelf = WsJson.flag(message, "includeSelf");
        boolean ack = id != null;
        Publication p;
        switch (type) {
            case "publish" -> {
                String room = WsJson.string(message, "room", null);
                p = Publication.toRoom(room, event, includeSelf, ack, 0);
            }
            case "broadcast" -> p = Publication.toAll(event, includeSelf, ack, 0);
            default -> {
                if (peerAck && id == null) {
                    throw new BadMessage(ErrorCode.INVALID_ARGUMENT, "peerAck needs an id to answer with");
                }
                p = Publication.toSession(WsJson.session(message, "session"), event, ack, peerAck,
                        peerAck ? (int) (long) id : 0, 0);
            }
        }
        if (peerAck && p.target() != Target.SESSION) {
            throw new BadMessage(ErrorCode.INVALID_ARGUMENT, "peerAck needs a session target (type send)");
        }
        if (!session.publish(p, Unpooled.wrappedBuffer(data))) {
            acknowledge(ctx, id); // else the peer's answer is the acknowledgement
        }
    }

    /** The answer to an event that carried an {@code ackId}. */
    private void peerAck(JsonNode message, Long id) throws BadMessage, Refused {
        if (id == null) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "'id' is missing (expected: the event's ackId)");
        }
        session.peerAck((int) (long) id, Unpooled.wrappedBuffer(WsJson.data(message)));
    }

    private void acknowledge(ChannelHandlerContext ctx, Long id) {
        if (id != null) {
            send(ctx, WsJson.frame(ctx.alloc(), "ack", json -> WsJson.writeId(json, id)));
        }
    }

    private static void send(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        ctx.writeAndFlush(frame, ctx.voidPromise());
    }

    // ---- SessionWire: rendering ----

    @Override
    public boolean write(Outbound message) {
        ByteBuf json = message.encoded(WsEncoding.INSTANCE);
        if (json == null) {
            return false;
        }
        ChannelHandlerContext c = ctx;
        c.writeAndFlush(new TextWebSocketFrame(json), c.voidPromise());
        return true;
    }

    @Override
    public void reply(Frame reply) {
        ChannelHandlerContext c = ctx;
        try {
            if (c == null || !c.channel().isActive()) {
                return;
            }
            if (reply instanceof Ack ack) {
                c.writeAndFlush(WsJson.frame(c.alloc(), "ack", json -> {
                    json.writeNumberField("id", Integer.toUnsignedLong(ack.requestId()));
                    WsJson.writeData(json, ack.content());
                }), c.voidPromise());
            } else if (reply instanceof ErrorFrame error) {
                metrics.error(error.code());
                c.writeAndFlush(WsJson.error(c.alloc(), Integer.toUnsignedLong(error.requestId()), error.code(),
                        error.message()), c.voidPromise());
            }
        } finally {
            ReferenceCountUtil.release(reply);
        }
    }

    @Override
    public void dispatch(Object message) {
        if (closing()) {
            return;
        }
        handle(ctx, (WsRequest) message);
    }
}
