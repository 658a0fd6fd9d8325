package io.switchboard.server.framed;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.Version;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
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
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Disconnects;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ReadGate;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.lifecycle.SessionEnded;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.Session.Publication;
import io.switchboard.server.session.SessionWire;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The framed protocol's adapter onto the session core: the handshake, PING and ECHO, and the
 * translation of frames to {@link Session} calls and of its answers and refusals back to frames.
 * Replies are written in request order; the pipeline's flush consolidation flushes them once per
 * read batch, and events from other sessions once per burst. One instance per connection.
 */
final class FramedSessionHandler extends ChannelInboundHandlerAdapter implements SessionWire {
    private static final Logger log = LogManager.getLogger(FramedSessionHandler.class);
    /** How long a closing session keeps draining its peer's input after the final frame. */
    static final long LINGER_MILLIS = 2000;

    private final ServerConfig config;
    private final Session session;
    private final Authenticator auth;
    private final Metrics metrics;
    private volatile Channel channel;
    /**
     * Where room events, already encoded, enter the pipeline: below the frame encoder, so that a
     * delivery does not walk the handlers above it.
     */
    private ChannelHandlerContext eventContext;
    private boolean handshaken;
    private boolean closing;
    /** The server is shutting down and this session was sent BYE: it still answers until its client's BYE. */
    private boolean draining;

    FramedSessionHandler(long sessionId, ServerConfig config, RoomHub hub) {
        this(sessionId, config, hub, new Metrics());
    }

    FramedSessionHandler(long sessionId, ServerConfig config, RoomHub hub, Metrics metrics) {
        this(sessionId, config, hub, metrics, Authenticator.of(AuthTokens.of(config.authToken())));
    }

    FramedSessionHandler(long sessionId, ServerConfig config, RoomHub hub, Metrics metrics, Authenticator auth) {
        this.metrics = metrics;
        this.config = config;
        this.auth = auth;
        this.session = new Session(sessionId, hub, config.session(), this, auth);
    }

    /** The session core this adapter speaks for. */
    Session session() {
        return session;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelHandlerContext encoder = ctx.pipeline().context(HandlerNames.FRAME_ENCODER);
        eventContext = encoder != null ? encoder : ctx;
        channel = ctx.channel(); // last: publishes eventContext to delivering threads
    }

    // ---- inbound ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing || !(msg instanceof Frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        try {
            if (session.park(frame)) {
                return;
            }
        } catch (Refused e) {
            reply(ctx, error(frame, e));
            return;
        }
        handle(ctx, frame);
    }

    private void handle(ChannelHandlerContext ctx, Frame frame) {
        if (frame.opcode() != null) {
            metrics.frameIn(frame.opcode());
        }
        if (frame instanceof InvalidFrame invalid) {
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
        if (frame instanceof Hello hello) {
            hello(ctx, hello);
            return;
        }
        if (!handshaken) {
            ReferenceCountUtil.release(frame);
            reply(ctx, error(frame, ErrorCode.HANDSHAKE_REQUIRED, frame.opcode() + " before HELLO: send HELLO first"));
            return;
        }
        try {
            switch (frame.opcode()) {
                case PING, ECHO -> reply(ctx, ((PayloadFrame) frame).reply());
                case PONG -> ReferenceCountUtil.release(frame);
                case JOIN -> {
                    Join join = (Join) frame;
                    session.join(join.room(), Flags.has(join.flags(), Flags.PRESENCE), () -> acknowledge(ctx, join));
                }
                case LEAVE -> {
                    session.leave(((Leave) frame).room());
                    acknowledge(ctx, frame);
                }
                case PUBLISH -> publish(ctx, (Publish) frame);
                case ACK -> {
                    Ack ack = (Ack) frame;
                    session.peerAck(ack.requestId(), ack.content());
                }
                case MEMBERS -> {
                    Members members = (Members) frame;
                    reply(ctx, new MembersReply(members.requestId(), members.room(), session.members(members.room())));
                }
                case BYE -> {
                    log.debug("{} said bye: {}", ctx.channel(), ((Bye) frame).message());
                    closeWith(ctx, null);
                }
                default -> {
                    ReferenceCountUtil.release(frame);
                    reply(ctx, error(frame, ErrorCode.UNEXPECTED_OPCODE, frame.opcode() + " is not a request"));
                }
            }
        } catch (Refused e) {
            reply(ctx, error(frame, e));
        }
    }

    private void publish(ChannelHandlerContext ctx, Publish publish) throws Refused {
        boolean ack = Flags.has(publish.flags(), Flags.ACK);
        boolean includeSelf = Flags.has(publish.flags(), Flags.INCLUDE_SELF);
        Publication p = new Publication(publish.target(), publish.room(), publish.sessionId(), publish.event(),
                includeSelf, ack, Flags.has(publish.flags(), Flags.PEER_ACK), publish.requestId(),
                publish.flags() & (Flags.JSON | Flags.BINARY));
        if (!session.publish(p, publish.content())) {
            acknowledge(ctx, publish); // else the peer's answer is the acknowledgement
        }
    }

    private static ErrorFrame error(Frame request, ErrorCode code, String message) {
        return new ErrorFrame(request.requestId(), code, message);
    }

    private static ErrorFrame error(Frame request, Refused refused) {
        return new ErrorFrame(request.requestId(), refused.code(), refused.getMessage());
    }

    private void hello(ChannelHandlerContext ctx, Hello hello) {
        if (draining && !handshaken) {
            closeWith(ctx, error(hello, ErrorCode.SHUTTING_DOWN, "the server is shutting down"));
            return;
        }
        if (handshaken) {
            if (session.grant() != null && !hello.token().isEmpty()) {
                refresh(ctx, hello);
            } else {
                reply(ctx, error(hello, ErrorCode.ALREADY_HANDSHAKEN, "the handshake is already done"));
            }
            return;
        }
        if (hello.version() != Wire.PROTOCOL_VERSION) {
            reply(ctx, error(hello, ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version()
                    + " is not supported (expected: " + Wire.PROTOCOL_VERSION + ")"));
            return;
        }
        try {
            session.name(hello.name());
        } catch (Refused e) {
            reply(ctx, error(hello, e));
            return;
        }
        try {
            session.authenticate(auth.admit(hello.token()));
        } catch (Refused e) {
            log.debug("{} refused ({}): {}", ctx.channel(), e.cause(), e.getMessage());
            closeWith(ctx, error(hello, e));
            return;
        }
        handshaken = true;
        session.register();
        log.debug("{} session {} started by '{}'", ctx.channel(), session.id(), session.name());
        reply(ctx, new Welcome(hello.requestId(), Wire.PROTOCOL_VERSION, session.id(), config.maxFrameLength(),
                (int) config.idleTimeout().toMillis(), Version.product()));
    }

    /**
     * A HELLO after the handshake from a session with a signed token, carrying a fresh one: the
     * token is replaced (WELCOME again, same session) or refused (ERROR 403, the old one stays).
     */
    private void refresh(ChannelHandlerContext ctx, Hello hello) {
        try {
            session.refresh(auth.refresh(hello.token()));
        } catch (Refused e) {
            reply(ctx, error(hello, e));
            return;
        }
        reply(ctx, new Welcome(hello.requestId(), Wire.PROTOCOL_VERSION, session.id(), config.maxFrameLength(),
                (int) config.idleTimeout().toMillis(), Version.product()));
    }

    private void acknowledge(ChannelHandlerContext ctx, Frame request) {
        if (Flags.has(request.flags(), Flags.ACK)) {
            reply(ctx, new Ack(request.requestId(), Unpooled.EMPTY_BUFFER));
        }
    }

    /** Writes and flushes; the pipeline's flush consolidation makes it one flush per read batch. */
    private void reply(ChannelHandlerContext ctx, Frame reply) {
        if (reply instanceof ErrorFrame error) {
            metrics.error(error.code());
        }
        ctx.writeAndFlush(reply, ctx.voidPromise());
    }

    // ---- SessionWire ----

    @Override
    public EventExecutor executor() {
        return channel.eventLoop();
    }

    @Override
    public boolean isOpen() {
        Channel ch = channel;
        return ch != null && ch.isActive();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public boolean write(Outbound message) {
        // FlushConsolidationHandler, below the encoder, turns a burst of these flushes into one;
        // the write is accounted against the water marks as soon as it is queued.
        ChannelHandlerContext ctx = eventContext;
        ctx.writeAndFlush(message.framedBytes(), ctx.voidPromise());
        return true;
    }

    @Override
    public void reply(Frame reply) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            ReferenceCountUtil.release(reply);
            return;
        }
        if (reply instanceof ErrorFrame error) {
            metrics.error(error.code());
        }
        ch.writeAndFlush(reply, ch.voidPromise());
    }

    @Override
    public void closeSlowConsumer() {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing) {
            closeWith(ctx, new ErrorFrame(0, ErrorCode.SLOW_CONSUMER,
                    "outbound buffer above " + config.writeBufferHighWaterMark() + " bytes"));
        }
    }

    @Override
    public void disconnect(String reason) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing && !draining) {
            // The client answers BYE and closes, as at shutdown; its session has left the hub already.
            draining = true;
            session.end();
            ctx.writeAndFlush(new Bye(0, 0, reason), ctx.voidPromise());
        }
    }

    @Override
    public void closeWithError(ErrorCode code, String message) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing) {
            closeWith(ctx, new ErrorFrame(0, code, message));
        }
    }

    @Override
    public void pauseInput(boolean paused) {
        ReadGate.of(channel).set(ReadGate.Reason.PARKED, paused);
    }

    @Override
    public void dispatch(Object message) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx == null || closing) {
            ReferenceCountUtil.release(message);
            return;
        }
        handle(ctx, (Frame) message);
    }

    // ---- lifecycle ----

    /**
     * Sends {@code last} (if any) after everything queued, then closes gracefully: the output is
     * shut down (FIN) and later input is read and dropped for up to {@link #LINGER_MILLIS}, so that
     * the peer receives the final frame instead of a reset caused by its own unread bytes. The
     * session ends at once: its connection slot is free from now on, whatever the linger.
     */
    private void closeWith(ChannelHandlerContext ctx, Frame last) {
        closing = true;
        endSession(ctx);
        if (last instanceof ErrorFrame error) {
            metrics.error(error.code());
        }
        Connections.closeGently(ctx.channel(), last == null ? Unpooled.EMPTY_BUFFER : last, LINGER_MILLIS);
    }

    /** Leaves the hub and tells the handlers before this one (the connection slot) that the session is over. */
    private void endSession(ChannelHandlerContext ctx) {
        if (!session.isEnded()) {
            session.end();
            handshaken = false;
            SessionEnded.fire(ctx.channel());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.end();
        handshaken = false;
        ctx.fireChannelInactive();
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
        log.warn("{} session {} failed", ctx.channel(), session.id(), cause);
        if (!closing) {
            closeWith(ctx, new ErrorFrame(0, ErrorCode.INTERNAL_ERROR, "internal error"));
        } else {
            ctx.close();
        }
    }
}
