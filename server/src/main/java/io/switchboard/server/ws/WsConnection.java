package io.switchboard.server.ws;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.Disconnects;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ReadGate;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.lifecycle.ShutdownEvent;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.SessionInfo;
import io.switchboard.server.session.SessionTraffic;
import io.switchboard.server.session.SessionWire;
import io.switchboard.server.settings.WsConfig;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The life of one WebSocket connection, under its translation ({@link WebSocketSession}): the
 * upgrade that starts the session (the HTTP idle timer swapped for the session's, the grant of
 * the upgrade's signed token, the welcome), the message rate, the idle timeout, the shutdown close
 * (1001), the slow-consumer and server-side disconnects, the core's closing error (a signed
 * token's expiry, 419), failures, and the close with its bookkeeping. It is also the
 * connection-state half of the {@link SessionWire}; rendering is the subclass's. Before the
 * upgrade it stays out of the way of plain HTTP requests. All on the connection's event loop.
 */
abstract class WsConnection extends ChannelInboundHandlerAdapter implements SessionWire {
    /** How long a close waits for its close frame to be written before closing anyway. */
    static final long CLOSE_WRITE_TIMEOUT_MILLIS = 2000;
    private static final Logger log = LogManager.getLogger(WsConnection.class);

    final WsConfig config;
    final Metrics metrics;
    private final RoomHub hub;
    /** The per-connection message rate, or null when unlimited. */
    private final ConnectionRate rate;
    /** The permissions: the session core checks them, a refresh's token is verified by it. */
    final Authenticator auth;
    volatile ChannelHandlerContext ctx;
    /** Made when the upgrade completes. */
    Session session;
    private boolean upgraded;
    private boolean closing;

    WsConnection(WsConfig config, RoomHub hub, Metrics metrics, ConnectionRate rate, Authenticator auth) {
        this.auth = auth;
        this.config = config;
        this.hub = hub;
        this.metrics = metrics;
        this.rate = rate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    boolean closing() {
        return closing;
    }

    /** Sends {@code last} (if any), then a close frame, then closes the connection. */
    void closeWith(ChannelHandlerContext ctx, TextWebSocketFrame last, WebSocketCloseStatus status, String reason) {
        closing = true;
        session.end();
        if (last != null) {
            ctx.write(last, ctx.voidPromise());
        }
        ChannelFuture written = ctx.writeAndFlush(new CloseWebSocketFrame(status, reason));
        written.addListener(ChannelFutureListener.CLOSE);
        // A peer that does not read (a slow consumer, a half-open peer) never lets the close frame
        // be written: close anyway after a while, dropping what is queued for it, or the
        // connection and its backlog would stay for ever.
        ScheduledFuture<?> stuck = ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, CLOSE_WRITE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        written.addListener(done -> stuck.cancel(false));
    }

    /**
     * Whether the message goes over the connection's rate: it is then answered with error 429
     * (with its id) and not processed, and the connection stays open. A peer {@code ack} is an
     * answer the server asked for and is never limited, as ACK is not on framed connections.
     */
    boolean overRate(ChannelHandlerContext ctx, String type, Long id) {
        if (rate == null || "ack".equals(type) || rate.allow(ctx.channel())) {
            return false;
        }
        error(ctx, id, ErrorCode.RATE_LIMITED, (type == null ? "message" : type) + " not processed: more than "
                + rate.perSecond() + " messages per second");
        return true;
    }

    /** Answers a request with a JSON error, counted. */
    void error(ChannelHandlerContext ctx, Long id, ErrorCode code, String message) {
        metrics.error(code.code());
        ctx.writeAndFlush(WsJson.error(ctx.alloc(), id, code.code(), message), ctx.voidPromise());
    }

    // ---- channel events ----

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
        session.describe(new SessionInfo("websocket", SessionInfo.format(ctx.channel().remoteAddress()),
                java.time.Instant.now(), ""));
        if (pipeline.get(HandlerNames.WS_DECODER) != null) {
            pipeline.addBefore(HandlerNames.WS_DECODER, HandlerNames.SESSION_TRAFFIC, new SessionTraffic(session.counters()));
        }
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
        ctx.writeAndFlush(WsJson.welcome(ctx.alloc(), session.id(), config), ctx.voidPromise());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (session != null) {
            session.end();
        }
        ctx.fireChannelInactive();
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
                    "message over " + config.maxMessageBytes() + " bytes");
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

    // ---- SessionWire: the connection's state (its output, its end, its input) ----

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public void closeSlowConsumer() {
        ChannelHandlerContext c = ctx;
        if (!closing && c.channel().isActive()) {
            metrics.error(ErrorCode.SLOW_CONSUMER.code());
            closeWith(c, WsJson.error(c.alloc(), null, ErrorCode.SLOW_CONSUMER.code(),
                    "outbound buffer above " + config.session().writeBufferHighWaterMark() + " bytes"),
                    WebSocketCloseStatus.POLICY_VIOLATION, "slow consumer");
        }
    }

    @Override
    public boolean isOpen() {
        ChannelHandlerContext c = ctx;
        return c != null && c.channel().isActive();
    }

    @Override
    public void disconnect(String reason) {
        if (!closing && ctx.channel().isActive()) {
            closeWith(ctx, null, WebSocketCloseStatus.NORMAL_CLOSURE, reason);
        }
    }

    @Override
    public void closeWithError(ErrorCode code, String message) {
        // The core ends the session this way, e.g. error 419 when its signed token expires.
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
}
