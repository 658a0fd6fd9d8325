package io.switchboard.server.framed;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.rooms.RoomHub;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Wires the framed protocol pipeline: idle timer, codec, backpressure, session. */
public final class FramedServerInitializer extends ChannelInitializer<Channel> {
    private final ServerConfig config;
    private final RoomHub hub;
    private final AtomicLong sessionIds = new AtomicLong();

    public FramedServerInitializer(ServerConfig config, RoomHub hub) {
        this.config = config;
        this.hub = hub;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        long idleMillis = config.idleTimeout().toMillis();
        if (idleMillis > 0) {
            pipeline.addLast(HandlerNames.IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        pipeline.addLast(HandlerNames.FRAME_DECODER, new FrameDecoder(config.maxFrameLength()))
                .addLast(HandlerNames.FRAME_ENCODER, FrameEncoder.INSTANCE)
                .addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.FRAMED_SESSION,
                        new FramedSessionHandler(sessionIds.incrementAndGet(), config, hub));
    }
}
