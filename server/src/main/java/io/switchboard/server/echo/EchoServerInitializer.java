package io.switchboard.server.echo;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.lifecycle.Refusal;
import io.switchboard.server.limits.Admission;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;

/** Wires the raw TCP echo pipeline: traffic counter, backpressure, then echo. */
public final class EchoServerInitializer extends ChannelInitializer<Channel> {
    private final TrafficCounter traffic;
    private final Admission admission;

    public EchoServerInitializer(Metrics metrics) {
        this(metrics, Admission.NONE);
    }

    /** @param admission the connection limits (a refused connection is closed without a byte) and the drain's tracking */
    public EchoServerInitializer(Metrics metrics, Admission admission) {
        this.traffic = new TrafficCounter(metrics.listener(Listener.ECHO));
        this.admission = admission;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (admission.admit(Listener.ECHO, ch) != null) {
            ch.pipeline().addLast(HandlerNames.REFUSAL, new Refusal(null));
            return;
        }
        admission.track(Listener.ECHO, ch);
        ch.pipeline()
                .addLast(HandlerNames.TRAFFIC, traffic)
                .addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.ECHO, EchoHandler.INSTANCE);
    }
}
