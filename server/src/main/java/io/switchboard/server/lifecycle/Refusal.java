package io.switchboard.server.lifecycle;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Function;

/**
 * The whole pipeline of a connection refused under the connection limits: its protocol's answer
 * (rendered by the protocol: a framed ERROR 509, an HTTP 503; none on a TLS listener or for the
 * raw echo), then a gentle close. Input is dropped meanwhile.
 */
public final class Refusal extends ChannelInboundHandlerAdapter {
    private final Function<Channel, Object> answer;

    /** @param answer the protocol's answer for the channel (owned by the caller of write), or {@code null} for none */
    public Refusal(Function<Channel, Object> answer) {
        this.answer = answer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        Object last = answer == null ? null : answer.apply(ch);
        if (last != null) {
            ch.write(last);
        }
        Connections.closeGently(ch);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
