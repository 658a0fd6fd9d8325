package io.switchboard.server.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts one session's traffic where it passes its pipeline, into its {@link SessionCounters}:
 * a message read or written as a {@link ByteBufHolder} (a WebSocket frame) is a message with its
 * content's bytes; a {@link ByteBuf} read is raw input (bytes only, its adapter counts the
 * messages it decodes), a non-empty {@link ByteBuf} written is one encoded message (a framed
 * frame). Per connection, on its event loop: plain fields, no synchronization.
 */
public final class SessionTraffic extends ChannelDuplexHandler {
    private final SessionCounters counters;

    public SessionTraffic(SessionCounters counters) {
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBufHolder holder) {
            counters.messageIn(holder.content().readableBytes());
        } else if (msg instanceof ByteBuf buf) {
            counters.bytesIn(buf.readableBytes());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBufHolder holder) {
            counters.messageOut(holder.content().readableBytes());
        } else if (msg instanceof ByteBuf buf && buf.isReadable()) {
            counters.messageOut(buf.readableBytes());
        }
        ctx.write(msg, promise);
    }
}
