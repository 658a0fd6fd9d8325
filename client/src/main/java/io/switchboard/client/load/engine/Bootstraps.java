package io.switchboard.client.load.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Makes the bootstraps workloads connect with: transport, options and source address set. */
public final class Bootstraps {
    private final TransportConfig transport;
    private final ByteBufAllocator alloc;
    private final int connectTimeoutMillis;

    public Bootstraps(TransportConfig transport, ByteBufAllocator alloc, int connectTimeoutMillis) {
        this.transport = transport;
        this.alloc = alloc;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    /** A TCP bootstrap on {@code loop}, bound to {@code source} (port 0) when it is not null. */
    public Bootstrap socket(EventLoop loop, InetAddress source) {
        Bootstrap b = transport.configureSocket(new Bootstrap())
                .group(loop)
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
        if (source != null) {
            b.localAddress(new InetSocketAddress(source, 0));
        }
        return b;
    }

    /** A UDP bootstrap on {@code loop}, bound to {@code source} (port 0) when it is not null. */
    public Bootstrap datagram(EventLoop loop, InetAddress source) {
        Bootstrap b = transport.configureDatagram(new Bootstrap())
                .group(loop)
                .option(ChannelOption.ALLOCATOR, alloc);
        if (source != null) {
            b.localAddress(new InetSocketAddress(source, 0));
        }
        return b;
    }
}
