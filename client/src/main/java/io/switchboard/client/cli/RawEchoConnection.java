package io.switchboard.client.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.ConnectionClosedException;
import io.switchboard.common.transport.TransportConfig;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One connection to the raw echo listener: send bytes, wait for as many bytes back. */
final class RawEchoConnection implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final Collector collector;
    private final long timeoutMillis;

    private RawEchoConnection(EventLoopGroup group, Channel channel, Collector collector, long timeoutMillis) {
        this.group = group;
        this.channel = channel;
        this.collector = collector;
        this.timeoutMillis = timeoutMillis;
    }

    static RawEchoConnection open(ClientOptions options) {
        TransportConfig transport = TransportConfig.resolve(options.transport(), options.epollMode());
        EventLoopGroup group = transport.newEventLoopGroup(1, "switchboard-raw");
        Collector collector = new Collector();
        ChannelFuture connect = transport.configureSocket(new Bootstrap())
                .group(group)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(collector)
                .connect(options.host(), options.port())
                .awaitUninterruptibly();
        if (!connect.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new ConnectionClosedException("cannot connect to " + options.host() + ":" + options.port() + ": "
                    + connect.cause().getMessage(), connect.cause());
        }
        return new RawEchoConnection(group, connect.channel(), collector, options.requestTimeout().toMillis());
    }

    /** Sends {@code payload} and returns the same number of bytes read back. */
    byte[] echo(byte[] payload) throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        channel.eventLoop().submit(() -> collector.expect(payload.length, reply)).sync();
        channel.writeAndFlush(Unpooled.wrappedBuffer(payload));
        return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Runs on the event loop: gathers bytes until the expected count arrived. */
    private static final class Collector extends SimpleChannelInboundHandler<ByteBuf> {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private int expected;
        private CompletableFuture<byte[]> reply;

        void expect(int bytes, CompletableFuture<byte[]> future) {
            received.reset();
            expected = bytes;
            reply = future;
            if (bytes == 0) {
                future.complete(new byte[0]);
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            byte[] bytes = new byte[msg.readableBytes()];
            msg.readBytes(bytes);
            received.writeBytes(bytes);
            if (reply != null && received.size() >= expected) {
                reply.complete(received.toByteArray());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (reply != null) {
                reply.completeExceptionally(new ConnectionClosedException("connection closed after "
                        + received.size() + " of " + expected + " bytes"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (reply != null) {
                reply.completeExceptionally(cause);
            }
            ctx.close();
        }
    }
}
