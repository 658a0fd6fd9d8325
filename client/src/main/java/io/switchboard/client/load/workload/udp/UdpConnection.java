package io.switchboard.client.load.workload.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.udp.SequenceWindow.Outcome;
import java.net.PortUnreachableException;

/**
 * One connected UDP socket of a {@link UdpWorkload}: the handler of its channel and the engine's
 * {@link LoadConnection}. Everything runs on the channel's event loop.
 */
final class UdpConnection extends ChannelInboundHandlerAdapter implements LoadConnection {
    /** Payloads up to this size are copied behind the header; larger ones go out as two parts. */
    private static final int COPY_THRESHOLD = 1024;

    private final UdpWorkload workload;
    private final ConnectionContext ctx;
    private final SequenceWindow window;
    /** The sequence number in flight per engine token (tokens are below the pipeline depth). */
    private long[] seqOfToken = new long[16];
    private ChannelHandlerContext channel;
    private boolean finished;

    UdpConnection(UdpWorkload workload, ConnectionContext ctx) {
        this.workload = workload;
        this.ctx = ctx;
        this.window = new SequenceWindow(workload.ringCapacity);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        channel = c;
    }

    // ---- LoadConnection ----

    @Override
    public void send(int token) {
        if (window.full()) {
            // The oldest datagram has had ringCapacity successors answered or sent without a reply
            // of its own: give up on it now rather than lose track of it.
            long oldest = window.oldestPending();
            int oldToken = window.token(oldest);
            window.lose(oldest);
            workload.lost.increment();
            forget(oldToken, oldest);
            ctx.failed(oldToken, ErrorKind.TIMEOUT, "no reply to datagram " + oldest + " after "
                    + window.capacity() + " later ones");
        }
        PayloadSource payloads = ctx.payloads();
        int size = payloads.nextSize();
        int offset = payloads.nextOffset();
        long seq = window.send(token, offset, size);
        remember(token, seq);
        int filler = size - UdpWorkload.HEADER_BYTES;
        ByteBuf datagram;
        if (size <= COPY_THRESHOLD) {
            datagram = channel.alloc().directBuffer(size);
            writeHeader(datagram, seq, token);
            datagram.writeBytes(payloads.bytes(), payloads.bytes().readerIndex() + offset, filler);
        } else {
            ByteBuf header = channel.alloc().directBuffer(UdpWorkload.HEADER_BYTES);
            writeHeader(header, seq, token);
            CompositeByteBuf composite = channel.alloc().compositeDirectBuffer(2);
            composite.addComponents(true, header, payloads.slice(offset, filler));
            datagram = composite;
        }
        channel.write(datagram, channel.voidPromise());
        ctx.bytesSent(size);
    }

    private void writeHeader(ByteBuf buf, long seq, int token) {
        buf.writeInt(workload.runId);
        buf.writeInt(ctx.index());
        buf.writeLong(seq);
        buf.writeInt(token);
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public void close() {
        finish(); // now, not in channelInactive: the engine reads the counters right after closing
        channel.close();
    }

    /** A lost datagram is recognised by its sequence number: the socket stays open. */
    @Override
    public boolean closeOnTimeout() {
        return false;
    }

    /** The engine gave up on {@code token}: its datagram is lost (a later reply is {@code late}). */
    @Override
    public void timedOut(int token) {
        if (token < seqOfToken.length) {
            long seq = seqOfToken[token];
            if (seq != 0 && window.lose(seq)) {
                workload.lost.increment();
            }
            seqOfToken[token] = 0;
        }
    }

    private void remember(int token, long seq) {
        if (token >= seqOfToken.length) {
            long[] bigger = new long[Math.max(token + 1, seqOfToken.length * 2)];
            System.arraycopy(seqOfToken, 0, bigger, 0, seqOfToken.length);
            seqOfToken = bigger;
        }
        seqOfToken[token] = seq;
    }

    private void forget(int token, long seq) {
        if (token < seqOfToken.length && seqOfToken[token] == seq) {
            seqOfToken[token] = 0;
        }
    }

    // ---- channel ----

    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            ByteBuf content = msg instanceof DatagramPacket packet ? packet.content() : (ByteBuf) msg;
            ctx.bytesReceived(content.readableBytes());
            onReply(content);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onReply(ByteBuf reply) {
        int length = reply.readableBytes();
        int at = reply.readerIndex();
        if (length < UdpWorkload.HEADER_BYTES || reply.getInt(at) != workload.runId
                || reply.getInt(at + 4) != ctx.index()) {
            workload.foreign.increment();
            return;
        }
        long seq = reply.getLong(at + 8);
        Outcome outcome = window.reply(seq);
        switch (outcome) {
            case IN_ORDER, REORDERED -> {
                if (outcome == Outcome.REORDERED) {
                    workload.reordered.increment();
                }
                int token = window.token(seq);
                forget(token, seq);
                int size = window.size(seq);
                PayloadSource payloads = ctx.payloads();
                if (length != size || reply.getInt(at + 16) != token) {
                    ctx.failed(token, ErrorKind.WRONG_ECHO, "datagram " + seq + " came back as " + length
                            + " bytes, " + size + " sent");
                } else if (!ByteBufUtil.equals(reply, at + UdpWorkload.HEADER_BYTES, payloads.bytes(),
                        payloads.bytes().readerIndex() + window.offset(seq), size - UdpWorkload.HEADER_BYTES)) {
                    ctx.failed(token, ErrorKind.WRONG_ECHO, "datagram " + seq + " came back with other bytes");
                } else {
                    ctx.completed(token);
                }
            }
            case DUPLICATE -> workload.duplicated.increment();
            case LATE, STALE -> workload.late.increment();
            default -> workload.foreign.increment();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        ctx.readComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
        if (cause instanceof PortUnreachableException) {
            // ICMP port unreachable: nothing listens there. The engine closes and retries.
            ctx.connectionError(ErrorKind.CONNECT_REFUSED, "udp " + workload.server + ": port unreachable");
            return;
        }
        ctx.connectionError(ErrorKind.OTHER, cause.toString());
    }

    @Override
    public void channelInactive(ChannelHandlerContext c) {
        finish();
        ctx.closed(null);
    }

    /** Whatever is still unanswered when the socket closes (the run ended) is lost. */
    private void finish() {
        if (!finished) {
            finished = true;
            int lostNow = window.loseAll((seq, token) -> { });
            workload.lost.add(lostNow);
        }
    }
}
