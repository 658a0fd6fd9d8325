package io.switchboard.client.load.workload.raw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.TokenQueue;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;

/**
 * Raw TCP echo: each request is N payload bytes; its response is the next N bytes the server
 * sends, compared byte for byte with what was sent ({@code WRONG_ECHO} when they differ). With
 * pipelining, responses are matched in send order. Payloads are slices of the shared random
 * bytes (no copy, no allocation beyond Netty's recycled slice objects), and the comparison reads
 * the received buffer in place.
 */
public final class RawWorkload implements Workload {
    private final Target target;
    private final int pipeline;
    private final LoadTls tls;

    public RawWorkload(WorkloadSetup setup) throws WorkloadException {
        this.target = setup.target();
        this.pipeline = setup.settings().pipeline();
        this.tls = setup.tls();
        if (setup.settings().payload().minBytes() == 0 && setup.settings().payload().file() == null) {
            throw new WorkloadException("payload: raw echo needs at least 1 byte per request (an empty request has no echo)");
        }
    }

    @Override
    public void open(ConnectionContext ctx) {
        RawConnection connection = new RawConnection(ctx, pipeline);
        ChannelFuture f = ctx.socketBootstrap()
                .handler(tls == null ? connection : tls.initializer(ctx, "raw", connection)).connect(target.host(), target.port());
        f.addListener((ChannelFuture cf) -> {
            if (!cf.isSuccess()) {
                ctx.connectFailed(cf.cause());
            }
        });
    }

    /** One connection: the handler and the engine's handle on it. */
    static final class RawConnection extends ChannelInboundHandlerAdapter implements LoadConnection {
        private final ConnectionContext engine;
        private final PayloadSource payloads;
        private final TokenQueue inFlight;
        private ChannelHandlerContext ctx;
        private int verified;
        private boolean mismatch;
        private Throwable failure;

        RawConnection(ConnectionContext engine, int pipeline) {
            this.engine = engine;
            this.payloads = engine.payloads();
            this.inFlight = new TokenQueue(pipeline);
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            engine.connected(this);
            ctx.fireChannelActive();
        }

        @Override
        public void send(int token) {
            int size = payloads.nextSize();
            int offset = payloads.nextOffset();
            inFlight.add(token, (long) offset << 32 | size);
            ctx.write(payloads.slice(offset, size), ctx.voidPromise());
            engine.bytesSent(size);
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
                ByteBuf sent = payloads.bytes();
                while (in.isReadable()) {
                    if (inFlight.isEmpty()) {
                        engine.connectionError(ErrorKind.PROTOCOL_ERROR,
                                in.readableBytes() + " bytes arrived that no request asked for");
                        return;
                    }
                    long expected = inFlight.peekValue();
                    int size = (int) expected;
                    int offset = (int) (expected >>> 32);
                    int n = Math.min(in.readableBytes(), size - verified);
                    if (!mismatch && !ByteBufUtil.equals(in, in.readerIndex(), sent,
                            sent.readerIndex() + offset + verified, n)) {
                        mismatch = true;
                    }
                    in.skipBytes(n);
                    verified += n;
                    if (verified == size) {
                        int token = inFlight.poll();
                        boolean wrong = mismatch;
                        verified = 0;
                        mismatch = false;
                        if (wrong) {
                            engine.failed(token, ErrorKind.WRONG_ECHO, "echo of " + size + " bytes differs from what was sent");
                        } else {
                            engine.completed(token);
                        }
                    }
                }
            } finally {
                in.release();
            }
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
            engine.closed(failure);
        }
    }
}
