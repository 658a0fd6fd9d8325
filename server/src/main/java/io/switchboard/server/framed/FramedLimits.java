package io.switchboard.server.framed;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.server.Listener;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.limits.Limits;
import io.switchboard.server.limits.RefusalCause;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.settings.LimitsConfig;
import java.util.concurrent.TimeUnit;

/**
 * The framed protocol's per-connection limits, between the codec and the session:
 * <ul>
 *   <li>Handshake timeout: a connection that has not been sent WELCOME within
 *       {@code limits.handshake-timeout} of being accepted gets ERROR 408 ("no HELLO within ...")
 *       and is closed.
 *   <li>Rate limit: a token bucket of {@code limits.rate} requests per second and
 *       {@code limits.rate-burst} at once. A request over it is not processed: it is answered
 *       ERROR 429 RATE_LIMITED with its request id, and the connection stays open. ACK, PONG and BYE
 *       are answers or the goodbye, never limited.
 * </ul>
 * Errors it sends are ordered with the session's replies (same event loop, same encoder).
 * Stateful: one per connection.
 */
final class FramedLimits extends ChannelDuplexHandler {
    private final Limits limits;
    private final Metrics metrics;
    private final long handshakeMillis;
    private final ConnectionRate rate;
    private ScheduledFuture<?> handshakeTimer;
    private boolean closing;

    /** The limits of one connection, or {@code null} when both are off. */
    static FramedLimits of(Limits limits, Metrics metrics) {
        LimitsConfig config = limits.config();
        return config.handshakeTimeout().toMillis() > 0 || config.rateLimit() > 0 ? new FramedLimits(limits, metrics) : null;
    }

    private FramedLimits(Limits limits, Metrics metrics) {
        LimitsConfig config = limits.config();
        this.limits = limits;
        this.metrics = metrics;
        this.handshakeMillis = config.handshakeTimeout().toMillis();
        this.rate = limits.connectionRate(Listener.FRAMED, "requests");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (handshakeMillis > 0) {
            handshakeTimer = ctx.executor().schedule(() -> handshakeTimedOut(ctx), handshakeMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimer();
        ctx.fireChannelInactive();
    }

    private void cancelTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null;
        }
    }

    private void handshakeTimedOut(ChannelHandlerContext ctx) {
        handshakeTimer = null;
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        closing = true;
        limits.refused(Listener.FRAMED, RefusalCause.HANDSHAKE_TIMEOUT, ctx.channel(),
                "no HELLO within " + handshakeMillis + " ms");
        metrics.error(ErrorCode.IDLE_TIMEOUT.code());
        ctx.write(new ErrorFrame(0, ErrorCode.IDLE_TIMEOUT, "no HELLO within " + handshakeMillis + " ms"));
        Connections.closeGently(ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (rate != null && msg instanceof Frame && limited(((Frame) msg).opcode())
                && !rate.allow(ctx.channel())) {
            Frame frame = (Frame) msg;
            int requestId = frame.requestId();
            Opcode opcode = frame.opcode();
            ReferenceCountUtil.release(msg);
            metrics.error(ErrorCode.RATE_LIMITED.code());
            // The session answers the PUBLISHes it holds for a burst first: replies keep request order.
            ctx.fireUserEventTriggered(ReadBatchFlush.END);
            ctx.writeAndFlush(new ErrorFrame(requestId, ErrorCode.RATE_LIMITED,
                    opcode + " not processed: more than " + rate.perSecond() + " requests per second"), ctx.voidPromise());
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean limited(Opcode opcode) {
        return opcode != Opcode.ACK && opcode != Opcode.PONG && opcode != Opcode.BYE;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof Welcome) {
            cancelTimer();
        }
        ctx.write(msg, promise);
    }
}
