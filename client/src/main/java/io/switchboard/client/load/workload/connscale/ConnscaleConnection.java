package io.switchboard.client.load.workload.connscale;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import java.io.IOException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One held connection of a {@link ConnscaleWorkload}: handshake (framed HELLO, or none for raw),
 * then nothing but heartbeats until the stage ends. Takes no requests from the engine. Runs on
 * the channel's event loop.
 */
final class ConnscaleConnection extends ChannelInboundHandlerAdapter implements LoadConnection {
    private static final int HELLO_ID = 1;
    private static final ByteBuf HEARTBEAT_BYTE = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(1).writeByte('h').asReadOnly());

    private final ConnscaleWorkload workload;
    private final ConnectionContext ctx;
    private ChannelHandlerContext channel;
    private ScheduledFuture<?> heartbeat;
    private int nextPingId = HELLO_ID + 1;
    private boolean ready;
    private boolean closing;
    private Throwable failure;

    ConnscaleConnection(ConnscaleWorkload workload, ConnectionContext ctx) {
        this.workload = workload;
        this.ctx = ctx;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        channel = c;
    }

    @Override
    public boolean acceptsRequests() {
        return false;
    }

    @Override
    public void send(int token) {
        throw new IllegalStateException("connection-scale connections take no requests");
    }

    @Override
    public void flush() {
        channel.flush();
    }

    /** The stage is over: a connection still open here survived. */
    @Override
    public void close() {
        if (!closing) {
            closing = true;
            if (ready && channel.channel().isActive()) {
                workload.survived.increment();
            }
            stopHeartbeat();
            channel.close();
        }
    }

    // ---- channel ----

    @Override
    public void channelActive(ChannelHandlerContext c) {
        if (workload.framed) {
            c.writeAndFlush(new Hello(HELLO_ID, Wire.PROTOCOL_VERSION, "connscale", workload.token), c.voidPromise());
        } else {
            ready(c);
        }
        c.fireChannelActive();
    }

    private void ready(ChannelHandlerContext c) {
        ready = true;
        workload.onOpened();
        ctx.connected(this);
        if (workload.heartbeatNanos > 0 && !closing) {
            // A random phase, so that N connections do not all beat in the same instant.
            long first = ThreadLocalRandom.current().nextLong(workload.heartbeatNanos) + 1;
            heartbeat = c.executor().scheduleAtFixedRate(this::beat, first, workload.heartbeatNanos,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void beat() {
        if (closing || !channel.channel().isActive()) {
            return;
        }
        if (workload.framed) {
            channel.writeAndFlush(PayloadFrame.of(Opcode.PING, nextPingId++, Unpooled.EMPTY_BUFFER), channel.voidPromise());
        } else {
            channel.writeAndFlush(HEARTBEAT_BYTE.duplicate(), channel.voidPromise());
        }
        workload.heartbeatsSent.increment();
        ctx.bytesSent(workload.framed ? Wire.HEADER_BYTES : 1);
    }

    private void stopHeartbeat() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (!workload.framed) {
                int n = ((ByteBuf) msg).readableBytes();
                ctx.bytesReceived(n);
                workload.heartbeatsAnswered.add(n);
                return;
            }
            if (msg instanceof Welcome) {
                ctx.bytesReceived(Wire.HEADER_BYTES);
                if (!ready) {
                    ready(c);
                }
            } else if (msg instanceof PayloadFrame frame) {
                ctx.bytesReceived(Wire.HEADER_BYTES + frame.content().readableBytes());
                if (frame.opcode() == Opcode.PONG && ready) {
                    workload.heartbeatsAnswered.increment();
                } else if (frame.opcode() == Opcode.PING) {
                    c.writeAndFlush(frame.retain().reply(), c.voidPromise());
                }
            } else if (msg instanceof ErrorFrame error) {
                if (!ready) {
                    failure = new IOException("HELLO refused: error " + error.code() + " " + error.message());
                    c.close();
                } else {
                    failure = new IOException("server error " + error.code() + ": " + error.message());
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        c.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        stopHeartbeat();
        if (ready && !closing) {
            workload.closedEarly.increment();
        }
        ctx.closed(failure);
    }
}
