package io.switchboard.client.load.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** Makes the bootstraps workloads connect with: transport, options and source address set. */
public final class Bootstraps {
    /**
     * Read buffer sizes for stream connections. Netty's default adaptive allocator shrinks its
     * guess to 64 bytes after small reads; a response of exactly that size then fills the buffer
     * and costs one more {@code recv} that finds nothing. Pooled buffers make a larger floor free.
     */
    static final RecvByteBufAllocator STREAM_READS = new AdaptiveRecvByteBufAllocator(1024, 2048, 65536);

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
                .option(ChannelOption.RCVBUF_ALLOCATOR, STREAM_READS)
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
