package io.switchboard.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The keep-alive idle timeout of one HTTP connection: fires {@link IdleStateEvent#FIRST_ALL_IDLE_STATE_EVENT}
 * (the router closes the connection) when nothing was read or written for the timeout, a response
 * still leaving (its bytes moving out of the outbound buffer, as a slow download's do) counting as
 * writing. What Netty's {@code IdleStateHandler(true, 0, 0, timeout)} does, at a field write per
 * read and per write ({@link #touch}, called by the listener's codec: {@link HttpCodec#idle}) instead
 * of a clock read at each read's end and a listener on each write: the timer, which looks four
 * times per timeout, turns the activity it finds into a time. So the event comes between the
 * timeout and a quarter of it more after the last activity. It stands in the pipeline for its
 * timer's life (active to inactive) and to fire the event from there, but no message passes
 * through it. One per connection.
 */
final class IdleTimeout extends ChannelDuplexHandler {
    /** Looks at the connection this many times per timeout. */
    private static final int CHECKS = 4;
    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    /** Read or written since the timer last looked. */
    private boolean active;
    /** When the timer last found activity ({@link System#nanoTime}). */
    private long lastActivity;
    private ScheduledFuture<?> timer;
    private boolean stopped;
    private boolean fired;
    /** What the outbound buffer looked like when the timer last looked. */
    private int lastMessage;
    private long lastPending;
    private long lastProgress;

    private final LongSupplier clock;

    /** @param timeoutMillis the timeout; 0 or less: never */
    IdleTimeout(long timeoutMillis) {
        this(timeoutMillis, System::nanoTime);
    }

    /** @param clock nanoseconds, for tests */
    IdleTimeout(long timeoutMillis, LongSupplier clock) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(0, timeoutMillis));
        this.clock = clock;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stop();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    /** Something was read or written on the connection. */
    void touch() {
        active = true;
    }

    private void start() {
        if (timer == null && !stopped && timeoutNanos > 0) {
            lastActivity = clock.getAsLong();
            timer = ctx.executor().schedule(this::check, timeoutNanos / CHECKS, TimeUnit.NANOSECONDS);
        }
    }

    private void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (stopped || !ctx.channel().isOpen()) {
            return;
        }
        long now = clock.getAsLong();
        if (outputMoved() | active) {
            active = false;
            fired = false; // the next idle period's event is a first one again, as Netty's
            lastActivity = now;
        }
        long idle = now - lastActivity;
        if (idle >= timeoutNanos) {
            IdleStateEvent event = fired ? IdleStateEvent.ALL_IDLE_STATE_EVENT : IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT;
            fired = true;
            lastActivity = now; // as Netty's: once more after another timeout, if still idle
            idle = 0;
            ctx.fireUserEventTriggered(event);
            if (stopped) {
                return;
            }
        }
        timer = ctx.executor().schedule(this::check, Math.min(timeoutNanos / CHECKS, timeoutNanos - idle),
                TimeUnit.NANOSECONDS);
    }

    /** Whether the outbound buffer changed since the last look: a response is still leaving. */
    private boolean outputMoved() {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer == null) {
            return false;
        }
        int message = System.identityHashCode(buffer.current());
        long pending = buffer.totalPendingWriteBytes();
        long progress = buffer.currentProgress();
        boolean moved = message != lastMessage || pending != lastPending || progress != lastProgress;
        lastMessage = message;
        lastPending = pending;
        lastProgress = progress;
        return moved;
    }
}
