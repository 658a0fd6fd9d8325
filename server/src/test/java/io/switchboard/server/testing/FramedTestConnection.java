package io.switchboard.server.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The connection under the tests' framed-protocol clients ({@link FramedTestClient} and the
 * clients of the cluster, limits and Socket.IO tests): common's codec on a Netty bootstrap of the
 * transport under test, its own one-thread event loop, and each decoded frame handed to the
 * client. What a client records of a frame and how it answers stays with the client.
 */
public final class FramedTestConnection implements AutoCloseable {
    /** What a client does with a frame it received, on the connection's event loop. */
    @FunctionalInterface
    public interface OnFrame {
        /**
         * @param channel the connection, to answer on
         * @param frame released after this returns: copy out what is kept
         */
        void received(Channel channel, Frame frame);
    }

    private final EventLoopGroup group;
    private final Channel channel;

    private FramedTestConnection(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Connects to {@code address}, from {@code localAddress} (such as 127.0.0.2) or from any when
     * {@code null}; {@code thread} names the event loop's thread.
     */
    public static FramedTestConnection open(TransportConfig transport, InetSocketAddress address, InetSocketAddress localAddress,
            String thread, OnFrame onFrame) {
        EventLoopGroup group = transport.newEventLoopGroup(1, thread);
        Bootstrap bootstrap = transport.configureSocket(new Bootstrap()).group(group).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, new SimpleChannelInboundHandler<Frame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                        onFrame.received(ctx.channel(), frame);
                    }
                });
            }
        });
        try {
            Channel channel = (localAddress == null ? bootstrap.connect(address) : bootstrap.connect(address, localAddress))
                    .syncUninterruptibly().channel();
            return new FramedTestConnection(group, channel);
        } catch (Throwable e) { // a refused connect included, which Netty rethrows unchecked
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    public Channel channel() {
        return channel;
    }

    /** Closes the connection and stops its event loop; a second call does nothing. */
    @Override
    public void close() {
        if (!group.isShuttingDown()) {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
