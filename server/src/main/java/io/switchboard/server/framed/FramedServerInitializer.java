package io.switchboard.server.framed;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.tls.ServerTls;
import java.util.concurrent.TimeUnit;

/** Wires the framed protocol pipeline: idle timer, codec, backpressure, session. */
public final class FramedServerInitializer extends ChannelInitializer<Channel> {
    private final ServerConfig config;
    private final RoomHub hub;
    private final Metrics metrics;
    private final TrafficCounter traffic;
    private final ServerTls tls;
    private final AuthTokens auth;

    /** Plaintext, with the configuration's {@code auth.token} only. */
    public FramedServerInitializer(ServerConfig config, RoomHub hub, Metrics metrics) {
        this(config, hub, metrics, null, AuthTokens.of(config.authToken()));
    }

    /**
     * @param tls the server's TLS, when this listener speaks it, else {@code null}
     * @param auth the tokens HELLO is checked against
     */
    public FramedServerInitializer(ServerConfig config, RoomHub hub, Metrics metrics, ServerTls tls, AuthTokens auth) {
        this.tls = tls;
        this.auth = auth;
        this.config = config;
        this.hub = hub;
        this.metrics = metrics;
        this.traffic = new TrafficCounter(metrics.listener(Listener.FRAMED));
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline pipeline = ch.pipeline();
        pipeline.addLast(HandlerNames.TRAFFIC, traffic);
        if (tls != null) {
            tls.addTo(pipeline, Listener.FRAMED);
        }
        // Every handler flushes what it writes; this merges the flushes of one read batch into
        // one at its end, and flushes that arrive outside a read (events from other sessions)
        // into one per burst.
        pipeline.addLast(HandlerNames.FLUSH_CONSOLIDATION, new FlushConsolidationHandler(
                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        long idleMillis = config.idleTimeout().toMillis();
        if (idleMillis > 0) {
            pipeline.addLast(HandlerNames.IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        pipeline.addLast(HandlerNames.FRAME_DECODER, new FrameDecoder(config.maxFrameLength()))
                .addLast(HandlerNames.FRAME_ENCODER, FrameEncoder.INSTANCE)
                .addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.FRAMED_SESSION,
                        new FramedSessionHandler(hub.newSessionId(), config, hub, metrics, auth));
    }
}
