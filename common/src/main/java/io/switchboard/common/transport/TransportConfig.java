package io.switchboard.common.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.kqueue.KQueueDatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * A resolved transport: which {@link Transport} to use and, for epoll, in which {@link EpollMode}.
 * It builds event loop groups and configures bootstraps so that callers never name a transport
 * class. Immutable and thread-safe.
 *
 * <p>Start with {@link #resolve(TransportChoice, EpollMode)}.
 */
public final class TransportConfig {
    private static final Transport[] PREFERENCE = {Transport.EPOLL, Transport.KQUEUE, Transport.NIO};

    private final Transport transport;
    private final EpollMode epollMode;
    private final Map<Transport, Throwable> passedOver;

    private TransportConfig(Transport transport, EpollMode epollMode, Map<Transport, Throwable> passedOver) {
        this.transport = transport;
        this.epollMode = epollMode;
        this.passedOver = passedOver;
    }

    /**
     * Resolves what the operator asked for against what this machine offers.
     *
     * @param choice a forced transport, or {@link TransportChoice#AUTO} for epoll &gt; kqueue &gt; NIO
     * @param epollMode the epoll mode, or {@code null} for the default ({@link EpollMode#EDGE} on
     *     epoll); setting it with any other transport is an error
     * @throws TransportUnavailableException when a forced transport did not load, or an epoll
     *     mode was given for a transport that is not epoll
     */
    public static TransportConfig resolve(TransportChoice choice, EpollMode epollMode) {
        return resolve(choice, epollMode, EpollMode.EDGE);
    }

    /**
     * Like {@link #resolve(TransportChoice, EpollMode)}, with the mode epoll gets when none is
     * asked for. A client may prefer {@link EpollMode#LEVEL}: Netty reads an edge-triggered socket
     * until {@code EAGAIN}, one more {@code recv} per small message than level-triggered.
     */
    public static TransportConfig resolve(TransportChoice choice, EpollMode epollMode, EpollMode defaultMode) {
        Objects.requireNonNull(choice, "choice");
        Objects.requireNonNull(defaultMode, "defaultMode");
        Map<Transport, Throwable> passedOver = new EnumMap<>(Transport.class);
        Transport chosen;
        if (choice.forced() != null) {
            chosen = choice.forced();
            Throwable cause = chosen.unavailabilityCause();
            if (cause != null) {
                throw new TransportUnavailableException(
                        "transport " + chosen.id() + " is not available: " + NativeDiagnosis.explain(cause), cause);
            }
        } else {
            chosen = null;
            for (Transport candidate : PREFERENCE) {
                Throwable cause = candidate.unavailabilityCause();
                if (cause == null) {
                    chosen = candidate;
                    break;
                }
                passedOver.put(candidate, cause);
            }
        }
        if (chosen != Transport.EPOLL && epollMode != null) {
            throw new TransportUnavailableException(
                    "epoll mode " + epollMode.id() + " needs the epoll transport, but the transport is "
                            + chosen.id() + (passedOver.containsKey(Transport.EPOLL)
                                    ? " (epoll: " + NativeDiagnosis.explain(passedOver.get(Transport.EPOLL)) + ")"
                                    : ""),
                    passedOver.get(Transport.EPOLL));
        }
        EpollMode mode = chosen == Transport.EPOLL ? (epollMode == null ? defaultMode : epollMode) : null;
        return new TransportConfig(chosen, mode, Collections.unmodifiableMap(passedOver));
    }

    /** The transport in use. */
    public Transport transport() {
        return transport;
    }

    /** The epoll mode, or {@code null} when the transport is not epoll. */
    public EpollMode epollMode() {
        return epollMode;
    }

    /**
     * Native transports that {@link TransportChoice#AUTO} ranked above the chosen one but could
     * not load, each with the reason. Empty for a forced transport.
     */
    public Map<Transport, Throwable> passedOver() {
        return passedOver;
    }

    /** Lines explaining why each passed-over transport was not used, for the start-up log. */
    public String passedOverReason(Transport skipped) {
        Throwable cause = passedOver.get(skipped);
        return cause == null ? null : NativeDiagnosis.explain(cause);
    }

    /** Creates an event loop group of this transport with named, daemon-less threads. */
    public EventLoopGroup newEventLoopGroup(int threads, String threadNamePrefix) {
        return transport.newGroup(threads, new DefaultThreadFactory(threadNamePrefix, false));
    }

    /** Sets the channel type and the epoll mode (for the listener and every accepted socket). */
    public ServerBootstrap configure(ServerBootstrap bootstrap) {
        return configure(bootstrap, null);
    }

    /**
     * Like {@link #configure(ServerBootstrap)}, with a listening socket of the address family of
     * {@code bindAddress}: an IPv4 address ({@code 0.0.0.0} included) gets an {@code AF_INET}
     * socket, which takes IPv4 connections only. Without this, the JDK and Netty's epoll open
     * {@code AF_INET6} sockets and bind {@code 0.0.0.0} as {@code ::}, which also takes IPv6
     * connections. An IPv6 address ({@code ::}) keeps the default {@code AF_INET6} socket: dual
     * stack or IPv6 only as the OS decides ({@code net.ipv6.bindv6only}). On kqueue, Netty 4.1 has
     * no IPv4 listening socket, so the default is kept there.
     *
     * @param bindAddress the address the listener will bind, or {@code null} for the default socket
     */
    public ServerBootstrap configure(ServerBootstrap bootstrap, InetAddress bindAddress) {
        boolean ipv4 = bindAddress instanceof Inet4Address;
        if (ipv4 && transport == Transport.EPOLL) {
            bootstrap.channelFactory(() -> new EpollServerSocketChannel(InternetProtocolFamily.IPv4));
        } else if (ipv4 && transport == Transport.NIO) {
            bootstrap.channelFactory(() -> new NioServerSocketChannel(SelectorProvider.provider(),
                    InternetProtocolFamily.IPv4));
        } else {
            bootstrap.channelFactory(transport.serverChannelFactory());
        }
        if (epollMode != null) {
            // EPOLL_MODE must be set before registration: option for the listener, childOption for
            // the accepted sockets (they are registered with EPOLLET set or cleared accordingly).
            bootstrap.option(EpollChannelOption.EPOLL_MODE, epollMode.netty);
            bootstrap.childOption(EpollChannelOption.EPOLL_MODE, epollMode.netty);
        }
        return bootstrap;
    }

    /** Sets the TCP client channel type and the epoll mode. */
    public Bootstrap configureSocket(Bootstrap bootstrap) {
        bootstrap.channelFactory(transport.socketChannelFactory());
        if (epollMode != null) {
            bootstrap.option(EpollChannelOption.EPOLL_MODE, epollMode.netty);
        }
        return bootstrap;
    }

    /** Sets the UDP channel type and the epoll mode. */
    public Bootstrap configureDatagram(Bootstrap bootstrap) {
        return configureDatagram(bootstrap, null);
    }

    /**
     * Like {@link #configureDatagram(Bootstrap)}, with a socket of the address family of
     * {@code bindAddress}: {@code AF_INET} for an IPv4 address, so that {@code 0.0.0.0} takes
     * IPv4 datagrams only (see {@link #configure(ServerBootstrap, InetAddress)}).
     *
     * @param bindAddress the address the socket will bind, or {@code null} for the default socket
     */
    public Bootstrap configureDatagram(Bootstrap bootstrap, InetAddress bindAddress) {
        if (bindAddress instanceof Inet4Address) {
            InternetProtocolFamily v4 = InternetProtocolFamily.IPv4;
            switch (transport) {
                case EPOLL:
                    bootstrap.channelFactory(() -> new EpollDatagramChannel(v4));
                    break;
                case KQUEUE:
                    bootstrap.channelFactory(() -> new KQueueDatagramChannel(v4));
                    break;
                default:
                    bootstrap.channelFactory(() -> new NioDatagramChannel(v4));
                    break;
            }
        } else {
            bootstrap.channelFactory(transport.datagramChannelFactory());
        }
        if (epollMode != null) {
            bootstrap.option(EpollChannelOption.EPOLL_MODE, epollMode.netty);
        }
        return bootstrap;
    }

    /** Whether this transport can share a port between listening sockets ({@code SO_REUSEPORT}): epoll only. */
    public boolean supportsReusePort() {
        return transport == Transport.EPOLL;
    }

    /**
     * Sets {@code SO_REUSEPORT} on the listening socket, so that several listening sockets of
     * this process can bind the same address and the kernel spreads new connections over them.
     *
     * @throws IllegalStateException when the transport is not epoll
     */
    public ServerBootstrap reusePort(ServerBootstrap bootstrap) {
        if (!supportsReusePort()) {
            throw new IllegalStateException("SO_REUSEPORT needs the epoll transport, not " + transport.id());
        }
        return bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }

    /**
     * Makes {@code bootstrap} wrap an inherited, already bound and listening TCP socket (systemd
     * socket activation) instead of creating one; call {@code register()}, not {@code bind()}.
     *
     * @throws IllegalStateException when the transport is not epoll
     */
    public ServerBootstrap configureInherited(ServerBootstrap bootstrap, int fd) {
        if (transport != Transport.EPOLL) {
            throw new IllegalStateException("serving on an inherited socket needs the epoll transport, not "
                    + transport.id());
        }
        bootstrap.channelFactory(() -> new EpollServerSocketChannel(fd));
        bootstrap.option(EpollChannelOption.EPOLL_MODE, epollMode.netty);
        bootstrap.childOption(EpollChannelOption.EPOLL_MODE, epollMode.netty);
        return bootstrap;
    }

    /**
     * Makes {@code bootstrap} wrap an inherited, already bound UDP socket (systemd socket
     * activation); call {@code register()}, not {@code bind()}.
     *
     * @throws IllegalStateException when the transport is not epoll
     */
    public Bootstrap configureInheritedDatagram(Bootstrap bootstrap, int fd) {
        if (transport != Transport.EPOLL) {
            throw new IllegalStateException("serving on an inherited socket needs the epoll transport, not "
                    + transport.id());
        }
        bootstrap.channelFactory(() -> new EpollDatagramChannel(fd));
        return bootstrap.option(EpollChannelOption.EPOLL_MODE, epollMode.netty);
    }

    /** {@code epoll (edge-triggered)}, {@code nio}, ... */
    @Override
    public String toString() {
        return epollMode == null ? transport.id() : transport.id() + " (" + epollMode.id() + "-triggered)";
    }
}
