package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare framed-protocol client (the client library is not on the server's test classpath):
 * events arrive as {@link Received} with their payload copied out, BYE as {@link Bye} with its
 * message, ACKs as {@link Acked}; other frames are dropped.
 */
final class FramedClient implements AutoCloseable {
    record Received(long sender, String room, String event, String text) {
    }

    record Acked(int requestId) {
    }

    private final EventLoopGroup group;
    private final Channel channel;
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final long sessionId;
    private int nextId = 100;

    FramedClient(TransportConfig transport, InetSocketAddress address, String name) throws InterruptedException {
        group = transport.newEventLoopGroup(1, "admin-test-framed");
        channel = transport.configureSocket(new Bootstrap()).group(group).handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, new SimpleChannelInboundHandler<Frame>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) {
                        if (frame instanceof Event e) {
                            received.add(new Received(e.senderId(), e.room(), e.event(),
                                    e.content().toString(StandardCharsets.UTF_8)));
                        } else if (frame instanceof Ack a) {
                            received.add(new Acked(a.requestId()));
                        } else if (frame instanceof Welcome || frame instanceof Bye) {
                            received.add(frame);
                        }
                    }
                });
            }
        }).connect(address).syncUninterruptibly().channel();
        channel.writeAndFlush(new Hello(1, Wire.PROTOCOL_VERSION, name, ""));
        Welcome welcome = assertInstanceOf(Welcome.class, next());
        sessionId = welcome.sessionId();
    }

    Object next() throws InterruptedException {
        Object frame = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(frame, "nothing received within 10 s");
        return frame;
    }

    /** The next EVENT named {@code event}, skipping anything else. */
    Received nextEvent(String event) throws InterruptedException {
        while (true) {
            if (next() instanceof Received r && r.event().equals(event)) {
                return r;
            }
        }
    }

    /** The next BYE, skipping anything else. */
    Bye nextBye() throws InterruptedException {
        while (true) {
            if (next() instanceof Bye b) {
                return b;
            }
        }
    }

    /** Joins and waits for the server's ACK. */
    void join(String room) throws InterruptedException {
        int id = nextId++;
        channel.writeAndFlush(new Join(id, Flags.ACK, room));
        while (true) {
            if (next() instanceof Acked a && a.requestId() == id) {
                return;
            }
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
