package io.switchboard.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
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
import io.switchboard.common.Version;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Disconnects;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.SlowConsumerPolicy;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.rooms.SessionRules;
import io.switchboard.server.ws.WsJson.BadMessage;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One WebSocket session: JSON text messages ({@code docs/websocket.md}) mapped onto the rooms
 * hub, so that browsers share rooms, events, presence and peer acks with framed sessions. The
 * checks and error codes are those of the framed protocol (section 8 of {@code docs/protocol.md});
 * they are repeated here rather than shared with {@code FramedSessionHandler}, which checks
 * decoded frames. Stateful: one instance per connection; it becomes a {@link Member} once the
 * upgrade completes, and stays out of the way of plain HTTP requests before that.
 */
final class WebSocketSession extends ChannelInboundHandlerAdapter implements Member, ConnectionRate.Limited {
    private static final Logger log = LogManager.getLogger(WebSocketSession.class);
    private static final String NOT_FORWARDED = "the cluster link is down: not forwarded to other nodes";

    private final ServerConfig config;
    private final SessionRules rules;
    private final RoomHub hub;
    private final Metrics metrics;
    /** Rooms this session is in; touched only on this channel's event loop. */
    private final Set<String> joined = new LinkedHashSet<>();
    private final AtomicBoolean slowDisconnect = new AtomicBoolean();
    private volatile ChannelHandlerContext ctx;
    private volatile long sessionId;
    private volatile String name = "";
    private boolean upgraded;
    private boolean registered;
    private boolean named;
    private boolean closing;
    /** The per-connection message rate, or null when unlimited; set before the channel reads. */
    private ConnectionRate rate;
    /** Messages that arrived while a join waits for the cluster; on this channel's event loop only. */
    private ArrayDeque<String> parked;

    WebSocketSession(ServerConfig config, RoomHub hub, Metrics metrics) {
        this.config = config;
        this.rules = new SessionRules(config);
        this.hub = hub;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void rateLimit(ConnectionRate rate) {
        this.rate = rate;
    }

    @Override
    public long id() {
        return sessionId;
    }

    @Override
    public String name() {
        return name;
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
                log.debug("{} WebSocket session {} idle for {} ms, closing", ctx.channel(), sessionId,
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
        sessionId = hub.newSessionId();
        registered = true;
        hub.register(this);
        log.debug("{} WebSocket session {} started", ctx.channel(), sessionId);
        send(ctx, WsJson.frame(ctx.alloc(), "welcome", json -> {
            WsJson.writeSession(json, "session", sessionId);
            json.writeStringField("server", Version.product());
            json.writeNumberField("maxMessageBytes", config.httpMaxBodyBytes());
            json.writeNumberField("maxPayloadBytes", config.maxPayloadBytes());
            json.writeNumberField("maxRoomNameBytes", config.maxRoomNameBytes());
            json.writeNumberField("maxEventNameBytes", config.maxEventNameBytes());
            json.writeNumberField("maxNameBytes", Wire.MAX_NAME_BYTES);
            json.writeNumberField("maxRoomsPerSession", config.maxRoomsPerSession());
            json.writeNumberField("idleTimeoutMillis", idleMillis);
        }));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        leaveHub();
        ctx.fireChannelInactive();
    }

    /** Leaves every room (members who asked are told) and stops receiving events. Idempotent. */
    private void leaveHub() {
        if (registered) {
            registered = false;
            hub.unregister(this, joined);
            joined.clear();
        }
    }

    /** Sends {@code last} (if any), then a close frame, then closes the connection. */
    private void closeWith(ChannelHandlerContext ctx, TextWebSocketFrame last, WebSocketCloseStatus status, String reason) {
        closing = true;
        leaveHub();
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
            log.debug("{} WebSocket session {}: {}", ctx.channel(), sessionId, cause.getMessage());
            closeWith(ctx, null, WebSocketCloseStatus.MESSAGE_TOO_BIG,
                    "message over " + config.httpMaxBodyBytes() + " bytes");
            return;
        }
        if (cause instanceof CorruptedWebSocketFrameException || Disconnects.isRoutine(cause)) {
            // The WebSocket decoder has already sent its close frame (1002, 1007, 1009).
            log.debug("{} WebSocket session {} closed: {}", ctx.channel(), sessionId, cause.toString());
            leaveHub();
            if (!closing) {
                ctx.close();
            }
            return;
        }
        log.warn("{} WebSocket session {} failed", ctx.channel(), sessionId, cause);
        if (!closing) {
            closeWith(ctx, null, WebSocketCloseStatus.INTERNAL_SERVER_ERROR, "internal error");
        } else {
            ctx.close();
        }
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame)) {
            ctx.fireChannelRead(msg); // a plain HTTP request: the router's
            return;
        }
        try {
            if (closing) {
                return;
            }
            if (msg instanceof TextWebSocketFrame text) {
                if (parked != null) {
                    parked.add(text.text());
                } else {
                    handle(ctx, text.text());
                }
            } else if (msg instanceof BinaryWebSocketFrame) {
                log.debug("{} WebSocket session {} sent a binary message, closing", ctx.channel(), sessionId);
                closeWith(ctx, null, WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "binary messages are not supported");
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void handle(ChannelHandlerContext ctx, String text) {
        Long id = null;
        boolean charged = false;
        try {
            JsonNode message = WsJson.parse(text);
            Long requestId = WsJson.id(message);
            id = requestId;
            String type = WsJson.string(message, "type", null);
            charged = true;
            if (overRate(ctx, type, requestId)) {
                return;
            }
            switch (type) {
                case "hello" -> hello(ctx, message, requestId);
                case "join" -> join(ctx, message, requestId);
                case "leave" -> leave(ctx, message, requestId);
                case "members" -> members(ctx, message, requestId);
                case "publish" -> publish(ctx, message, requestId, Target.ROOM);
                case "broadcast" -> publish(ctx, message, requestId, Target.ALL);
                case "send" -> publish(ctx, message, requestId, Target.SESSION);
                case "ack" -> peerAck(ctx, message, requestId);
                case "ping" -> send(ctx, WsJson.frame(ctx.alloc(), "pong", json -> WsJson.writeId(json, requestId)));
                default -> throw new BadMessage(ErrorCode.UNKNOWN_OPCODE, "unknown type '" + type + "'");
            }
        } catch (BadMessage e) {
            if (!charged && overRate(ctx, null, id)) {
                return; // a flood of malformed messages is limited like any other
            }
            log.debug("{} WebSocket session {} bad message: {}", ctx.channel(), sessionId, e.getMessage());
            error(ctx, id, e.code, e.getMessage());
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

    /** Throws the refusal, if there is one, as a message error. */
    private static void check(SessionRules.Refusal refusal) throws BadMessage {
        if (refusal != null) {
            throw new BadMessage(refusal.code(), refusal.message());
        }
    }

    private void hello(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage {
        if (named || !joined.isEmpty()) {
            throw new BadMessage(ErrorCode.ALREADY_HANDSHAKEN, "hello comes once, before the first join");
        }
        String newName = WsJson.string(message, "name", "");
        check(rules.name(newName));
        name = newName;
        named = true;
        acknowledge(ctx, id);
    }

    private String room(JsonNode message) throws BadMessage {
        String room = WsJson.string(message, "room", null);
        check(rules.room(room));
        return room;
    }

    private void join(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage {
        String room = room(message);
        boolean presence = WsJson.flag(message, "presence");
        check(rules.join(joined, room));
        joined.add(room);
        CompletionStage<Void> ready = hub.join(this, room, presence);
        if (ready == null) {
            acknowledge(ctx, id);
            return;
        }
        // Cluster mode: answered once the node receives the room from the other nodes; later
        // messages wait (in order) until then, as in the framed session.
        parked = new ArrayDeque<>();
        ctx.channel().config().setAutoRead(false);
        ready.whenComplete((ok, e) -> ctx.executor().execute(() -> {
            acknowledge(ctx, id);
            ArrayDeque<String> waiting = parked;
            parked = null;
            if (waiting == null) {
                return; // the connection ended meanwhile
            }
            for (String text; (text = waiting.poll()) != null; ) {
                if (parked != null) {
                    parked.add(text);
                } else if (!closing) {
                    handle(ctx, text);
                }
            }
            if (parked == null && !closing) {
                ctx.channel().config().setAutoRead(true);
            }
        }));
    }

    private void leave(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage {
        String room = WsJson.string(message, "room", null);
        ErrorCode refused = hub.leave(this, room);
        if (refused != null) {
            check(SessionRules.leave(refused, room));
        }
        joined.remove(room);
        acknowledge(ctx, id);
    }

    private void members(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage {
        String room = WsJson.string(message, "room", null);
        if (!joined.contains(room)) {
            check(SessionRules.notJoined(room));
        }
        send(ctx, WsJson.frame(ctx.alloc(), "members", json -> {
            WsJson.writeId(json, id);
            json.writeStringField("room", room);
            json.writeArrayFieldStart("members");
            for (MemberInfo m : hub.members(room)) {
                json.writeStartObject();
                WsJson.writeSession(json, "session", m.sessionId());
                json.writeStringField("name", m.name());
                json.writeEndObject();
            }
            json.writeEndArray();
        }));
    }

    /** publish (room), broadcast (all) and send (one session): the framed PUBLISH's checks, in its order. */
    private void publish(ChannelHandlerContext ctx, JsonNode message, Long id, Target target) throws BadMessage {
        String event = WsJson.string(message, "event", "");
        byte[] data = WsJson.data(message);
        check(rules.event(event, data.length));
        boolean peerAck = WsJson.flag(message, "peerAck");
        if (peerAck && target != Target.SESSION) {
            throw new BadMessage(ErrorCode.INVALID_ARGUMENT, "peerAck needs a session target (type send)");
        }
        if (peerAck && id == null) {
            throw new BadMessage(ErrorCode.INVALID_ARGUMENT, "peerAck needs an id to answer with");
        }
        boolean includeSelf = WsJson.flag(message, "includeSelf");
        ErrorCode failed;
        switch (target) {
            case ROOM -> {
                String room = room(message);
                failed = hub.publishRoom(this, room, new Event(0, 0, sessionId, Target.ROOM, room, event,
                        Unpooled.wrappedBuffer(data)), includeSelf);
            }
            case ALL -> failed = hub.publishAll(this, new Event(0, 0, sessionId, Target.ALL, "", event,
                    Unpooled.wrappedBuffer(data)), includeSelf);
            default -> {
                long to = WsJson.session(message, "session");
                int relayId = peerAck ? hub.expectPeerAck(this, (int) (long) id, to, config.peerAckTimeout(),
                        ctx.executor()) : 0;
                failed = hub.publishSession(to, new Event(relayId, peerAck ? Flags.PEER_ACK : 0,
                        sessionId, Target.SESSION, "", event, Unpooled.wrappedBuffer(data)));
                if (failed != null) {
                    if (peerAck) {
                        hub.cancelPeerAck(relayId);
                    }
                    throw new BadMessage(failed, failed == ErrorCode.UNKNOWN_SESSION
                            ? "no session with id " + Long.toUnsignedString(to) : NOT_FORWARDED);
                }
                if (peerAck) {
                    return; // the ack comes from the peer
                }
            }
        }
        if (failed != null && id != null) {
            throw new BadMessage(failed, NOT_FORWARDED); // delivered here only; counted by the broker
        }
        acknowledge(ctx, id);
    }

    /** The answer to an event that carried an {@code ackId}. */
    private void peerAck(ChannelHandlerContext ctx, JsonNode message, Long id) throws BadMessage {
        if (id == null) {
            throw new BadMessage(ErrorCode.MALFORMED_BODY, "'id' is missing (expected: the event's ackId)");
        }
        byte[] data = WsJson.data(message);
        if (!hub.peerAck(this, (int) (long) id, Unpooled.wrappedBuffer(data))) {
            throw new BadMessage(ErrorCode.UNKNOWN_ACK, "no acknowledgement with id " + id + " is awaited from this session");
        }
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

    // ---- Member: called from any thread ----

    @Override
    public boolean deliver(Outbound message) {
        ChannelHandlerContext c = ctx;
        Channel ch = c == null ? null : c.channel();
        if (ch == null || !ch.isActive()) {
            return false;
        }
        if (!ch.isWritable()) {
            if (config.slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT && slowDisconnect.compareAndSet(false, true)) {
                ch.eventLoop().execute(() -> {
                    if (!closing && ch.isActive()) {
                        log.info("{} WebSocket session {} disconnected: slow consumer", ch, sessionId);
                        metrics.error(ErrorCode.SLOW_CONSUMER.code());
                        closeWith(c, WsJson.error(c.alloc(), null, ErrorCode.SLOW_CONSUMER.code(),
                                "outbound buffer above " + config.writeBufferHighWaterMark() + " bytes"),
                                WebSocketCloseStatus.POLICY_VIOLATION, "slow consumer");
                    }
                });
            }
            return false;
        }
        TextWebSocketFrame json = render(c, message.frame());
        if (json == null) {
            return false;
        }
        c.writeAndFlush(json, c.voidPromise());
        return true;
    }

    private TextWebSocketFrame render(ChannelHandlerContext c, Frame frame) {
        if (frame instanceof Event event) {
            Member sender = hub.session(event.senderId());
            return WsJson.frame(c.alloc(), "event", json -> {
                json.writeStringField("target", event.target().name().toLowerCase(java.util.Locale.ROOT));
                if (event.target() == Target.ROOM) {
                    json.writeStringField("room", event.room());
                }
                json.writeStringField("event", event.event());
                WsJson.writeSession(json, "sender", event.senderId());
                if (sender != null) {
                    json.writeStringField("name", sender.name());
                }
                WsJson.writeData(json, event.content());
                if (Flags.has(event.flags(), Flags.PEER_ACK)) {
                    json.writeNumberField("ackId", Integer.toUnsignedLong(event.requestId()));
                }
            });
        }
        if (frame instanceof Presence presence) {
            return WsJson.frame(c.alloc(), presence.opcode() == Opcode.JOINED ? "joined" : "left", json -> {
                json.writeStringField("room", presence.room());
                WsJson.writeSession(json, "session", presence.sessionId());
                json.writeStringField("name", presence.name());
            });
        }
        log.debug("{} WebSocket session {}: nothing to render for {}", c.channel(), sessionId, frame);
        return null;
    }

    @Override
    public void deliverReply(Frame reply) {
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
}
