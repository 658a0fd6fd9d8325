package io.switchboard.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many lightweight framed sessions on one shared event loop group, for fan-out and fan-in tests
 * where a full {@link SwitchboardClient} per member (with its own threads) would be too heavy.
 * Each member records the events it receives as "sender:payload" strings.
 */
final class LightMembers implements AutoCloseable {
    private final EventLoopGroup group;
    private final List<Member> members = new ArrayList<>();

    static final class Member {
        final Channel channel;
        final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();

        Member(Channel channel) {
            this.channel = channel;
        }
    }

    LightMembers(TransportConfig transport) {
        this.group = transport.newEventLoopGroup(2, "light-members");
        this.transport = transport;
    }

    private final TransportConfig transport;

    /** Connects {@code n} sessions and joins each to {@code room} (acknowledged), in parallel. */
    List<Member> connect(InetSocketAddress server, int n, String room) throws InterruptedException {
        CountDownLatch joined = new CountDownLatch(n);
        List<Member> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Member[] holder = new Member[1];
            Channel ch = transport.configureSocket(new Bootstrap()).group(group)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE,
                                    new SimpleChannelInboundHandler<Frame>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                                            Member m = holder[0];
                                            switch (frame.opcode()) {
                                                case EVENT:
                                                    Event e = (Event) frame;
                                                    m.events.add(e.senderId() + ":" + e.content().toString(
                                                            java.nio.charset.StandardCharsets.UTF_8));
                                                    break;
                                                case ACK:
                                                    if (frame.requestId() == 2) {
                                                        joined.countDown();
                                                    }
                                                    m.acks.incrementAndGet();
                                                    break;
                                                case ERROR:
                                                    m.errors.incrementAndGet();
                                                    break;
                                                default:
                                                    break;
                                            }
                                        }
                                    });
                        }
                    })
                    .connect(server).sync().channel();
            Member m = new Member(ch);
            holder[0] = m;
            ch.write(new Hello(1, Wire.PROTOCOL_VERSION, "light", ""));
            if (room != null) {
                ch.write(new Join(2, Flags.ACK, room));
            } else {
                joined.countDown();
            }
            ch.flush();
            batch.add(m);
        }
        if (!joined.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError(joined.getCount() + " of " + n + " members did not join in time");
        }
        members.addAll(batch);
        return batch;
    }

    /** Publishes {@code text} to {@code room} from {@code m}, with an ACK requested. */
    static void publish(Member m, int requestId, String room, String text) {
        m.channel.writeAndFlush(new Publish(requestId, Flags.ACK, Target.ROOM, room, 0, "e",
                Unpooled.copiedBuffer(text, java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        for (Member m : members) {
            m.channel.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
