package io.switchboard.client.load.workload.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.client.load.workload.ConnectionContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Engine.IO over HTTP long-polling, as the official client does it: two keep-alive HTTP/1.1
 * connections, one holding the pending {@code GET} (the handshake first, then one long poll after
 * another, each answered with the packets the server had, separated by {@code 0x1E}), the other
 * carrying one {@code POST} at a time with every packet queued since the last one (text, joined by
 * {@code 0x1E}). A status other than 200 fails the session with the status and body.
 */
final class PollingTransport implements EngineTransport {
    /** Pipeline handler names, in order. */
    static final String HTTP_CODEC = "http-codec";
    static final String HTTP_AGGREGATOR = "http-aggregator";
    static final String HANDLER = "socketio-polling";
    /** The largest response body accepted. */
    static final int MAX_BODY_BYTES = 16 << 20;

    private final SioWorkload workload;
    private final ConnectionContext ctx;
    private final SioConnection connection;
    private final Leg get = new Leg(true);
    private final Leg post = new Leg(false);
    private String sid;
    /** Packets queued for the next POST, and what runs once it is answered. */
    private final List<ByteBuf> queue = new ArrayList<>();
    private final List<Runnable> afterQueue = new ArrayList<>();
    private final List<Runnable> afterPost = new ArrayList<>();
    private boolean postInFlight;
    private boolean postConnecting;
    private boolean closed;

    private PollingTransport(SioWorkload workload, ConnectionContext ctx, SioConnection connection) {
        this.workload = workload;
        this.ctx = ctx;
        this.connection = connection;
    }

    static void open(SioWorkload w, ConnectionContext ctx, SioConnection connection) {
        PollingTransport t = new PollingTransport(w, ctx, connection);
        t.connect(t.get).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.connectFailed(f.cause());
            }
        });
    }

    private io.netty.channel.ChannelFuture connect(Leg leg) {
        return ctx.socketBootstrap()
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(HTTP_CODEC, new HttpClientCodec())
                                .addLast(HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast(HANDLER, leg);
                        if (workload.tls != null) {
                            workload.tls.addFirst(ch.pipeline(), ctx);
                        }
                    }
                })
                .connect(workload.host, workload.port);
    }

    private FullHttpRequest request(HttpMethod method, ByteBuf body) {
        String uri = workload.handshakePath + "polling" + (sid == null ? "" : "&sid=" + sid);
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, body);
        r.headers().set(HttpHeaderNames.HOST, workload.hostHeader);
        r.headers().add(workload.headers);
        if (method == HttpMethod.POST) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain;charset=UTF-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        }
        return r;
    }

    @Override
    public void opened(String sessionId, long maxPayload) {
        this.sid = sessionId;
    }

    // ---- EngineTransport ----

    @Override
    public void send(ByteBuf packet) {
        if (closed) {
            packet.release();
            return;
        }
        queue.add(packet);
    }

    @Override
    public ByteBuf buffer(int capacity) {
        return alloc().buffer(capacity);
    }

    @Override
    public void flushThen(Runnable written) {
        if (closed) {
            return; // what was queued is lost: the engine fails it with the connection
        }
        afterQueue.add(written);
        flush();
    }

    @Override
    public void flush() {
        if (closed || postInFlight || queue.isEmpty() || sid == null) {
            return;
        }
        if (post.channel == null) {
            if (!postConnecting) {
                postConnecting = true;
                connect(post).addListener(f -> {
                    if (!f.isSuccess()) {
                        connection.failed(new IOException("the polling POST connection failed: " + f.cause(), f.cause()));
                    }
                });
            }
            return; // flushed once the POST connection is up
        }
        ByteBuf body;
        if (queue.size() == 1) {
            body = queue.get(0);
        } else {
            CompositeByteBuf c = post.channel.alloc().compositeBuffer(queue.size() * 2);
            for (int i = 0; i < queue.size(); i++) {
                if (i > 0) {
                    c.addComponent(true, post.channel.alloc().buffer(1).writeByte(SioWire.RECORD_SEPARATOR));
                }
                c.addComponent(true, queue.get(i));
            }
            body = c;
        }
        queue.clear();
        afterPost.addAll(afterQueue);
        afterQueue.clear();
        postInFlight = true;
        post.channel.writeAndFlush(request(HttpMethod.POST, body), post.channel.voidPromise());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (ByteBuf b : queue) {
                b.release();
            }
            queue.clear();
            afterQueue.clear();
            afterPost.clear();
            if (get.channel != null) {
                get.channel.close();
            }
            if (post.channel != null) {
                post.channel.close();
            }
            if (get.channel == null) {
                connection.onClosed(null);
            }
        }
    }

    @Override
    public ByteBufAllocator alloc() {
        return get.channel.alloc();
    }

    @Override
    public EventExecutor executor() {
        return get.channel.executor();
    }

    @Override
    public long wireBytes(int length) {
        return length + 1L;
    }

    // ---- the two HTTP connections ----

    private void onResponse(Leg leg, FullHttpResponse response) {
        ByteBuf body = response.content();
        if (!response.status().equals(HttpResponseStatus.OK)) {
            String what = (leg.isGet ? (sid == null ? "the polling handshake" : "a poll") : "a POST") + " was answered "
                    + response.status() + " " + SioWire.excerpt(body, body.readerIndex(), body.writerIndex());
            connection.protocolError(what);
            return;
        }
        if (!leg.isGet) {
            postInFlight = false;
            Runnable[] written = afterPost.toArray(new Runnable[0]);
            afterPost.clear();
            for (Runnable r : written) {
                r.run(); // may send (and flush) the next requests
            }
            flush();
            connection.readComplete();
            return;
        }
        int from = body.readerIndex();
        int end = body.writerIndex();
        while (from <= end && !closed) {
            int sep = body.forEachByte(from, end - from, SioWire.FIND_RS);
            int to = sep < 0 ? end : sep;
            connection.onPacket(body, from, to);
            from = to + 1;
        }
        if (!closed && sid != null) {
            get.channel.writeAndFlush(request(HttpMethod.GET, get.channel.alloc().buffer(0)), get.channel.voidPromise());
        }
        connection.readComplete();
    }

    /** One of the two HTTP connections. */
    private final class Leg extends ChannelInboundHandlerAdapter {
        final boolean isGet;
        ChannelHandlerContext channel;

        Leg(boolean isGet) {
            this.isGet = isGet;
        }

        @Override
        public void channelActive(ChannelHandlerContext c) {
            channel = c;
            if (closed) {
                c.close();
            } else if (isGet) {
                connection.onTransport(PollingTransport.this);
                c.writeAndFlush(request(HttpMethod.GET, c.alloc().buffer(0)), c.voidPromise());
            } else {
                postConnecting = false;
                flush();
            }
            c.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            try {
                if (msg instanceof FullHttpResponse response && !closed) {
                    onResponse(this, response);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            connection.failed(cause);
            c.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext c) {
            if (isGet) {
                if (!closed) {
                    closed = true;
                    if (post.channel != null) {
                        post.channel.close();
                    }
                }
                connection.onClosed(null);
            } else if (!closed) {
                connection.protocolError("the server closed the polling POST connection");
            }
        }
    }
}
