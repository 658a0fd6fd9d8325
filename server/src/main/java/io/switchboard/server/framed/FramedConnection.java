package io.switchboard.server.framed;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.server.Disconnects;
import io.switchboard.server.ReadGate;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.lifecycle.SessionEnded;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Access;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.SessionInfo;
import io.switchboard.server.session.SessionWire;
import io.switchboard.server.settings.FramedConfig;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The life of one framed connection, under its translation ({@link FramedSessionHandler}):
 * whether it is handshaken (see {@link FramedHandshake}), draining (told BYE at shutdown, still
 * answering) or closing; the idle timeout, the shutdown BYE, the slow-consumer and server-side
 * disconnects, the core's closing error (a signed token's expiry), failures, and the close with
 * its bookkeeping (the session leaves the hub and the connection slot is freed at once). It is
 * also the connection-state half of the {@link SessionWire}; rendering is the subclass's. All on
 * the connection's event loop.
 */
abstract class FramedConnection extends ChannelInboundHandlerAdapter implements SessionWire {
    private static final Logger log = LogManager.getLogger(FramedConnection.class);
    /** How long a closing session keeps draining its peer's input after the final frame. */
    static final long LINGER_MILLIS = 2000;

    final FramedConfig config;
    final Session session;
    final Metrics metrics;
    volatile Channel channel;
    /** The connection's event loop, kept here so that a fan-out's look at it does not touch the channel. */
    private volatile EventExecutor loop;
    /**
     * Whether the session takes output: from the handler's start until it closes. Kept here, with
     * {@link #writable}, so that a fan-out asks this handler alone and not the channel, its socket
     * and its outbound buffer (in a room of thousands, each a cache miss per member and event).
     */
    private volatile boolean outputOpen;
    /** The channel's writability as it last changed ({@code channelWritabilityChanged}). */
    private volatile boolean writable = true;
    private boolean handshaken;
    private boolean closing;
    /** The server is shutting down and this session was sent BYE: it still answers until its client's BYE. */
    private boolean draining;

    /** {@code access} is the permissions the session core checks (the policy, and where refusals are counted). */
    FramedConnection(long sessionId, FramedConfig config, RoomHub hub, Metrics metrics, Access access) {
        this.config = config;
        this.metrics = metrics;
        this.session = new Session(sessionId, hub, config.session(), this, access);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        session.describe(new SessionInfo("framed", SessionInfo.format(ctx.channel().remoteAddress()),
                java.time.Instant.now(), ""));
        loop = ctx.executor();
        outputOpen = ctx.channel().isActive();
        writable = ctx.channel().isWritable();
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        outputOpen = !closing;
        writable = ctx.channel().isWritable();
        ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        writable = ctx.channel().isWritable();
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Puts into the pipeline what the subclass holds for the connection (events handed to it and
     * not yet written), before anything else is written: what this class writes (a BYE, a
     * closing frame) comes after every event handed over before it.
     */
    abstract void writeHeld();

    boolean handshaken() {
        return handshaken;
    }

    /** HELLO was accepted: the session is registered and takes requests. */
    void handshakeDone() {
        handshaken = true;
    }

    boolean closing() {
        return closing;
    }

    boolean draining() {
        return draining;
    }

    /**
     * Sends {@code last} (if any) after everything queued, then closes gracefully: the output is
     * shut down (FIN) and later input is read and dropped for up to {@link #LINGER_MILLIS}, so that
     * the peer receives the final frame instead of a reset caused by its own unread bytes. The
     * session ends at once: its connection slot is free from now on, whatever the linger.
     */
    void closeWith(ChannelHandlerContext ctx, Frame last) {
        writeHeld();
        closing = true;
        outputOpen = false;
        if (!session.isEnded()) {
            // Leaves the hub and tells the handlers before this one (the connection slot).
            session.end();
            handshaken = false;
            SessionEnded.fire(ctx.channel());
        }
        if (last instanceof ErrorFrame error) {
            metrics.error(error.code());
        }
        Connections.closeGently(ctx.channel(), last == null ? Unpooled.EMPTY_BUFFER : last, LINGER_MILLIS);
    }

    // ---- SessionWire: the connection's state ----

    @Override
    public EventExecutor executor() {
        EventExecutor l = loop;
        return l != null ? l : channel.eventLoop();
    }

    @Override
    public boolean isOpen() {
        // A closing connection lingers with its output shut down (Connections.closeGently): it
        // takes nothing more, and what a fan-out would hand it is not a slow-consumer drop.
        return outputOpen;
    }

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public void pauseInput(boolean paused) {
        ReadGate.of(channel).set(ReadGate.Reason.PARKED, paused);
    }

    @Override
    public void closeSlowConsumer() {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing) {
            closeWith(ctx, new ErrorFrame(0, ErrorCode.SLOW_CONSUMER,
                    "outbound buffer above " + config.session().writeBufferHighWaterMark() + " bytes"));
        }
    }

    /**
     * The application's disconnect ({@code disconnectSockets()}): BYE with the reason; the client
     * answers BYE and the server closes, as at shutdown. A client that has not answered within
     * {@link #LINGER_MILLIS} of the BYE is closed all the same (gently, like any close): a peer
     * that ignores the BYE does not keep its connection. Its session has left the hub already.
     */
    @Override
    public void disconnect(String reason) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing && !draining) {
            draining = true;
            session.end();
            writeHeld();
            ctx.writeAndFlush(new Bye(0, 0, reason), ctx.voidPromise());
            ctx.executor().schedule(() -> {
                if (!closing && ctx.channel().isActive()) {
                    log.debug("{} no BYE within {} ms of the server's, closing", ctx.channel(), LINGER_MILLIS);
                    closeWith(ctx, null);
                }
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * An operator's disconnect: BYE with the reason, then the connection closes gently at once
     * (no waiting for the client's BYE, which a client that will not go would never send).
     */
    @Override
    public void kick(String reason) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing) {
            closeWith(ctx, new Bye(0, 0, reason));
        }
    }

    @Override
    public void closeWithError(ErrorCode code, String message) {
        // The core ends the session this way, e.g. ERROR 419 when its signed token expires.
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx != null && !closing) {
            closeWith(ctx, new ErrorFrame(0, code, message));
        }
    }

    // ---- channel events ----

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        outputOpen = false;
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
                writeHeld();
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
