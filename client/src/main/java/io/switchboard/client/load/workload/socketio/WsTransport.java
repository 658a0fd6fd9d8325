package io.switchboard.client.load.workload.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.client.load.workload.ConnectionContext;
import java.io.IOException;
import java.net.URI;

/**
 * Engine.IO over a WebSocket: {@code GET PATH?EIO=4&transport=websocket} upgraded, then one text
 * message per Engine.IO packet, the open packet first. Frames are masked as RFC 6455 requires of
 * clients; a message is handed to the connection as the frame's own buffer (no copy).
 */
final class WsTransport extends ChannelInboundHandlerAdapter implements EngineTransport {
    /** Pipeline handler names, in order. */
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    static final String WS_AGGREGATOR = "ws-aggregator";
    static final String HANDLER = "socketio";

    /** Messages larger than this close the connection (the server's own maxPayload is usually 1 MB). */
    static final int MAX_MESSAGE_BYTES = 16 << 20;

    private final SioConnection connection;
    private final WebSocketClientHandshaker handshaker;
    private ChannelHandlerContext channel;

    private WsTransport(SioConnection connection, WebSocketClientHandshaker handshaker) {
        this.connection = connection;
        this.handshaker = handshaker;
    }

    static void open(SioWorkload w, ConnectionContext ctx, SioConnection connection) {
        URI uri = URI.create((w.tls != null ? "wss" : "ws") + "://" + w.hostHeader + w.handshakePath + "websocket");
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                null, false, w.headers, MAX_MESSAGE_BYTES, true, false, -1);
        WsTransport transport = new WsTransport(connection, handshaker);
        ctx.socketBootstrap()
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(HTTP_CODEC, new HttpClientCodec())
                                .addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(16_384))
                                .addLast(HANDLER, transport);
                        if (w.tls != null) {
                            w.tls.addFirst(ch.pipeline(), ctx);
                        }
                    }
                })
                .connect(w.host, w.port)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        ctx.connectFailed(f.cause());
                    }
                });
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        channel = c;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        connection.onTransport(this);
        handshaker.handshake(c.channel()).addListener(f -> {
            if (!f.isSuccess()) {
                connection.openFailed(f.cause());
            }
        });
        c.fireChannelActive();
    }

    // ---- EngineTransport ----

    @Override
    public void send(ByteBuf packet) {
        channel.write(new TextWebSocketFrame(packet), channel.voidPromise());
    }

    @Override
    public void sendThen(ByteBuf packet, Runnable written) {
        channel.write(new TextWebSocketFrame(packet)).addListener(f -> written.run());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public EventExecutor executor() {
        return channel.executor();
    }

    @Override
    public long wireBytes(int length) {
        return length + (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10);
    }

    // ---- channel ----

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (!handshaker.isHandshakeComplete()) {
                if (msg instanceof FullHttpResponse response) {
                    upgraded(c, response);
                }
                return;
            }
            if (msg instanceof TextWebSocketFrame text) {
                ByteBuf b = text.content();
                connection.onPacket(b, b.readerIndex(), b.writerIndex());
            } else if (msg instanceof PingWebSocketFrame ping) {
                c.writeAndFlush(new PongWebSocketFrame(ping.content().retain()), c.voidPromise());
            } else if (msg instanceof CloseWebSocketFrame close) {
                c.close();
            } else if (msg instanceof WebSocketFrame frame && !(msg instanceof PongWebSocketFrame)) {
                connection.protocolError("a binary WebSocket message of " + frame.content().readableBytes()
                        + " bytes (binary attachments: the load tool sends text and expects text back)");
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void upgraded(ChannelHandlerContext c, FullHttpResponse response) {
        try {
            handshaker.finishHandshake(c.channel(), response);
        } catch (RuntimeException e) {
            connection.openFailed(new IOException("WebSocket upgrade refused: " + response.status() + " "
                    + response.content().toString(java.nio.charset.StandardCharsets.UTF_8).strip()
                    + " (" + e.getMessage() + ")"));
            return;
        }
        c.pipeline().addBefore(HANDLER, WS_AGGREGATOR, new WebSocketFrameAggregator(MAX_MESSAGE_BYTES));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        connection.readComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        connection.failed(cause);
        c.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        connection.onClosed(null);
    }
}
