package io.switchboard.server.framed;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.server.Backpressure;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.lifecycle.Refusal;
import io.switchboard.server.limits.Admission;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.TrafficCounter;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.SessionTraffic;
import io.switchboard.server.settings.FramedConfig;
import io.switchboard.server.tls.ServerTls;
import java.util.concurrent.TimeUnit;

/**
 * The framed listener's whole pipeline, in one place: admission under the connection limits (a
 * refused connection gets ERROR 509 and nothing else), then traffic counter, TLS, flush
 * consolidation, idle timer, codec, the per-connection limits, backpressure and the session.
 * {@link HandlerNames} draws the order.
 */
public final class FramedServerInitializer extends ChannelInitializer<Channel> {
    private final FramedConfig config;
    private final RoomHub hub;
    private final Metrics metrics;
    private final TrafficCounter traffic;
    private final ServerTls tls;
    private final Authenticator auth;
    private final Admission admission;

    /** Plaintext, no auth token, no connection limits. */
    public FramedServerInitializer(FramedConfig config, RoomHub hub, Metrics metrics) {
        this(config, hub, metrics, null, Authenticator.of(AuthTokens.none()));
    }

    /** No connection limits and no drain tracking: for tests that build one pipeline. */
    public FramedServerInitializer(FramedConfig config, RoomHub hub, Metrics metrics, ServerTls tls, Authenticator auth) {
        this(config, hub, metrics, tls, auth, Admission.NONE);
    }

    /**
     * @param tls the server's TLS, when this listener speaks it, else {@code null}
     * @param auth what HELLO's token is checked against, and the permissions
     * @param admission the connection limits and the drain's tracking
     */
    public FramedServerInitializer(FramedConfig config, RoomHub hub, Metrics metrics, ServerTls tls, Authenticator auth,
            Admission admission) {
        this.admission = admission;
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
        if (admission.admit(Listener.FRAMED, ch) != null) {
            pipeline.addLast(HandlerNames.REFUSAL, new Refusal(tls != null ? null : c -> {
                metrics.error(ErrorCode.TOO_MANY_CONNECTIONS.code());
                return FrameEncoder.encode(c.alloc(), new ErrorFrame(0, ErrorCode.TOO_MANY_CONNECTIONS,
                        "too many connections, retry later"));
            }));
            return;
        }
        pipeline.addLast(HandlerNames.TRAFFIC, traffic);
        if (tls != null) {
            tls.addTo(pipeline, Listener.FRAMED);
        }
        // Every handler flushes what it writes; this merges the flushes of one read batch into
        // one at its end, and flushes that arrive outside a read (events from other sessions)
        // into one per burst.
        pipeline.addLast(HandlerNames.FLUSH_CONSOLIDATION, new ReadBatchFlush());
        long idleMillis = config.idleTimeout().toMillis();
        if (idleMillis > 0) {
            pipeline.addLast(HandlerNames.IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
        FramedSessionHandler session = new FramedSessionHandler(hub.newSessionId(), config, hub, metrics, auth);
        pipeline.addLast(HandlerNames.SESSION_TRAFFIC, new SessionTraffic(session.session().counters()));
        pipeline.addLast(HandlerNames.FRAME_DECODER, new FrameDecoder(config.maxFrameLength()))
                .addLast(HandlerNames.FRAME_ENCODER, FrameEncoder.INSTANCE);
        FramedLimits limits = admission.limits() == null ? null : FramedLimits.of(admission.limits(), metrics);
        if (limits != null) {
            pipeline.addLast(HandlerNames.FRAMED_LIMITS, limits);
        }
        pipeline.addLast(HandlerNames.BACKPRESSURE, Backpressure.INSTANCE)
                .addLast(HandlerNames.FRAMED_SESSION, session);
        admission.track(Listener.FRAMED, ch);
    }
}
