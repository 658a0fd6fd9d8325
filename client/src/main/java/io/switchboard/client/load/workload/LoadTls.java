package io.switchboard.client.load.workload;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.ClientTls;
import io.switchboard.client.load.LoadSettings;
import java.util.Objects;

/**
 * TLS for a stage's stream connections. One {@link ClientTls} (one {@code SslContext}) is built
 * per stage, before any connection opens, and shared by all of them; each connection gets its own
 * {@link SslHandler} first in its pipeline, followed by a gate that holds the connection back from
 * the workload until the handshake is done:
 *
 * <ul>
 *   <li>the workload's handlers see {@code channelActive} only once the handshake has completed,
 *       so whatever they do on it (send HELLO, start the WebSocket upgrade, report
 *       {@link ConnectionContext#connected}) happens over an established TLS session, and the
 *       handshake is never part of a request's latency;</li>
 *   <li>a failed handshake (untrusted certificate, wrong name, a peer that closes or speaks
 *       plaintext, the handshake timeout) is reported once as
 *       {@link ConnectionContext#connectFailed}, and the workload's handlers see nothing at all
 *       of that connection, just as when the TCP connect itself fails.</li>
 * </ul>
 *
 * The gate removes itself after the handshake, so an established connection's pipeline is the
 * {@code SslHandler} and the workload's own handlers. Workloads without TLS never see this class:
 * their pipelines stay exactly as they are.
 */
public final class LoadTls {
    /** Pipeline name of the {@link SslHandler}. */
    public static final String SSL_HANDLER = "tls";
    /** Pipeline name of the handshake gate (present until the handshake is over). */
    public static final String HANDSHAKE_GATE = "tls-handshake";

    private final ClientTls tls;
    private final int port;

    private LoadTls(ClientTls tls, int port) {
        this.tls = tls;
        this.port = port;
    }

    /**
     * The TLS setup of a stage, or {@code null} when the stage runs in plaintext
     * ({@link LoadSettings#tlsEnabled()}). Call once per stage, off the I/O threads: it reads the
     * CA file.
     *
     * @throws WorkloadException when the CA file cannot be used or TLS cannot be set up
     */
    public static LoadTls of(LoadSettings settings, Target target) throws WorkloadException {
        if (!settings.tlsEnabled()) {
            return null;
        }
        ClientOptions options;
        try {
            options = ClientOptions.builder()
                    .host(target.host())
                    .port(target.port())
                    .tls(true)
                    .tlsInsecure(settings.tlsInsecure())
                    .tlsCaFile(settings.tlsCa())
                    .tlsServerName(settings.tlsServerName())
                    .connectTimeout(settings.timeout())
                    .build();
            return new LoadTls(ClientTls.of(options), target.port());
        } catch (IllegalArgumentException e) {
            throw new WorkloadException(e.getMessage(), e);
        }
    }

    /**
     * Puts TLS at the front of a new connection's pipeline: the {@link SslHandler}, then the gate
     * that reports the connection to the workload (a delayed {@code channelActive}) or the failure
     * to {@code engine}. Call from the connection's {@code ChannelInitializer}.
     */
    public void addFirst(ChannelPipeline pipeline, ConnectionContext engine) {
        SslHandler ssl = tls.newHandler(pipeline.channel().alloc(), port);
        pipeline.addFirst(HANDSHAKE_GATE, new HandshakeGate(engine));
        pipeline.addFirst(SSL_HANDLER, ssl);
    }

    /**
     * For workloads that give the bootstrap their connection handler directly: an initializer
     * that puts TLS ({@link #addFirst}) before {@code handler}, named {@code name}.
     */
    public ChannelHandler initializer(ConnectionContext engine, String name, ChannelHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(name, handler);
                addFirst(ch.pipeline(), engine);
            }
        };
    }

    /**
     * Holds {@code channelActive} back until the handshake completes; turns a failed handshake
     * into one {@link ConnectionContext#connectFailed} and hides the connection's end from the
     * handlers behind it. One per connection.
     */
    static final class HandshakeGate extends ChannelInboundHandlerAdapter {
        private final ConnectionContext engine;
        /** The TCP connection is up: a handshake failure from now on is this attempt's failure. */
        private boolean tcpActive;
        private boolean failed;

        HandshakeGate(ConnectionContext engine) {
            this.engine = engine;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // SslHandler has started the handshake; the workload hears of the connection when it is done.
            tcpActive = true;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof SslHandshakeCompletionEvent)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            SslHandshakeCompletionEvent done = (SslHandshakeCompletionEvent) evt;
            if (done.isSuccess()) {
                ctx.fireChannelActive();
                if (ctx.pipeline().context(this) != null) {
                    ctx.pipeline().remove(this);
                }
            } else if (tcpActive && !failed) {
                failed = true;
                engine.connectFailed(done.cause());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Before the handshake is done, every error ends it: SslHandler reports the failure
            // (with its cause) as the completion event once the channel closes.
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // The workload never saw this connection open; it must not see it close.
            if (tcpActive && !failed) {
                // Closed without a completion event (not expected from SslHandler): still one failure.
                failed = true;
                engine.connectFailed(new javax.net.ssl.SSLHandshakeException(
                        "connection closed before the TLS handshake completed"));
            }
        }
    }
}
