package io.switchboard.client.load.workload.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
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
import io.netty.util.internal.PlatformDependent;
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

    /** Room kept in front of a packet from {@link #buffer} for the longest client frame header (10 + mask 4). */
    static final int HEADROOM = 14;

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
    public ByteBuf buffer(int capacity) {
        ByteBuf b = channel.alloc().buffer(HEADROOM + capacity);
        return b.writerIndex(HEADROOM).readerIndex(HEADROOM);
    }

    /**
     * Writes {@code packet} as one masked text frame. A buffer from {@link #buffer} becomes the
     * frame in place: the header goes into the room kept in front of the packet and the payload
     * is masked where it is (RFC 6455 5.3, a new random key per frame), so a packet costs one
     * pooled buffer and no copy; netty's encoder would allocate a second buffer and copy the
     * payload into it masked. Any other buffer goes through netty's encoder.
     */
    @Override
    public void send(ByteBuf packet) {
        if (frameInPlace(packet, PlatformDependent.threadLocalRandom().nextInt())) {
            channel.write(packet, channel.voidPromise());
        } else {
            channel.write(new TextWebSocketFrame(packet), channel.voidPromise());
        }
    }

    /**
     * Turns the packet in {@code packet}'s readable bytes into a masked final text frame with the
     * key {@code mask}, in place: the header is written into the room in front of the reader index
     * (which moves back to it) and the payload is masked where it is. False, and nothing changed,
     * when there is not room enough for the header.
     */
    static boolean frameInPlace(ByteBuf packet, int mask) {
        int n = packet.readableBytes();
        int header = (n < 126 ? 2 : n <= 0xFFFF ? 4 : 10) + 4;
        int from = packet.readerIndex();
        if (from < header) {
            return false;
        }
        int at = from - header;
        packet.setByte(at, 0x81); // FIN, text
        if (n < 126) {
            packet.setByte(at + 1, 0x80 | n);
        } else if (n <= 0xFFFF) {
            packet.setByte(at + 1, 0x80 | 126).setShort(at + 2, n);
        } else {
            packet.setByte(at + 1, 0x80 | 127).setLong(at + 2, n);
        }
        packet.setInt(from - 4, mask);
        int end = packet.writerIndex();
        int i = from;
        for (; i + 4 <= end; i += 4) {
            packet.setInt(i, packet.getInt(i) ^ mask);
        }
        for (int k = 0; i < end; i++, k++) {
            packet.setByte(i, packet.getByte(i) ^ (mask >>> (24 - 8 * k)));
        }
        packet.readerIndex(at);
        return true;
    }

    @Override
    public void flushThen(Runnable written) {
        // An empty buffer completes once everything written before it is on the socket.
        channel.write(Unpooled.EMPTY_BUFFER).addListener(f -> written.run());
        channel.flush();
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
