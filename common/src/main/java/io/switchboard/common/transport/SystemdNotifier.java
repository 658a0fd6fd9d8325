package io.switchboard.common.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Sends systemd notifications ({@code sd_notify(3)}: {@code READY=1}, {@code STATUS=...},
 * {@code STOPPING=1}) as datagrams to the Unix socket named by {@code NOTIFY_SOCKET}. The JDK
 * cannot send on a Unix datagram socket, so this uses Netty's epoll {@link EpollDomainDatagramChannel}
 * on a one-thread event loop of its own, connected to the socket when opened; it therefore needs
 * the epoll native library (whatever transport the server's listeners use). A path starting with
 * {@code @} is in the abstract namespace.
 * Thread-safe; {@link #close()} releases the socket and the thread.
 */
public final class SystemdNotifier implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 5;

    private final String socket;
    private final EventLoopGroup group;
    private final Channel channel;

    private SystemdNotifier(String socket, EventLoopGroup group, Channel channel) {
        this.socket = socket;
        this.group = group;
        this.channel = channel;
    }

    /**
     * Opens a notifier for the socket path in {@code notifySocket} (the value of
     * {@code NOTIFY_SOCKET}): an absolute path, or {@code @name} for the abstract namespace.
     *
     * @throws IOException when the path is not usable or the socket cannot be opened
     * @throws TransportUnavailableException when the epoll native library does not load here
     */
    public static SystemdNotifier open(String notifySocket) throws IOException {
        if (notifySocket == null || notifySocket.isEmpty()
                || !(notifySocket.startsWith("/") || notifySocket.startsWith("@"))) {
            throw new IOException("NOTIFY_SOCKET: '" + notifySocket + "' (expected: an absolute path or @abstract-name)");
        }
        if (!Epoll.isAvailable()) {
            throw new TransportUnavailableException("systemd notification needs the epoll native library: "
                    + NativeDiagnosis.explain(Epoll.unavailabilityCause()), Epoll.unavailabilityCause());
        }
        DomainSocketAddress address = new DomainSocketAddress(notifySocket.startsWith("@")
                ? "\0" + notifySocket.substring(1) : notifySocket);
        EventLoopGroup group = new EpollEventLoopGroup(1, new DefaultThreadFactory("switchboard-notify", true));
        // Connected once: a Netty datagram channel only writes when bound or connected, and a
        // connected one reports a missing socket at once.
        ChannelFuture connected = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(address);
        if (!connected.awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS) || !connected.isSuccess()) {
            connected.channel().close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            Throwable cause = connected.cause();
            throw new IOException("cannot connect to NOTIFY_SOCKET " + notifySocket + ": "
                    + (cause == null ? "timed out" : cause.toString()), cause);
        }
        return new SystemdNotifier(notifySocket, group, connected.channel());
    }

    /** The socket notifications go to, as given. */
    public String socket() {
        return socket;
    }

    /**
     * Sends one notification, newline-separated {@code KEY=VALUE} assignments such as
     * {@code "READY=1\nSTATUS=serving"}, and waits until it is sent.
     *
     * @throws IOException when the datagram cannot be sent (no such socket, permission, ...)
     */
    public void send(String assignments) throws IOException {
        ChannelFuture sent = channel.writeAndFlush(Unpooled.wrappedBuffer(assignments.getBytes(StandardCharsets.UTF_8)));
        if (!sent.awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IOException("notification to " + socket + " not sent within " + TIMEOUT_SECONDS + " s");
        }
        if (!sent.isSuccess()) {
            throw new IOException("cannot notify " + socket + ": " + sent.cause(), sent.cause());
        }
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        group.shutdownGracefully(0, TIMEOUT_SECONDS, TimeUnit.SECONDS).awaitUninterruptibly(TIMEOUT_SECONDS,
                TimeUnit.SECONDS);
    }
}
