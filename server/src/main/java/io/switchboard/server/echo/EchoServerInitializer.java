package io.switchboard.server.echo;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;

/** Wires the raw TCP echo pipeline: traffic counter, backpressure, then echo. */
public final class EchoServerInitializer extends ChannelInitializer<Channel> {
    private final TrafficCounter traffic;

    public EchoServerInitializer(Metrics metrics) {
        this.traffic = new TrafficCounter(metrics.listener(Listener.ECHO));
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline()
                .addLast(HandlerNames.TRAFFIC, traffic)
                .addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.ECHO, EchoHandler.INSTANCE);
    }
}
