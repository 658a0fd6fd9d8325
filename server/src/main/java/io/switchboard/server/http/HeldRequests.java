package io.switchboard.server.http;

import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Netty's {@code FlowControlHandler} (4.1) for the HTTP listener: while reading is off (auto-read
 * false, as backpressure sets it), the requests one read had already decoded wait here and go on
 * one per {@code read()}; what waits when the connection closes or the handler leaves is released.
 * The difference is the common case, reading on and nothing waiting: a request goes straight on,
 * with no queue taken from a recycler and given back for each one. One per connection.
 */
final class HeldRequests extends ChannelDuplexHandler {
    /** What waits; made the first time something has to. */
    private ArrayDeque<Object> queue;
    private ChannelConfig config;
    /** Reads asked for (while reading is off) that no message has answered yet. */
    private int unsatisfiedReads;
    private boolean dequeuing;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        config = ctx.channel().config();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (!isEmpty()) {
            unsatisfiedReads = queue.size();
            dequeue(ctx);
            ctx.fireChannelReadComplete();
        }
        destroy();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        destroy();
        ctx.fireChannelInactive();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!config.isAutoRead()) {
            unsatisfiedReads++;
        }
        boolean dequeued = dequeue(ctx);
        if (!dequeued || config.isAutoRead()) {
            ctx.read();
        } else if (unsatisfiedReads == 0 && !dequeuing) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        boolean dequeued;
        if (isEmpty() && config.isAutoRead()) {
            // What dequeue() would do with msg alone in the queue, without the queue.
            boolean wasDequeuing = dequeuing;
            dequeuing = true;
            if (unsatisfiedReads > 0) {
                unsatisfiedReads--;
            }
            try {
                ctx.fireChannelRead(msg);
                pass(ctx); // what arrived meanwhile
            } finally {
                dequeuing = wasDequeuing;
            }
            dequeued = true;
        } else {
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            }
            queue.add(msg);
            dequeued = dequeue(ctx);
        }
        if (dequeued && !config.isAutoRead() && unsatisfiedReads == 0 && !dequeuing) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Held back while reading is off and no read is waiting: the completion comes with the
        // messages handed on later.
        if (config.isAutoRead() || unsatisfiedReads > 0) {
            unsatisfiedReads = 0;
            ctx.fireChannelReadComplete();
        }
    }

    /** Hands on what waits, all of it while reading is on, else one per unsatisfied read. */
    private boolean dequeue(ChannelHandlerContext ctx) {
        boolean wasDequeuing = dequeuing;
        dequeuing = true;
        try {
            return pass(ctx);
        } finally {
            dequeuing = wasDequeuing;
        }
    }

    private boolean pass(ChannelHandlerContext ctx) {
        boolean passed = false;
        while (queue != null && (config.isAutoRead() || unsatisfiedReads > 0)) {
            Object msg = queue.poll();
            if (msg == null) {
                break;
            }
            if (unsatisfiedReads > 0) {
                unsatisfiedReads--;
            }
            ctx.fireChannelRead(msg);
            passed = true;
        }
        return passed;
    }

    private boolean isEmpty() {
        return queue == null || queue.isEmpty();
    }

    private void destroy() {
        if (queue != null) {
            for (Object msg; (msg = queue.poll()) != null; ) {
                ReferenceCountUtil.safeRelease(msg);
            }
        }
    }
}
