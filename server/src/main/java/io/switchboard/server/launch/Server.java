package io.switchboard.server.launch;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.switchboard.common.transport.InheritedSocket;
import io.switchboard.common.transport.Transport;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.common.transport.TransportUnavailableException;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.admin.AdminApi;
import io.switchboard.server.admin.AdminInitializer;
import io.switchboard.server.admin.AdminTokens;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.cluster.RedisBroker;
import io.switchboard.server.echo.EchoServerInitializer;
import io.switchboard.server.framed.FramedServerInitializer;
import io.switchboard.server.http.HttpServerInitializer;
import io.switchboard.server.lifecycle.AddressFile;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.server.lifecycle.HttpDrain;
import io.switchboard.server.lifecycle.SocketActivation;
import io.switchboard.server.lifecycle.SystemdNotify;
import io.switchboard.server.limits.Admission;
import io.switchboard.server.limits.Limits;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.metrics.PrometheusText;
import io.switchboard.server.metrics.RuntimeMetrics;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.rooms.ClusterStatus;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.socketio.SocketIoServer;
import io.switchboard.server.socketio.engine.EngineListener;
import io.switchboard.server.socketio.engine.EngineServer;
import io.switchboard.server.tls.ServerTls;
import io.switchboard.server.tls.TlsFileException;
import io.switchboard.server.settings.AdminConfig;
import io.switchboard.server.udp.UdpEchoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A running Switchboard server: accept threads, a pool of I/O threads and one listener per
 * enabled protocol (several listening sockets per TCP listener with {@code SO_REUSEPORT} on
 * epoll, or the sockets systemd passed). Start it with {@link #start(ServerConfig)};
 * {@link #shutdownGracefully(Duration)} drains and stops it, {@link #close()} stops it at once.
 *
 * <p>Graceful shutdown: readiness turns false and the listeners close at once (systemd is told
 * {@code STOPPING=1}); every open connection is told in its protocol's terms (framed: BYE 503,
 * WebSocket: close 1001, HTTP: {@code Connection: close} on the next response, idle ones closed)
 * and finishes what it had accepted; at the drain timeout whatever is still open is closed; then
 * the event loops stop.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(Server.class);

    private final ServerConfig config;
    private final TransportConfig transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Map<Listener, Channel> listeners = new EnumMap<>(Listener.class);
    /** Every listening channel, several per TCP listener with SO_REUSEPORT. */
    private final Map<Listener, List<Channel>> listenerChannels = new EnumMap<>(Listener.class);
    private final Connections connections = new Connections();
    private final Limits limits;
    private final SystemdNotify notify;
    private final SocketActivation activation;
    /** The cluster broker with {@code --cluster}, else null (a single node pays nothing for it). */
    private final RedisBroker cluster;
    private final RoomHub hub;
    private final Metrics metrics = new Metrics();
    /** Reloads the TLS certificate and the auth token file when they change. */
    private final FileWatcher watchedFiles = new FileWatcher();
    private ServerTls tls;
    private Authenticator auth = Authenticator.of(AuthTokens.none());
    /** Socket.IO on the HTTP listener: register namespaces and handlers here to embed the server. */
    private SocketIoServer socketIo;
    /** Engine.IO on the HTTP listener, or {@code null}. */
    private EngineServer engine;
    /** The HTTP listener's initializer, closed after the event loops (its file cache holds descriptors). */
    private HttpServerInitializer http;
    /** The admin API (its listener's, and in a cluster the other nodes'), or {@code null}. */
    private AdminApi admin;
    private volatile boolean ready;
    private volatile boolean closed;

    private Server(ServerConfig config, TransportConfig transport, SystemdNotify notify, SocketActivation activation)
            throws ServerStartException {
        this.config = config;
        this.transport = transport;
        this.notify = notify;
        this.activation = activation;
        this.limits = new Limits(config.limitsConfig(), metrics);
        metrics.register(new RuntimeMetrics(PooledByteBufAllocator.DEFAULT));
        this.acceptGroup = transport.newEventLoopGroup(config.listenerChannels(), "switchboard-accept");
        this.ioGroup = transport.newEventLoopGroup(config.ioThreads(), "switchboard-io");
        if (config.cluster() == null) {
            this.cluster = null;
            this.hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
            return;
        }
        // Cluster mode: the hub is created joining the cluster in one step; the broker reserves the
        // node id (the high bits of every session id) and delivers into the hub's inbound side.
        RedisBroker[] joined = new RedisBroker[1];
        try {
            this.hub = RoomHub.joining(PooledByteBufAllocator.DEFAULT,
                    inbound -> joined[0] = RedisBroker.join(config.clusterConfig(), ioGroup, PooledByteBufAllocator.DEFAULT, inbound));
        } catch (IllegalStateException e) {
            acceptGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            ioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new ServerStartException(e.getMessage(), e);
        }
        this.cluster = joined[0];
        metrics.register(PrometheusText.clusterMetrics(cluster));
    }

    /**
     * Resolves the transport, binds every enabled listener and returns once all are bound.
     *
     * @throws ServerStartException when the transport is unavailable or a port cannot be bound;
     *     anything already started is stopped again
     */
    public static Server start(ServerConfig config) throws ServerStartException {
        return start(config, System.getenv());
    }

    /**
     * Like {@link #start(ServerConfig)}, reading the systemd variables from {@code environment}
     * instead of the process's: {@code NOTIFY_SOCKET} ({@code READY=1} once every listener is bound,
     * {@code STOPPING=1} at shutdown), {@code LISTEN_PID}, {@code LISTEN_FDS} and
     * {@code LISTEN_FDNAMES} (serve the sockets systemd passed instead of binding).
     */
    public static Server start(ServerConfig config, Map<String, String> environment) throws ServerStartException {
        return start(config, environment, null);
    }

    /**
     * Like {@link #start(ServerConfig)}, with Engine.IO sessions handed to {@code engineListener}
     * instead of the server's Socket.IO layer: for a layer of one's own above Engine.IO (and the
     * Engine.IO conformance tests).
     */
    public static Server start(ServerConfig config, EngineListener engineListener) throws ServerStartException {
        return start(config, System.getenv(), engineListener);
    }

    private static Server start(ServerConfig config, Map<String, String> environment, EngineListener engineListener)
            throws ServerStartException {
        TransportConfig transport;
        try {
            transport = TransportConfig.resolve(config.transport(), config.epollMode());
        } catch (TransportUnavailableException e) {
            throw new ServerStartException(e.getMessage(), e);
        }
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        Transport nativeForThisOs = os.contains("linux") ? Transport.EPOLL
                : os.contains("mac") || os.contains("bsd") ? Transport.KQUEUE : null;
        for (Transport skipped : transport.passedOver().keySet()) {
            if (skipped == nativeForThisOs) {
                // The native transport this machine should have: one line with the cause and the fix.
                log.warn("transport {} not used, falling back to {}: {}", skipped.id(), transport.transport().id(),
                        transport.passedOverReason(skipped));
            } else {
                log.debug("transport {} not used: {}", skipped.id(), transport.passedOverReason(skipped));
            }
        }
        log.info("transport {} ({})", transport,
                config.transport().forced() == null ? "chosen automatically" : "forced");
        if (config.listenerChannels() > 1 && !transport.supportsReusePort()) {
            throw new ServerStartException("socket.listener-channels: " + config.listenerChannels()
                    + " (expected: 1 with the " + transport.transport().id()
                    + " transport; several listening sockets per port need SO_REUSEPORT, which needs epoll)", null);
        }
        SocketActivation activation;
        try {
            activation = SocketActivation.fromEnvironment(environment, ProcessHandle.current().pid());
        } catch (IOException | RuntimeException e) {
            throw new ServerStartException("socket activation: " + e.getMessage(), e);
        }
        if (activation.active() && transport.transport() != Transport.EPOLL) {
            throw new ServerStartException("socket activation: LISTEN_FDS is set, but serving inherited sockets needs "
                    + "the epoll transport, not " + transport.transport().id(), null);
        }
        Server server = new Server(config, transport, SystemdNotify.fromEnvironment(environment), activation);
        AddressFile.remove(config.addressFile()); // one a killed server left is not this one's
        try {
            server.startTlsAndAuth();
            Admission admission = new Admission(server.limits, server.connections);
            server.bind(Listener.FRAMED, new FramedServerInitializer(config.framedConfig(), server.hub, server.metrics,
                    server.tls(Listener.FRAMED), server.auth, admission));
            server.bind(Listener.ECHO, new EchoServerInitializer(server.metrics, admission));
            server.bindUdp();
            server.socketIo = new SocketIoServer(server.hub, config.session(), server.auth,
                    PooledByteBufAllocator.DEFAULT, config.socketIoOptions(), server.limits);
            server.metrics.register(server.socketIo::writeMetrics);
            HttpServerInitializer http = new HttpServerInitializer(config.httpConfig(), server.hub, server.metrics, transport,
                    server::isReady, server.tls(Listener.HTTP), server.auth,
                    engineListener != null ? engineListener : server.socketIo.engineListener(), server.cluster,
                    admission);
            server.engine = http.engine();
            server.http = http;
            server.bind(Listener.HTTP, http);
            server.startAdmin();
        } catch (ServerStartException e) {
            server.close();
            throw e;
        }
        for (Map.Entry<Integer, String> fd : activation.unclaimed().entrySet()) {
            log.warn("socket activation: fd {} ({}) matches no listener; it is not served", fd.getKey(), fd.getValue());
        }
        server.writeAddressFile();
        server.ready = true;
        server.notify.ready(server.status());
        return server;
    }

    /**
     * The admin API: its listener when switched on (with its own tokens); in a cluster the API
     * runs on every node either way, to answer the other nodes' admin requests.
     */
    private void startAdmin() throws ServerStartException {
        if (!config.enabled(Listener.ADMIN) && cluster == null) {
            log.info("{} listener off", Listener.ADMIN.id());
            return;
        }
        AdminConfig adminConfig = config.adminConfig();
        admin = new AdminApi(hub, PooledByteBufAllocator.DEFAULT, transport.transport().id(),
                transport.epollMode() == null ? null : transport.epollMode().id(), adminConfig.clusterTimeout());
        if (!config.enabled(Listener.ADMIN)) {
            log.info("{} listener off", Listener.ADMIN.id());
            return;
        }
        AdminTokens tokens;
        try {
            tokens = AdminTokens.start(adminConfig.tokenFile(), auth::isClientToken, adminConfig.reloadInterval(),
                    watchedFiles);
        } catch (IllegalArgumentException e) {
            throw new ServerStartException(e.getMessage(), e);
        }
        // A limit of its own, so that clients filling limits.max-connections cannot lock the operator out.
        Admission admission = new Admission(AdminInitializer.limits(metrics, config.limitsConfig().refusalLogInterval()),
                connections);
        bind(Listener.ADMIN, new AdminInitializer(admin, tokens, metrics, tls(Listener.ADMIN), admission));
    }

    /** Loads the TLS certificate and the auth tokens, and starts watching their files. */
    private void startTlsAndAuth() throws ServerStartException {
        try {
            tls = ServerTls.start(config.tlsConfig(), metrics, watchedFiles);
            auth = Authenticator.start(config.authConfig(), config.limitsConfig().refusalLogInterval(), watchedFiles);
            metrics.register(auth::writeMetrics);
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
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(listener), config.port(listener));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, config.tcpNoDelay())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
                .childHandler(initializer);
        if (config.backlog() > 0) {
            bootstrap.option(ChannelOption.SO_BACKLOG, config.backlog());
        }
        if (config.receiveBufferBytes() > 0) {
            // On the listener, so that accepted sockets inherit it before the handshake (window scaling).
            bootstrap.option(ChannelOption.SO_RCVBUF, config.receiveBufferBytes());
        }
        if (config.sendBufferBytes() > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, config.sendBufferBytes());
        }
        InheritedSocket inherited = activation.claim(listener, config.port(listener));
        List<Channel> channels = new ArrayList<>();
        listenerChannels.put(listener, channels);
        if (inherited != null) {
            if (config.listenerChannels() > 1) {
                log.warn("{} listener: socket.listener-channels {} ignored, serving the one socket systemd passed",
                        listener.id(), config.listenerChannels());
            }
            ChannelFuture registered = transport.configureInherited(bootstrap, inherited.fd()).register()
                    .awaitUninterruptibly();
            if (!registered.isSuccess()) {
                throw new ServerStartException(listener.id() + " listener: cannot serve inherited fd " + inherited.fd()
                        + ": " + registered.cause().getMessage(), registered.cause());
            }
            channels.add(registered.channel());
        } else {
            transport.configure(bootstrap, config.bindAddress(listener)); // 0.0.0.0: an IPv4 socket
            if (config.listenerChannels() > 1) {
                transport.reusePort(bootstrap);
            }
            for (int i = 0; i < config.listenerChannels(); i++) {
                // With SO_REUSEPORT every socket must bind the port the first one got, when 0 was asked for.
                InetSocketAddress address = channels.isEmpty() ? requested
                        : new InetSocketAddress(config.bindAddress(listener),
                                ((InetSocketAddress) channels.get(0).localAddress()).getPort());
                ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
                if (!bound.isSuccess()) {
                    Throwable cause = bound.cause();
                    throw new ServerStartException(listener.id() + " listener: cannot bind " + format(address) + ": "
                            + cause.getMessage(), cause);
                }
                channels.add(bound.channel());
            }
        }
        Channel channel = channels.get(0);
        listeners.put(listener, channel);
        log.info("{} listener on {} (transport {}, epoll mode {}{})", listener.id(),
                format((InetSocketAddress) channel.localAddress()), transport.transport().id(),
                transport.epollMode() == null ? "n/a" : transport.epollMode().id(),
                inherited != null ? ", socket from systemd fd " + inherited.fd()
                        : channels.size() > 1 ? ", " + channels.size() + " sockets with SO_REUSEPORT" : "");
    }

    private void bindUdp() throws ServerStartException {
        Listener listener = Listener.UDP;
        if (!config.enabled(listener)) {
            log.info("{} listener off", listener.id());
            return;
        }
        InetSocketAddress requested = new InetSocketAddress(config.bindAddress(listener), config.port(listener));
        InheritedSocket inherited = activation.claim(listener, config.port(listener));
        Bootstrap bootstrap = new Bootstrap()
                .group(ioGroup)
                .handler(new UdpEchoHandler(config.maxDatagramBytes(), metrics));
        ChannelFuture bound = inherited != null
                ? transport.configureInheritedDatagram(bootstrap, inherited.fd()).register().awaitUninterruptibly()
                : transport.configureDatagram(bootstrap, requested.getAddress()).bind(requested).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new ServerStartException(listener.id() + " listener: cannot " + (inherited != null
                    ? "serve inherited fd " + inherited.fd() : "bind " + format(requested)) + ": "
                    + bound.cause().getMessage(), bound.cause());
        }
        listeners.put(listener, bound.channel());
        listenerChannels.put(listener, List.of(bound.channel()));
        log.info("{} listener on {} (transport {}, epoll mode {}{})", listener.id(),
                format((InetSocketAddress) bound.channel().localAddress()), transport.transport().id(),
                transport.epollMode() == null ? "n/a" : transport.epollMode().id(),
                inherited != null ? ", socket from systemd fd " + inherited.fd() : "");
    }

    /** {@code listeners.address-file}: where each listener is bound, for a health check. */
    private void writeAddressFile() {
        Map<String, AddressFile.Entry> bound = new LinkedHashMap<>();
        for (Map.Entry<Listener, Channel> e : listeners.entrySet()) {
            bound.put(e.getKey().id(), new AddressFile.Entry((InetSocketAddress) e.getValue().localAddress(),
                    config.tls(e.getKey())));
        }
        AddressFile.write(config.addressFile(), bound);
    }

    /** {@code framed 0.0.0.0:7000, echo ..., } for the systemd status line. */
    private String status() {
        StringJoiner joined = new StringJoiner(", ", "serving ", "");
        for (Map.Entry<Listener, Channel> e : listeners.entrySet()) {
            joined.add(e.getKey().id() + " " + format((InetSocketAddress) e.getValue().localAddress()));
        }
        return listeners.isEmpty() ? "serving nothing: every listener is off" : joined.toString();
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

    /** Socket.IO on the HTTP listener: namespaces, middleware and handlers for an embedding application. */
    public SocketIoServer socketIo() {
        return socketIo;
    }

    /** The link to the other nodes of the cluster (what {@code /readyz} and {@code /metrics} show), or {@code null} without {@code --cluster}. */
    public ClusterStatus cluster() {
        return cluster;
    }

    /** The rooms every protocol shares. */
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

    /** The bound listeners' channels (the first, when a listener has several). */
    public Map<Listener, Channel> listeners() {
        return Collections.unmodifiableMap(listeners);
    }

    /** Every listening channel of a listener: several with {@code socket.listener-channels} above 1. */
    public List<Channel> listenerChannels(Listener listener) {
        List<Channel> channels = listenerChannels.get(listener);
        return channels == null ? List.of() : Collections.unmodifiableList(channels);
    }

    /** The open connections, for the drain. */
    public Connections connections() {
        return connections;
    }

    /** The connection limits and refusal counts. */
    public Limits limits() {
        return limits;
    }

    /**
     * Stops at once: like {@link #shutdownGracefully(Duration)} with no drain time, so connections
     * are told but not waited for. Waits up to 10 seconds for the event loops.
     */
    @Override
    public void close() {
        shutdownGracefully(Duration.ZERO);
    }

    /**
     * Shuts down gracefully: readiness turns false and systemd is told {@code STOPPING=1}, the
     * listeners close, every connection is told (BYE, WebSocket close 1001, {@code Connection:
     * close}) and given until {@code drainTimeout} to finish what it had accepted; then whatever
     * is open is closed and the event loops stop. Blocks until done; a second call waits for the
     * first. Call from any thread but an event loop (ServerMain's shutdown hook does).
     */
    public synchronized Connections.DrainResult shutdownGracefully(Duration drainTimeout) {
        if (closed) {
            return new Connections.DrainResult(0, 0);
        }
        closed = true;
        ready = false;
        AddressFile.remove(config.addressFile());
        watchedFiles.close();
        if (!drainTimeout.isZero()) {
            log.info("shutting down: draining {} connections for up to {} ms", connections.size(), drainTimeout.toMillis());
        }
        notify.stopping("draining " + connections.size() + " connections");
        for (List<Channel> channels : listenerChannels.values()) {
            for (Channel channel : channels) {
                channel.close().awaitUninterruptibly();
            }
        }
        if (engine != null) {
            // Every Engine.IO session gets a close packet: Socket.IO clients see "transport close"
            // and reconnect (to another node, or to this one once it is back).
            engine.closeAll();
        }
        Connections.DrainResult drained = connections.drain(drainTimeout);
        if (!drainTimeout.isZero()) {
            log.info("drained {} connections; {} still open at the drain timeout were closed", drained.atStart(),
                    drained.forced());
        }
        if (cluster != null) {
            // After the drain, so sessions leaving during it still reach the other nodes; before the
            // event loops stop, because Lettuce runs on them. Sends LEFT for any member still here.
            cluster.close();
        }
        notify.close();
        acceptGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        ioGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        acceptGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        ioGroup.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        if (http != null) {
            http.close();
        }
        log.info("server stopped");
        return drained;
    }
}
