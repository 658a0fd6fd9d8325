package io.switchboard.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;

/**
 * Merges the router's flushes: the responses the router writes while it handles the requests
 * of one read (pipelined, or a burst) leave in one flush, at the read's end, or, when a request was handed on outside a read
 * (the flow-control handler passes held requests on from {@code read()}, with no read-complete
 * after it), in a task on the event loop right after the current I/O. Netty's
 * {@code FlushConsolidationHandler} waits for a read-complete that then never comes. Which of the
 * two it is, the codec says ({@link HttpCodec#reading}), and it also flushes at the end of every
 * read ({@link HttpCodec#afterRead}), so a request handled within a read costs no task.
 *
 * <p>Sits right before the router, so that the chunked writer's and WebSocket's own flushes go out
 * at once; so does any flush outside the router's {@code channelRead} (an error answered from
 * {@code exceptionCaught}, a later part of a file body). Flushes what is pending before a close and when the channel turns unwritable. One per
 * connection.
 */
final class FlushConsolidation extends ChannelDuplexHandler {
    /** Whether a read is in progress; {@code null}: never assumed (a task for every deferred flush). */
    private final HttpCodec codec;
    private ChannelHandlerContext ctx;
    private boolean pending;
    /** In the router's {@code channelRead}: its flushes wait. */
    private boolean handling;
    private final Runnable task = this::flushPending;

    /** @param codec the connection's codec, which says when a read is in progress and ends; or {@code null} */
    FlushConsolidation(HttpCodec codec) {
        this.codec = codec;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (codec != null) {
            codec.afterRead(this::flushPending);
        }
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
            flushPending();
            ctx.flush();
        } else if (!pending) {
            pending = true;
            if (codec == null || !codec.reading()) {
                ctx.executor().execute(task);
            } // else flushed at the read's end
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushPending();
        ctx.fireChannelReadComplete();
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
        if (codec != null) {
            codec.afterRead(null);
        }
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
}
