package io.switchboard.server;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Stops reading from a connection while its outbound buffer is above the high-water mark and
 * resumes when it drains below the low one, so that a peer that sends without reading cannot make
 * the server buffer without bound, through the connection's {@link ReadGate}. Stateless and shared.
 */
@Sharable
public final class Backpressure extends ChannelInboundHandlerAdapter {
    /** The shared instance. */
    public static final Backpressure INSTANCE = new Backpressure();

    private Backpressure() {
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // The read loop ends as soon as auto-read is off, and channelReadComplete flushes what
        // the reads produced; reading resumes once the peer has drained below the low mark.
        ReadGate.of(ctx.channel()).set(ReadGate.Reason.BACKPRESSURE, !ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }
}
