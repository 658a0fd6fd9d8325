package io.switchboard.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.Disconnects;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ReadGate;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session.Publication;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.SessionWire;
import io.switchboard.server.ws.WsJson.BadMessage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The WebSocket bridge's adapter onto the session core: JSON messages ({@code docs/websocket.md},
 * parsed by {@link WsRequest.Decoder} in front of it) become {@link Session} calls, and the core's
 * answers, refusals, events and presence notices become JSON text frames. It becomes a session
 * once the upgrade completes, and stays out of the way of plain HTTP requests before that.
 */
final class WebSocketSession extends ChannelInboundHandlerAdapter implements SessionWire {
    private static final Logger log = LogManager.getLogger(WebSocketSession.class);

    private final ServerConfig config;
    private final RoomHub hub;
    private final Metrics metrics;
    private final Authenticator auth;
    private volatile ChannelHandlerContext ctx;
    private Session session;
    private boolean upgraded;
    private boolean named;
    private boolean closing;
    /** The per-connection message rate, or null when unlimited. */
    private final ConnectionRate rate;

    WebSocketSession(ServerConfig config, RoomHub hub, Metrics metrics) {
        this(config, hub, metrics, null, Authenticator.of(AuthTokens.none()));
    }

    WebSocketSession(ServerConfig config, RoomHub hub, Metrics metrics, ConnectionRate rate, Authenticator auth) {
        this.rate = rate;
        this.auth = auth;
        this.config = config;
        this.hub = hub;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    // ---- lifecycle ----

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            start(ctx);
            return;
        }
        if (evt == ShutdownEvent.INSTANCE) {
            if (upgraded && !closing) {
                // 1001 going away; events already queued for this session are written before it.
                closeWith(ctx, null, WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "server shutting down");
            }
            return;
        }
        if (evt instanceof IdleStateEvent && upgraded) {
            if (!closing) {
                log.debug("{} WebSocket session {} idle for {} ms, closing", ctx.channel(), session.id(),
                        config.idleTimeout().toMillis());
                metrics.error(ErrorCode.IDLE_TIMEOUT.code());
                closeWith(ctx, WsJson.error(ctx.alloc(), null, ErrorCode.IDLE_TIMEOUT.code(),
                        "no message received for " + config.idleTimeout().toMillis() + " ms"),
                        WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "idle timeout");
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The upgrade is done: swap the HTTP idle timer for the session's, join the hub, say welcome. */
    private void start(ChannelHandlerContext ctx) {
        upgraded = true;
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(HandlerNames.HTTP_IDLE) != null) {
            pipeline.remove(HandlerNames.HTTP_IDLE);
        }
        long idleMillis = config.idleTimeout().toMillis();
        if (idleMillis > 0) {
            // First, so that any input (pings included) counts as activity.
            pipeline.addFirst(HandlerNames.WS_IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        session = new Session(hub.newSessionId(), hub, config.session(), this, auth);
        try {
            // Verified at the upgrade (WebSocketAuth); checked again here, by the core.
            session.authenticate(ctx.channel().attr(WebSocketAuth.GRANT).getAndSet(null));
        } catch (Refused e) {
            metrics.error(e.code().code());
            closeWith(ctx, WsJson.error(ctx.alloc(), null, e.code().code(), e.getMessage()),
                    WebSocketCloseStatus.POLICY_VIOLATION, "not authorized");
            return;
        }
        session.register();
        log.debug("{} WebSocket session {} started", ctx.channel(), session.id());
        send(ctx, WsJson.welcome(ctx.alloc(), session.id(), config));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            session.end();
        }
        ctx.fireChannelInactive();
    }

    /** Sends {@code last} (if any), then a close frame, then closes the connection. */
    private void closeWith(ChannelHandlerContext ctx, TextWebSocketFrame last, WebSocketCloseStatus status, String reason) {
        closing = true;
        session.end();
        if (last != null) {
            ctx.write(last, ctx.voidPromise());
        }
        ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!upgraded) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (cause instanceof TooLongFrameException && !closing) {
            // A fragmented message over the limit (single frames over it are refused by the decoder).
            log.debug("{} WebSocket session {}: {}", ctx.channel(), session.id(), cause.getMessage());
            closeWith(ctx, null, WebSocketCloseStatus.MESSAGE_TOO_BIG,
                    "message over " + config.httpMaxBodyBytes() + " bytes");
            return;
        }
        if (cause instanceof CorruptedWebSocketFrameException || Disconnects.isRoutine(cause)) {
            // The WebSocket decoder has already sent its close frame (1002, 1007, 1009).
            log.debug("{} WebSocket session {} closed: {}", ctx.channel(), session.id(), cause.toString());
            session.end();
            if (!closing) {
                ctx.close();
            }
            return;
        }
        log.warn("{} WebSocket session {} failed", ctx.channel(), session.id(), cause);
        if (!closing) {
            closeWith(ctx, null, WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "internal error");
        } else {
            ctx.close();
        }
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof WsRequest request) {
            if (closing) {
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
            if (msg instanceof BinaryWebSocketFrame && !closing) {
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
                case "members" -> members(ctx, WsJson.string(message, "room", null), id);
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

    /**
     * Whether the message goes over the connection's rate: it is then answered with error 429
     * (with its id) and not processed, and the connection stays open. A peer {@code ack} is an
     * answer the server asked for and is never limited, as ACK is not on framed connections.
     */
    private boolean overRate(ChannelHandlerContext ctx, String type, Long id) {
        if (rate == null || "ack".equals(type) || rate.allow(ctx.channel())) {
            return false;
        }
        error(ctx, id, ErrorCode.RATE_LIMITED, (type == null ? "message" : type) + " not processed: more than "
                + rate.perSecond() + " messages per second");
        return true;
    }

    private void hello(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage, Refused {
        if (named || !session.rooms().isEmpty()) {
            throw new BadMessage(ErrorCode.ALREADY_HANDSHAKEN, "hello comes once, before the first join");
        }
        session.name(WsJson.string(message, "name", ""));
        named = true;
        acknowledge(ctx, id);
    }

    private void members(ChannelHandlerContext ctx, String room, Long id) throws Refused {
        List<MemberInfo> members = session.members(room);
        send(ctx, WsJson.frame(ctx.alloc(), "members", json -> {
            WsJson.writeId(json, id);
            json.writeStringField("room", room);
            json.writeArrayFieldStart("members");
            for (MemberInfo m : members) {
                json.writeStartObject();
                WsJson.writeSession(json, "session", m.sessionId());
                json.writeStringField("name", m.name());
                json.writeEndObject();
            }
            json.writeEndArray();
        }));
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

    private void error(ChannelHandlerContext ctx, Long id, ErrorCode code, String message) {
        metrics.error(code.code());
        send(ctx, WsJson.error(ctx.alloc(), id, code.code(), message));
    }

    private static void send(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        ctx.writeAndFlush(frame, ctx.voidPromise());
    }

    // ---- SessionWire ----

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public boolean isOpen() {
        ChannelHandlerContext c = ctx;
        return c != null && c.channel().isActive();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

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
    public void closeSlowConsumer() {
        ChannelHandlerContext c = ctx;
        if (!closing && c.channel().isActive()) {
            metrics.error(ErrorCode.SLOW_CONSUMER.code());
            closeWith(c, WsJson.error(c.alloc(), null, ErrorCode.SLOW_CONSUMER.code(),
                    "outbound buffer above " + config.writeBufferHighWaterMark() + " bytes"),
                    WebSocketCloseStatus.POLICY_VIOLATION, "slow consumer");
        }
    }

    @Override
    public void disconnect(String reason) {
        if (!closing && ctx.channel().isActive()) {
            closeWith(ctx, null, WebSocketCloseStatus.NORMAL_CLOSURE, reason);
        }
    }

    @Override
    public void closeWithError(ErrorCode code, String message) {
        ChannelHandlerContext c = ctx;
        if (!closing && c.channel().isActive()) {
            metrics.error(code.code());
            closeWith(c, WsJson.error(c.alloc(), null, code.code(), message), WebSocketCloseStatus.POLICY_VIOLATION,
                    code == ErrorCode.TOKEN_EXPIRED ? "token expired" : "closed");
        }
    }

    @Override
    public void pauseInput(boolean paused) {
        ReadGate.of(ctx.channel()).set(ReadGate.Reason.PARKED, paused);
    }

    @Override
    public void dispatch(Object message) {
        if (closing) {
            return;
        }
        handle(ctx, (WsRequest) message);
    }
}
