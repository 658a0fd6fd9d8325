package io.switchboard.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Merges the router's flushes: the responses the router writes while it handles requests leave
 * in one flush per connection, after the event loop's current I/O, together with those of every
 * other connection of the loop ({@link Batch}: one task per loop and batch of ready connections,
 * not one per connection). So the responses to one read's pipelined requests leave in one write,
 * and the responses to the connections one {@code epoll_wait} found ready leave back to back, after
 * they were all read, rather than spread between their reads: on loopback the client then finds
 * them together (benchmarked in docs/operations.md, "HTTP performance"). A request handed on
 * outside a read (the flow-control handler passes held requests on from {@code read()}) is
 * flushed the same way. Netty's {@code FlushConsolidationHandler} waits for a read-complete,
 * which never comes then.
 *
 * <p>Sits right before the router, so that the chunked writer's and WebSocket's own flushes go out
 * at once; so does any flush outside the router's {@code channelRead} (an error answered from
 * {@code exceptionCaught}, a later part of a file body). Flushes what is pending before a close and when the channel turns unwritable. One per
 * connection.
 */
final class FlushConsolidation extends ChannelDuplexHandler {
    private final Batch batch;
    private ChannelHandlerContext ctx;
    private boolean pending;
    /** In {@link #batch}'s queue. */
    private boolean queued;
    /** In the router's {@code channelRead}: its flushes wait. */
    private boolean handling;

    /** @param batch the batch of the connection's event loop */
    FlushConsolidation(Batch batch) {
        this.batch = batch;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        handling = true;
        try {
            ctx.fireChannelRead(msg);
        } finally {
            handling = false;
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!handling) {
            pending = false; // this flush takes what waits too
            ctx.flush();
        } else if (!pending) {
            pending = true;
            if (!queued) {
                queued = true;
                batch.add(this);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            flushPending();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        flushPending();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        flushPending();
    }

    /**
     * Flushes everything written on {@code pipeline}'s connection so far, now, even inside the
     * router's {@code channelRead}: for a file body that should be on its way (and is then often
     * written whole) before the next request is handled. Without this handler in the pipeline,
     * an ordinary flush.
     */
    static void flushNow(ChannelPipeline pipeline) {
        FlushConsolidation self = pipeline.get(FlushConsolidation.class);
        if (self == null) {
            pipeline.flush();
            return;
        }
        self.pending = false;
        self.ctx.flush();
    }

    private void flushPending() {
        if (pending) {
            pending = false;
            ctx.flush();
        }
    }

    /**
     * The connections of one event loop with a flush waiting: flushed in the order they asked,
     * by one task that runs after the loop's current I/O (the ready connections of one
     * {@code epoll_wait}, or whatever else is running now). Used on its event loop only.
     */
    static final class Batch implements Runnable {
        private final Executor executor;
        private final ArrayDeque<FlushConsolidation> waiting = new ArrayDeque<>();
        private boolean scheduled;

        /** @param executor the event loop (in tests, what runs the task when told) */
        Batch(Executor executor) {
            this.executor = executor;
        }

        void add(FlushConsolidation connection) {
            waiting.add(connection);
            if (!scheduled) {
                scheduled = true;
                executor.execute(this);
            }
        }

        @Override
        public void run() {
            scheduled = false;
            // A flush may make a connection writable again and so hand on a held request, whose
            // response then joins this same run.
            for (FlushConsolidation connection = waiting.poll(); connection != null; connection = waiting.poll()) {
                connection.queued = false;
                connection.flushPending();
            }
        }
    }
}
