package io.switchboard.server.ws;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Server;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A test-only HTTP listener: codec, aggregator, {@link WebSocketBridge#addTo} and a router that
 * serves {@code GET /chat} from the classpath and 404 otherwise, on the hub of a running
 * {@link Server}. It lets the bridge be tested without depending on the HTTP listener's work.
 */
final class TestHttpServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    TestHttpServer(Server server) {
        this(server.config(), server.hub(), server.metrics(), server);
    }

    private TestHttpServer(ServerConfig config, RoomHub hub, Metrics metrics, Server server) {
        group = server.transport().newEventLoopGroup(2, "test-http");
        ServerBootstrap bootstrap = server.transport().configure(new ServerBootstrap())
                .group(group)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        config.writeBufferLowWaterMark(), config.writeBufferHighWaterMark()))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(HandlerNames.HTTP_CODEC, new HttpServerCodec())
                                .addLast(HandlerNames.HTTP_AGGREGATOR, new HttpObjectAggregator(config.httpMaxBodyBytes()));
                        WebSocketBridge.addTo(ch.pipeline(), config, hub, metrics);
                        ch.pipeline().addLast(HandlerNames.HTTP_ROUTER, new Router());
                    }
                });
        channel = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** GET /chat from the classpath, like the real HTTP listener; 404 for anything else. */
    private static final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri().replaceFirst("\\?.*", "");
            FullHttpResponse response;
            if (path.equals("/chat")) {
                byte[] page;
                try (InputStream in = TestHttpServer.class.getResourceAsStream("/io/switchboard/server/http/chat.html")) {
                    page = in.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(page));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
            } else {
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                        Unpooled.copiedBuffer("not found\n", java.nio.charset.StandardCharsets.UTF_8));
            }
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
