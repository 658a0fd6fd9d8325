package io.switchboard.client.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.ConnectionClosedException;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connected UDP socket to the UDP echo listener: send one datagram, wait for one back. Only
 * datagrams from the server's address are received (the socket is connected).
 */
final class UdpEchoConnection implements AutoCloseable {
    /** The largest UDP payload over IPv4. */
    static final int MAX_DATAGRAM = 65_507;

    private final EventLoopGroup group;
    private final Channel channel;
    private final BlockingQueue<Object> received;
    private final long timeoutMillis;

    private UdpEchoConnection(EventLoopGroup group, Channel channel, BlockingQueue<Object> received,
            long timeoutMillis) {
        this.group = group;
        this.channel = channel;
        this.received = received;
        this.timeoutMillis = timeoutMillis;
    }

    static UdpEchoConnection open(ClientOptions options) {
        TransportConfig transport = TransportConfig.resolve(options.transport(), options.epollMode());
        EventLoopGroup group = transport.newEventLoopGroup(1, "switchboard-udp");
        BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        ChannelFuture connect = transport.configureDatagram(new Bootstrap())
                .group(group)
                // Room for the largest datagram plus one byte, so a longer reply shows as a mismatch
                // instead of being truncated to Netty's default of 2048 bytes.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM + 1))
                .handler(new Receiver(received))
                .connect(new InetSocketAddress(options.host(), options.port()))
                .awaitUninterruptibly();
        if (!connect.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new ConnectionClosedException("cannot reach udp " + options.host() + ":" + options.port() + ": "
                    + connect.cause().getMessage(), connect.cause());
        }
        return new UdpEchoConnection(group, connect.channel(), received, options.requestTimeout().toMillis());
    }

    /**
     * Sends {@code payload} (1 to {@link #MAX_DATAGRAM} bytes) as one datagram and returns the next
     * datagram that comes back.
     *
     * @throws TimeoutException when nothing came back within the reply timeout
     */
    byte[] echo(byte[] payload) throws Exception {
        received.clear(); // a late reply to an earlier datagram is not this one's
        channel.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
        Object reply = received.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (reply == null) {
            throw new TimeoutException("no reply within " + timeoutMillis + " ms");
        }
        if (reply instanceof Throwable) {
            throw new ConnectionClosedException(describe((Throwable) reply), (Throwable) reply);
        }
        return (byte[]) reply;
    }

    private String describe(Throwable cause) {
        if (cause instanceof PortUnreachableException) {
            return "udp " + channel.remoteAddress() + " unreachable (nothing listening there)";
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Runs on the event loop: hands every datagram (or error) to the waiting caller. */
    private static final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        private final BlockingQueue<Object> received;

        Receiver(BlockingQueue<Object> received) {
            this.received = received;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
            byte[] bytes = new byte[msg.content().readableBytes()];
            msg.content().readBytes(bytes);
            received.add(bytes);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP errors arrive here; the socket stays usable.
            received.add(cause);
        }
    }
}
