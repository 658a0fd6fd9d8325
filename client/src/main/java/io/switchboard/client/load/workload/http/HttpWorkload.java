package io.switchboard.client.load.workload.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.TokenQueue;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadSetup;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 GET or POST against any server, keep-alive, with pipelining when {@code --pipeline}
 * is above 1 (responses come back in request order). The request head is built once; a GET is
 * written as a retained duplicate of that one buffer. A POST adds the payload as a slice of the
 * shared payload bytes, with a per-request {@code Content-Length} when sizes vary. Responses are
 * parsed by {@link HttpResponseParser}; a status outside 200-299 is an {@code HTTP_STATUS} error.
 * A response with {@code Connection: close} completes its request and the engine reconnects.
 */
public final class HttpWorkload implements Workload {
    private final Target target;
    private final int pipeline;
    private final boolean post;
    private final boolean fixedBody;
    private final LoadTls tls;
    /** GET: the whole request. POST: everything up to and including "Content-Length: ". */
    private final ByteBuf head;

    public HttpWorkload(WorkloadSetup setup) {
        LoadSettings s = setup.settings();
        this.target = setup.target();
        this.pipeline = s.pipeline();
        this.post = s.method().equals("POST");
        this.fixedBody = !s.payload().isRange();
        this.tls = setup.tls();
        StringBuilder sb = new StringBuilder(128);
        sb.append(s.method()).append(' ').append(target.path()).append(" HTTP/1.1\r\nHost: ")
                .append(target.hostHeader()).append("\r\n");
        for (String h : s.headers()) {
            sb.append(h).append("\r\n");
        }
        if (post) {
            sb.append("Content-Type: application/octet-stream\r\nContent-Length: ");
        } else {
            sb.append("\r\n");
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf buf = setup.alloc().directBuffer(bytes.length);
        buf.writeBytes(bytes);
        this.head = buf;
    }

    @Override
    public void open(ConnectionContext ctx) {
        HttpConnection connection = new HttpConnection(ctx, this);
        ChannelFuture f = ctx.socketBootstrap()
                .handler(tls == null ? connection : tls.initializer(ctx, "http", connection)).connect(target.host(), target.port());
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                ctx.connectFailed(cf.cause());
            }
        });
    }

    @Override
    public void close() {
        head.release();
    }

    /** One keep-alive connection. */
    static final class HttpConnection extends ChannelInboundHandlerAdapter
            implements LoadConnection, HttpResponseParser.Listener {
        private final ConnectionContext engine;
        private final HttpWorkload w;
        private final PayloadSource payloads;
        private final TokenQueue inFlight;
        private ChannelHandlerContext ctx;
        private HttpResponseParser parser;
        private Throwable failure;
        private boolean closing;

        HttpConnection(ConnectionContext engine, HttpWorkload workload) {
            this.engine = engine;
            this.w = workload;
            this.payloads = engine.payloads();
            this.inFlight = new TokenQueue(workload.pipeline);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
            this.parser = new HttpResponseParser(this, ctx.alloc());
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            parser.release();
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            engine.connected(this);
            ctx.fireChannelActive();
        }

        @Override
        public void send(int token) {
            inFlight.add(token);
            ByteBuf head = w.head;
            if (!w.post) {
                ctx.write(head.retainedDuplicate(), ctx.voidPromise());
                engine.bytesSent(head.readableBytes());
                return;
            }
            int size = payloads.nextSize();
            int offset = payloads.nextOffset();
            ByteBuf length = ctx.alloc().directBuffer(16);
            writeDecimal(length, size);
            length.writeByte('\r').writeByte('\n').writeByte('\r').writeByte('\n');
            int bytes = head.readableBytes() + length.readableBytes() + size;
            ctx.write(head.retainedDuplicate(), ctx.voidPromise());
            ctx.write(length, ctx.voidPromise());
            if (size > 0) {
                ctx.write(payloads.slice(offset, size), ctx.voidPromise());
            }
            engine.bytesSent(bytes);
        }

        /** Writes a non-negative int as ASCII digits, without a String per request. */
        private static void writeDecimal(ByteBuf buf, int value) {
            int divisor = 1;
            while (value / divisor >= 10) {
                divisor *= 10;
            }
            for (; divisor > 0; divisor /= 10) {
                buf.writeByte('0' + value / divisor % 10);
            }
        }

        @Override
        public void flush() {
            ctx.flush();
        }

        @Override
        public void close() {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                engine.bytesReceived(in.readableBytes());
                if (!closing) {
                    parser.feed(in);
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void response(int status, boolean close) {
            if (inFlight.isEmpty()) {
                malformed("a response arrived that no request asked for");
                return;
            }
            int token = inFlight.poll();
            if (status >= 200 && status < 300) {
                engine.completed(token);
            } else {
                engine.failed(token, ErrorKind.HTTP_STATUS, "HTTP status " + status);
            }
            if (close && !closing) {
                // The server ends the connection after this response; requests pipelined behind
                // it are settled by the engine as RESET when the close arrives.
                closing = true;
                engine.closeExpected();
                ctx.close();
            }
        }

        @Override
        public void malformed(String why) {
            closing = true;
            engine.connectionError(ErrorKind.PROTOCOL_ERROR, why);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            engine.readComplete();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failure = cause;
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!closing) {
                parser.closed();
            }
            engine.closed(failure);
        }
    }
}
