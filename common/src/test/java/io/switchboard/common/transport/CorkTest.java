package io.switchboard.common.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The cork is set and cleared on a real connection of every transport that has one, and NIO's is a no-op. */
class CorkTest {
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void holdsAndReleases(TransportUnderTest under) throws Exception {
        TransportConfig config = under.config();
        EventLoopGroup group = config.newEventLoopGroup(1, "cork-test");
        try {
            Channel server = config.configure(new ServerBootstrap()).group(group)
                    .childHandler(new ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            Channel client = config.configureSocket(new Bootstrap()).group(group)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            boolean corkable = under.choice != TransportChoice.NIO;
            boolean held = client.eventLoop().submit(() -> Cork.hold(client)).get();
            assertEquals(corkable, held);
            assertEquals(corkable, client.eventLoop().submit(() -> corked(client)).get());
            client.eventLoop().submit(() -> Cork.release(client)).get();
            assertFalse(client.eventLoop().submit(() -> corked(client)).get());
            client.close().sync();
            // Closed: nothing to cork, and no exception.
            assertFalse(client.eventLoop().submit(() -> Cork.hold(client)).get());
            client.eventLoop().submit(() -> Cork.release(client)).get();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void aChannelWithoutTheOptionIsLeftAlone() {
        EmbeddedChannel channel = new EmbeddedChannel();
        assertFalse(Cork.hold(channel));
        Cork.release(channel);
        channel.finishAndReleaseAll();
    }

    private static boolean corked(Channel channel) {
        if (channel instanceof EpollSocketChannel epoll) {
            return epoll.config().isTcpCork();
        }
        if (channel instanceof KQueueSocketChannel kqueue) {
            return kqueue.config().isTcpNoPush();
        }
        return false;
    }
}
