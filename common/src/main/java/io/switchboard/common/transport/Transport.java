package io.switchboard.common.transport;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueDatagramChannel;
import io.netty.channel.kqueue.KQueueEventLoopGroup;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;

/**
 * The I/O transports Switchboard can run on, in order of preference.
 *
 * <p>This enum and the rest of {@code io.switchboard.common.transport} are the only places that
 * name Netty's transport classes; everything else asks a {@link TransportConfig} for event loops
 * and channels. When Netty 4.2 arrives this package is the one to change.
 */
public enum Transport {
    /** Linux epoll through Netty's JNI transport. */
    EPOLL {
        @Override
        public Throwable unavailabilityCause() {
            return Epoll.unavailabilityCause();
        }

        @Override
        EventLoopGroup newGroup(int threads, ThreadFactory factory) {
            return new EpollEventLoopGroup(threads, factory);
        }

        @Override
        public ChannelFactory<? extends ServerSocketChannel> serverChannelFactory() {
            return EpollServerSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends SocketChannel> socketChannelFactory() {
            return EpollSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return EpollDatagramChannel::new;
        }
    },

    /** BSD and macOS kqueue through Netty's JNI transport. */
    KQUEUE {
        @Override
        public Throwable unavailabilityCause() {
            return KQueue.unavailabilityCause();
        }

        @Override
        EventLoopGroup newGroup(int threads, ThreadFactory factory) {
            return new KQueueEventLoopGroup(threads, factory);
        }

        @Override
        public ChannelFactory<? extends ServerSocketChannel> serverChannelFactory() {
            return KQueueServerSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends SocketChannel> socketChannelFactory() {
            return KQueueSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return KQueueDatagramChannel::new;
        }
    },

    /** The JDK's selector-based NIO: always available. */
    NIO {
        @Override
        public Throwable unavailabilityCause() {
            return null;
        }

        @Override
        EventLoopGroup newGroup(int threads, ThreadFactory factory) {
            return new NioEventLoopGroup(threads, factory);
        }

        @Override
        public ChannelFactory<? extends ServerSocketChannel> serverChannelFactory() {
            return NioServerSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends SocketChannel> socketChannelFactory() {
            return NioSocketChannel::new;
        }

        @Override
        public ChannelFactory<? extends DatagramChannel> datagramChannelFactory() {
            return NioDatagramChannel::new;
        }
    };

    /** Why this transport cannot be used here, or {@code null} when it can. */
    public abstract Throwable unavailabilityCause();

    /** Whether this transport's native library loaded on this machine. */
    public boolean isAvailable() {
        return unavailabilityCause() == null;
    }

    abstract EventLoopGroup newGroup(int threads, ThreadFactory factory);

    /** Creates listening TCP channels of this transport. */
    public abstract ChannelFactory<? extends ServerSocketChannel> serverChannelFactory();

    /** Creates client TCP channels of this transport. */
    public abstract ChannelFactory<? extends SocketChannel> socketChannelFactory();

    /** Creates UDP channels of this transport. */
    public abstract ChannelFactory<? extends DatagramChannel> datagramChannelFactory();

    /** The lower-case name used on command lines and in logs. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
