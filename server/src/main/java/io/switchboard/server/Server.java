package io.switchboard.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.switchboard.common.transport.Transport;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.common.transport.TransportUnavailableException;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.echo.EchoServerInitializer;
import io.switchboard.server.framed.FramedServerInitializer;
import io.switchboard.server.http.HttpServerInitializer;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.tls.ServerTls;
import io.switchboard.server.tls.TlsFileException;
import io.switchboard.server.udp.UdpEchoHandler;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A running Switchboard server: one accept thread, a pool of I/O threads and one listener per
 * enabled protocol. Start it with {@link #start(ServerConfig)}; {@link #close()} stops it.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(Server.class);

    private final ServerConfig config;
    private final TransportConfig transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Map<Listener, Channel> listeners = new EnumMap<>(Listener.class);
    private final RoomHub hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
    private final Metrics metrics = new Metrics();
    /** Reloads the TLS certificate and the auth token file when they change. */
    private final FileWatcher watchedFiles = new FileWatcher();
    private ServerTls tls;
    private AuthTokens auth = AuthTokens.none();
    private volatile boolean ready;
    private volatile boolean closed;

    private Server(ServerConfig config, TransportConfig transport) {
        this.config = config;
        this.transport = transport;
        this.acceptGroup = transport.newEventLoopGroup(1, "switchboard-accept");
        this.ioGroup = transport.newEventLoopGroup(config.ioThreads(), "switchboard-io");
    }

    /**
     * Resolves the transport, binds every enabled listener and returns once all are bound.
     *
     * @throws ServerStartException when the transport is unavailable or a port cannot be bound;
     *     anything already started is stopped again
     */
    public static Server start(ServerConfig config) throws ServerStartException {
        TransportConfig transport;
        try {
            transport = TransportConfig.resolve(config.transport(), config.epollMode());
        } catch (TransportUnavailableException e) {
            throw new ServerStartException(e.getMessage(), e);
        }
        for (Transport skipped : transport.passedOver().keySet()) {
            log.info("transport {} not used: {}", skipped.id(), transport.passedOverReason(skipped));
        }
        log.info("transport {} ({})", transport,
                config.transport().forced() == null ? "chosen automatically" : "forced");
        Server server = new Server(config, transport);
        try {
            server.startTlsAndAuth();
            server.bind(Listener.FRAMED, new FramedServerInitializer(config, server.hub, server.metrics,
                    server.tls(Listener.FRAMED), server.auth));
            server.bind(Listener.ECHO, new EchoServerInitializer(server.metrics));
            server.bindUdp();
            server.bind(Listener.HTTP, new HttpServerInitializer(config, server.hub, server.metrics, transport,
                    server::isReady, server.tls(Listener.HTTP), server.auth));
        } catch (ServerStartException e) {
            server.close();
            throw e;
        }
        server.ready = true;
        return server;
    }

    /** Loads the TLS certificate and the auth tokens, and starts watching their files. */
    private void startTlsAndAuth() throws ServerStartException {
        try {
            tls = ServerTls.start(config, metrics, watchedFiles);
            auth = AuthTokens.start(config, watchedFiles);
        } catch (TlsFileException | IllegalArgumentException e) {
            throw new ServerStartException(e.getMessage(), e);
        }
    }

    /** The TLS for a listener, or {@code null} when it speaks plaintext. */
    private ServerTls tls(Listener listener) {
        return config.tls(listener) ? tls : null;
    }

    private void bind(Listener listener, ChannelHandler initializer) throws ServerStartException {
        if (!config.enabled(listener)) {
            log.info("{} listener off", listener.id());
            return;
        }
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(), config.port(listener));
        ServerBootstrap bootstrap = transport.configure(new ServerBootstrap())
                .group(acceptGroup, ioGroup)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
                .childHandler(initializer);
        ChannelFuture bound = bootstrap.bind(requested).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new ServerStartException(listener.id() + " listener: cannot bind " + format(requested) + ": "
                    + cause.getMessage(), cause);
        }
        Channel channel = bound.channel();
        listeners.put(listener, channel);
        log.info("{} listener on {} (transport {}, epoll mode {})", listener.id(),
                format((InetSocketAddress) channel.localAddress()), transport.transport().id(),
                transport.epollMode() == null ? "n/a" : transport.epollMode().id());
    }

    private void bindUdp() throws ServerStartException {
        Listener listener = Listener.UDP;
        if (!config.enabled(listener)) {
            log.info("{} listener off", listener.id());
            return;
        }
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(), config.port(listener));
        ChannelFuture bound = transport.configureDatagram(new Bootstrap())
                .group(ioGroup)
                .handler(new UdpEchoHandler(config.maxDatagramBytes(), metrics))
                .bind(requested).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new ServerStartException(listener.id() + " listener: cannot bind " + format(requested) + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        listeners.put(listener, bound.channel());
        log.info("{} listener on {} (transport {}, epoll mode {})", listener.id(),
                format((InetSocketAddress) bound.channel().localAddress()), transport.transport().id(),
                transport.epollMode() == null ? "n/a" : transport.epollMode().id());
    }

    private static String format(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** The configuration the server was started with. */
    public ServerConfig config() {
        return config;
    }

    /** The transport in use. */
    public TransportConfig transport() {
        return transport;
    }

    /** The address a listener is bound to (with the real port when 0 was asked for). */
    public InetSocketAddress address(Listener listener) {
        Channel channel = listeners.get(listener);
        if (channel == null) {
            throw new IllegalStateException(listener.id() + " listener is not running");
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /** The rooms hub shared by every session. */
    public RoomHub hub() {
        return hub;
    }

    /** The server's counters. */
    public Metrics metrics() {
        return metrics;
    }

    /** Whether every listener is bound and the server is not shutting down. */
    public boolean isReady() {
        return ready && !closed;
    }

    /** The bound listeners' channels. */
    public Map<Listener, Channel> listeners() {
        return Collections.unmodifiableMap(listeners);
    }

    /** Closes the listeners, then the connections and event loops; waits up to 10 seconds. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ready = false;
        watchedFiles.close();
        for (Channel channel : listeners.values()) {
            channel.close().awaitUninterruptibly();
        }
        acceptGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        ioGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        ioGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        log.info("server stopped");
    }
}
