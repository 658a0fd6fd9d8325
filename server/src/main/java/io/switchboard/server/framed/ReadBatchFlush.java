package io.switchboard.server.framed;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * The framed pipeline's flush consolidation, which also tells the handlers after it that a read
 * batch is ending ({@link #END}, a user event) just before it flushes what the batch wrote: the
 * session handler publishes the burst of PUBLISHes it holds then, so that their replies leave in
 * that same flush instead of a later task's.
 */
final class ReadBatchFlush extends FlushConsolidationHandler {
    /**
     * Fired at the end of each read batch, before its replies are flushed; also by a handler that
     * answers a request itself ({@link FramedLimits}' 429), so that the session answers the
     * requests it holds first. The session handler publishes its burst on it.
     */
    static final Object END = new Object() {
        @Override
        public String toString() {
            return "ReadBatchFlush.END";
        }
    };

    ReadBatchFlush() {
        // Flushes outside a read batch (events from other sessions) are consolidated too: one per burst.
        super(DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        ctx.fireUserEventTriggered(END);
        super.channelReadComplete(ctx);
    }
}
