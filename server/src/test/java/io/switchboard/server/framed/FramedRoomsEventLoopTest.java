package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rooms with real event loops (in-VM {@link LocalChannel}s, the real framed pipeline): each
 * session on its own loop, so that deliveries cross threads as they do in the server. Catches
 * what an {@link io.netty.channel.embedded.EmbeddedChannel}, which runs everything inline, cannot:
 * writes and flushes queued on another session's loop.
 */
class FramedRoomsEventLoopTest {
    private final DefaultEventLoopGroup serverLoops = new DefaultEventLoopGroup(4);
    private final DefaultEventLoopGroup clientLoops = new DefaultEventLoopGroup(2);
    private final RoomHub hub = new RoomHub(PooledByteBufAllocator.DEFAULT);
    private final List<Client> clients = new ArrayList<>();
    private Channel server;

    @AfterEach
    void shutDown() {
        for (Client c : clients) {
            c.channel.close().syncUninterruptibly();
            c.drain();
        }
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        for (Client c : clients) {
            c.drain();
        }
    }

    /** A client connection that queues what it receives; events as text, the rest as frames. */
    final class Client {
        final Channel channel;
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        long sessionId;

        Client(LocalAddress address) throws InterruptedException {
            channel = new Bootstrap().group(clientLoops).channel(LocalChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE,
                                    new SimpleChannelInboundHandler<Frame>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                            if (frame instanceof Event) {
                                                received.add(((Event) frame).content().toString(StandardCharsets.UTF_8));
                                            } else if (frame instanceof Ack) {
                                                received.add("ACK " + frame.requestId());
                                            } else {
                                                received.add(frame);
                                            }
                                        }
                                    });
                        }
                    }).connect(address).sync().channel();
            clients.add(this);
        }

        Object take() throws InterruptedException {
            return take("anything");
        }

        Object take(String expected) throws InterruptedException {
            Object next = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(next, "nothing received within 10 s; expected " + expected);
            return next;
        }

        void hello(String name) throws InterruptedException {
            channel.writeAndFlush(new Hello(1, Wire.PROTOCOL_VERSION, name, ""));
            sessionId = assertInstanceOf(Welcome.class, take()).sessionId();
        }

        void join(String room) throws InterruptedException {
            channel.writeAndFlush(new Join(2, Flags.ACK, room));
            assertEquals("ACK 2", take());
        }

        void drain() {
            received.clear();
        }
    }

    private LocalAddress startServer(ServerConfig config) throws InterruptedException {
        LocalAddress address = new LocalAddress("rooms-" + System.nanoTime());
        server = new ServerBootstrap().group(serverLoops).channel(LocalServerChannel.class)
                .childHandler(new FramedServerInitializer(config.framedConfig(), hub, new Metrics())).bind(address).sync().channel();
        return address;
    }

    @Test
    void everyEventOfABurstIsFlushedToAReceiverOnAnotherLoop() throws Exception {
        LocalAddress address = startServer(ServerConfig.builder().idleTimeout(Duration.ZERO).build());
        Client a = new Client(address);
        Client b = new Client(address);
        a.hello("alice");
        b.hello("bob");
        a.join("lobby");
        b.join("lobby");
        assertNotSame(hub.session(a.sessionId), hub.session(b.sessionId));

        for (int round = 0; round < 20; round++) {
            int burst = 200;
            for (int i = 0; i < burst; i++) {
                ByteBuf payload = PooledByteBufAllocator.DEFAULT.buffer()
                        .writeBytes((round + ":" + i).getBytes(StandardCharsets.UTF_8));
                a.channel.write(new Publish(0, 0, Target.ROOM, "lobby", 0, "n", payload));
            }
            // The last publish asks for an ACK: once it is here, the server has delivered the whole burst.
            a.channel.writeAndFlush(new Publish(99, Flags.ACK, Target.ROOM, "lobby", 0, "n",
                    PooledByteBufAllocator.DEFAULT.buffer().writeBytes((round + ":end").getBytes(StandardCharsets.UTF_8))));
            assertEquals("ACK 99", a.take());
            for (int i = 0; i < burst; i++) {
                assertEquals(round + ":" + i, b.take(round + ":" + i));
            }
            assertEquals(round + ":end", b.take(round + ":end"), "the last event of the burst");
        }
        assertEquals(0, hub.dropped());
    }
}
