package io.switchboard.server.echo;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;

/** Wires the raw TCP echo pipeline: backpressure, then echo. */
public final class EchoServerInitializer extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.ECHO, EchoHandler.INSTANCE);
    }
}
