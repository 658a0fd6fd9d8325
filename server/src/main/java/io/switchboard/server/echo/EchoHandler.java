package io.switchboard.server.echo;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.switchboard.server.Disconnects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes every received buffer straight back (no copy) and flushes once per read batch.
 * Stateless and shared; {@link io.switchboard.server.Backpressure} bounds what it queues.
 */
@Sharable
final class EchoHandler extends ChannelInboundHandlerAdapter {
    static final EchoHandler INSTANCE = new EchoHandler();
    private static final Logger log = LogManager.getLogger(EchoHandler.class);

    private EchoHandler() {
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.write(msg, ctx.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Disconnects.isRoutine(cause)) {
            log.debug("{} closed: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("{} failed", ctx.channel(), cause);
        }
        ctx.close();
    }
}
