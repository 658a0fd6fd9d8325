package io.switchboard.server.framed;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.Version;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.InvalidFrame;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Leave;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Disconnects;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.SlowConsumerPolicy;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.rooms.SessionRules;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One framed-protocol session: the handshake, then PING, ECHO, rooms, events and acks. Replies
 * are written in request order; the pipeline's flush consolidation flushes them once per read
 * batch, and events from other sessions once per burst. Stateful: one instance per connection; it is also the session's
 * {@link Member} in the {@link RoomHub}.
 */
final class FramedSessionHandler extends ChannelInboundHandlerAdapter implements Member {
    private static final Logger log = LogManager.getLogger(FramedSessionHandler.class);
    /** How long a closing session keeps draining its peer's input after the final frame. */
    static final long LINGER_MILLIS = 2000;
    static final String NOT_FORWARDED = "the cluster link is down: not forwarded to other nodes";

    private final long sessionId;
    private final ServerConfig config;
    private final RoomHub hub;
    private final SessionRules rules;
    private final AuthTokens auth;
    /** Rooms this session is in; touched only on this channel's event loop. */
    private final Set<String> joined = new LinkedHashSet<>();
    private final AtomicBoolean slowDisconnect = new AtomicBoolean();
    private volatile Channel channel;
    private volatile String name = "";
    private boolean handshaken;
    private boolean closing;
    /** Frames that arrived while a JOIN waits for the cluster (see {@link #join}); on this channel's event loop only. */
    private ArrayDeque<Object> parked;
    /** The server is shutting down and this session was sent BYE: it still answers until its client's BYE. */
    private boolean draining;

    private final Metrics metrics;

    FramedSessionHandler(long sessionId, ServerConfig config, RoomHub hub) {
        this(sessionId, config, hub, new Metrics());
    }

    FramedSessionHandler(long sessionId, ServerConfig config, RoomHub hub, Metrics metrics) {
        this(sessionId, config, hub, metrics, AuthTokens.of(config.authToken()));
    }

    FramedSessionHandler(long sessionId, ServerConfig config, RoomHub hub, Metrics metrics, AuthTokens auth) {
        this.metrics = metrics;
        this.sessionId = sessionId;
        this.config = config;
        this.hub = hub;
        this.rules = new SessionRules(config);
        this.auth = auth;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public long id() {
        return sessionId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (parked != null && !closing) {
            parked.add(msg);
            return;
        }
        if (closing || !(msg instanceof Frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        if (frame.opcode() != null) {
            metrics.frameIn(frame.opcode());
        }
        if (frame instanceof InvalidFrame) {
            InvalidFrame invalid = (InvalidFrame) frame;
            log.debug("{} invalid input: {}", ctx.channel(), invalid.message());
            if (invalid.fatal()) {
                closeWith(ctx, invalid.toError());
            } else {
                reply(ctx, invalid.toError());
            }
            return;
        }
        if (!frame.opcode().clientMaySend()) {
            ReferenceCountUtil.release(frame);
            reply(ctx, error(frame, ErrorCode.UNEXPECTED_OPCODE, frame.opcode() + " is sent by servers only"));
            return;
        }
        if (frame instanceof Hello) {
            hello(ctx, (Hello) frame);
            return;
        }
        if (!handshaken) {
            ReferenceCountUtil.release(frame);
            reply(ctx, error(frame, ErrorCode.HANDSHAKE_REQUIRED, frame.opcode() + " before HELLO: send HELLO first"));
            return;
        }
        switch (frame.opcode()) {
            case PING:
            case ECHO:
                reply(ctx, ((PayloadFrame) frame).reply());
                break;
            case PONG:
                ReferenceCountUtil.release(frame);
                break;
            case JOIN:
                join(ctx, (Join) frame);
                break;
            case LEAVE:
                leave(ctx, (Leave) frame);
                break;
            case PUBLISH:
                publish(ctx, (Publish) frame);
                break;
            case ACK:
                Ack ack = (Ack) frame;
                if (!hub.peerAck(this, ack.requestId(), ack.content())) {
                    reply(ctx, error(frame, ErrorCode.UNKNOWN_ACK,
                            "no acknowledgement with request id " + ack.requestId() + " is awaited from this session"));
                }
                break;
            case MEMBERS:
                members(ctx, (Members) frame);
                break;
            case BYE:
                log.debug("{} said bye: {}", ctx.channel(), ((Bye) frame).message());
                closeWith(ctx, null);
                break;
            default:
                ReferenceCountUtil.release(frame);
                reply(ctx, error(frame, ErrorCode.UNEXPECTED_OPCODE, frame.opcode() + " is not a request"));
                break;
        }
    }

    private static ErrorFrame error(Frame request, ErrorCode code, String message) {
        return new ErrorFrame(request.requestId(), code, message);
    }

    private void hello(ChannelHandlerContext ctx, Hello hello) {
        if (draining && !handshaken) {
            closeWith(ctx, error(hello, ErrorCode.SHUTTING_DOWN, "the server is shutting down"));
            return;
        }
        if (handshaken) {
            reply(ctx, error(hello, ErrorCode.ALREADY_HANDSHAKEN, "the handshake is already done"));
            return;
        }
        if (hello.version() != Wire.PROTOCOL_VERSION) {
            reply(ctx, error(hello, ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version()
                    + " is not supported (expected: " + Wire.PROTOCOL_VERSION + ")"));
            return;
        }
        if (refused(ctx, hello, rules.name(hello.name()))) {
            return;
        }
        if (auth.required() && !auth.accepts(hello.token())) {
            log.info("{} refused: {} auth token", ctx.channel(), hello.token().isEmpty() ? "missing" : "wrong");
            closeWith(ctx, error(hello, ErrorCode.AUTH_FAILED,
                    hello.token().isEmpty() ? "this server needs an auth token" : "wrong auth token"));
            return;
        }
        handshaken = true;
        name = hello.name();
        hub.register(this);
        log.debug("{} session {} started by '{}'", ctx.channel(), sessionId, name);
        reply(ctx, new Welcome(hello.requestId(), Wire.PROTOCOL_VERSION, sessionId, config.maxFrameLength(),
                (int) config.idleTimeout().toMillis(), Version.product()));
    }

    /** Answers {@code request} with the refusal, if there is one; returns whether there was. */
    private boolean refused(ChannelHandlerContext ctx, Frame request, SessionRules.Refusal refusal) {
        if (refusal == null) {
            return false;
        }
        reply(ctx, error(request, refusal.code(), refusal.message()));
        return true;
    }

    private void acknowledge(ChannelHandlerContext ctx, Frame request) {
        if (Flags.has(request.flags(), Flags.ACK)) {
            reply(ctx, new Ack(request.requestId(), Unpooled.EMPTY_BUFFER));
        }
    }

    private void join(ChannelHandlerContext ctx, Join join) {
        if (refused(ctx, join, rules.join(joined, join.room()))) {
            return;
        }
        joined.add(join.room());
        CompletionStage<Void> ready = hub.join(this, join.room(), Flags.has(join.flags(), Flags.PRESENCE));
        if (ready == null) {
            acknowledge(ctx, join);
            return;
        }
        // Cluster mode, the node's first member of the room: the JOIN is done once the node
        // receives the room from the other nodes. Later frames wait, so replies stay in order.
        parked = new ArrayDeque<>();
        ctx.channel().config().setAutoRead(false);
        ready.whenComplete((ok, e) -> ctx.executor().execute(() -> {
            acknowledge(ctx, join);
            unpark(ctx);
        }));
    }

    /** Processes the frames that arrived while a JOIN was completing, in order; reads again after. */
    private void unpark(ChannelHandlerContext ctx) {
        ArrayDeque<Object> waiting = parked;
        if (waiting == null) {
            return; // the connection ended meanwhile
        }
        parked = null;
        for (Object msg; (msg = waiting.poll()) != null; ) {
            channelRead(ctx, msg); // parks the rest again behind another such JOIN
        }
        if (parked == null && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void releaseParked() {
        ArrayDeque<Object> waiting = parked;
        parked = null;
        if (waiting != null) {
            waiting.forEach(ReferenceCountUtil::release);
        }
    }

    private void leave(ChannelHandlerContext ctx, Leave leave) {
        ErrorCode refused = hub.leave(this, leave.room());
        if (refused != null) {
            refused(ctx, leave, SessionRules.leave(refused, leave.room()));
            return;
        }
        joined.remove(leave.room());
        acknowledge(ctx, leave);
    }

    private void members(ChannelHandlerContext ctx, Members members) {
        if (!joined.contains(members.room())) {
            refused(ctx, members, SessionRules.notJoined(members.room()));
            return;
        }
        reply(ctx, new MembersReply(members.requestId(), members.room(), hub.members(members.room())));
    }

    private void publish(ChannelHandlerContext ctx, Publish publish) {
        try {
            if (refused(ctx, publish, rules.event(publish.event(), publish.content().readableBytes()))) {
                return;
            }
            boolean peerAck = Flags.has(publish.flags(), Flags.PEER_ACK);
            if (peerAck && publish.target() != Target.SESSION) {
                reply(ctx, error(publish, ErrorCode.INVALID_ARGUMENT, "PEER_ACK needs a session target"));
                return;
            }
            boolean includeSelf = Flags.has(publish.flags(), Flags.INCLUDE_SELF);
            ByteBuf payload = publish.content();
            ErrorCode failed;
            switch (publish.target()) {
                case ROOM:
                    if (refused(ctx, publish, rules.room(publish.room()))) {
                        return;
                    }
                    failed = hub.publishRoom(this, publish.room(), new Event(0, 0, sessionId, Target.ROOM, publish.room(),
                            publish.event(), payload.retain()), includeSelf);
                    break;
                case ALL:
                    failed = hub.publishAll(this, new Event(0, 0, sessionId, Target.ALL, "", publish.event(),
                            payload.retain()), includeSelf);
                    break;
                case SESSION:
                default:
                    long target = publish.sessionId();
                    int relayId = peerAck ? hub.expectPeerAck(this, publish.requestId(), target,
                            config.peerAckTimeout(), ctx.executor()) : 0;
                    failed = hub.publishSession(target, new Event(relayId, peerAck ? Flags.PEER_ACK : 0,
                            sessionId, Target.SESSION, "", publish.event(), payload.retain()));
                    if (failed != null) {
                        if (peerAck) {
                            hub.cancelPeerAck(relayId);
                        }
                        reply(ctx, error(publish, failed, failed == ErrorCode.UNKNOWN_SESSION
                                ? "no session with id " + target : NOT_FORWARDED));
                        return;
                    }
                    if (peerAck) {
                        return; // the ACK comes from the peer
                    }
                    break;
            }
            if (failed != null && Flags.has(publish.flags(), Flags.ACK)) {
                // Delivered here, not forwarded: counted by the broker; the publisher asked, so it is told.
                reply(ctx, error(publish, failed, NOT_FORWARDED));
                return;
            }
            acknowledge(ctx, publish);
        } finally {
            publish.release();
        }
    }

    /** Writes and flushes; the pipeline's flush consolidation makes it one flush per read batch. */
    private void reply(ChannelHandlerContext ctx, Frame reply) {
        if (reply instanceof ErrorFrame) {
            metrics.error(((ErrorFrame) reply).code());
        }
        ctx.writeAndFlush(reply, ctx.voidPromise());
    }

    // ---- Member: called from any thread ----

    @Override
    public boolean deliver(Outbound message) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return false;
        }
        if (!ch.isWritable()) {
            if (config.slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT && slowDisconnect.compareAndSet(false, true)) {
                ch.eventLoop().execute(() -> {
                    ChannelHandlerContext ctx = ch.pipeline().context(this);
                    if (ctx != null && !closing) {
                        log.info("{} session {} disconnected: slow consumer", ch, sessionId);
                        closeWith(ctx, new ErrorFrame(0, ErrorCode.SLOW_CONSUMER,
                                "outbound buffer above " + config.writeBufferHighWaterMark() + " bytes"));
                    }
                });
            }
            return false;
        }
        // FlushConsolidationHandler at the head of the pipeline turns a burst of these flushes
        // into one; the write is accounted against the water marks as soon as it is queued.
        ch.writeAndFlush(message.framedBytes(), ch.voidPromise());
        return true;
    }

    @Override
    public void deliverReply(Frame reply) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            ReferenceCountUtil.release(reply);
            return;
        }
        ch.writeAndFlush(reply, ch.voidPromise());
    }

    // ---- lifecycle ----

    /**
     * Sends {@code last} (if any) after everything queued, then closes gracefully: the output is
     * shut down (FIN) and later input is read and dropped for up to {@link #LINGER_MILLIS}, so that
     * the peer receives the final frame instead of a reset caused by its own unread bytes.
     */
    private void closeWith(ChannelHandlerContext ctx, Frame last) {
        closing = true;
        releaseParked();
        leaveHub();
        if (last instanceof ErrorFrame) {
            metrics.error(((ErrorFrame) last).code());
        }
        Channel ch = ctx.channel();
        ctx.writeAndFlush(last == null ? Unpooled.EMPTY_BUFFER : last).addListener(written -> {
            if (!written.isSuccess() || !(ch instanceof DuplexChannel)) {
                ch.close();
                return;
            }
            ((DuplexChannel) ch).shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    ch.close();
                }
            });
            ch.config().setAutoRead(true);
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseParked();
        leaveHub();
        ctx.fireChannelInactive();
    }

    /** Leaves every room (members who asked are told) and stops receiving events. Idempotent. */
    private void leaveHub() {
        if (handshaken) {
            handshaken = false;
            hub.unregister(this, joined);
            joined.clear();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ShutdownEvent.INSTANCE) {
            if (!closing && !draining) {
                // After every reply already written; the session keeps answering what its client
                // sent before it saw the BYE, until the client's own BYE (or the drain timeout).
                draining = true;
                ctx.writeAndFlush(new Bye(0, ErrorCode.SHUTTING_DOWN.code(), "server shutting down"), ctx.voidPromise());
            }
            return;
        }
        if (evt instanceof IdleStateEvent && !closing) {
            log.debug("{} idle for {} ms, closing", ctx.channel(), config.idleTimeout().toMillis());
            closeWith(ctx, new ErrorFrame(0, ErrorCode.IDLE_TIMEOUT,
                    "no frame received for " + config.idleTimeout().toMillis() + " ms"));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Disconnects.isRoutine(cause)) {
            log.debug("{} closed: {}", ctx.channel(), cause.toString());
            ctx.close();
            return;
        }
        log.warn("{} session {} failed", ctx.channel(), sessionId, cause);
        if (!closing) {
            closeWith(ctx, new ErrorFrame(0, ErrorCode.INTERNAL_ERROR, "internal error"));
        } else {
            ctx.close();
        }
    }
}
