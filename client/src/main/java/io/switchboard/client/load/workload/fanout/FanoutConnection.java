package io.switchboard.client.load.workload.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One framed connection of a {@link FanoutWorkload}: the handshake both roles share, then a
 * {@link Subscriber} (joins its room, measures deliveries) or a {@link Publisher} (publishes the
 * engine's requests). Runs on the channel's event loop.
 */
abstract class FanoutConnection extends ChannelInboundHandlerAdapter implements LoadConnection {
    static final int HELLO_ID = 0x7FFF_FFF0;
    static final int JOIN_ID = 0x7FFF_FFF1;
    /** The pipeline name of the keepalive's idle timer. */
    static final String KEEPALIVE = "keepalive";

    final FanoutWorkload workload;
    final ConnectionContext ctx;
    ChannelHandlerContext channel;
    boolean ready;
    Throwable failure;

    FanoutConnection(FanoutWorkload workload, ConnectionContext ctx) {
        this.workload = workload;
        this.ctx = ctx;
    }

    abstract String name();

    /** WELCOME arrived. */
    abstract void welcomed(ChannelHandlerContext c);

    /** Any frame after WELCOME but EVENT-less roles ignore events. */
    abstract void onFrame(ChannelHandlerContext c, Object frame);

    @Override
    public void handlerAdded(ChannelHandlerContext c) {
        channel = c;
    }

    @Override
    public void channelActive(ChannelHandlerContext c) {
        c.writeAndFlush(new Hello(HELLO_ID, Wire.PROTOCOL_VERSION, name(), workload.token), c.voidPromise());
        c.fireChannelActive();
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
    public void channelRead(ChannelHandlerContext c, Object msg) {
        try {
            if (msg instanceof Welcome welcome) {
                ctx.bytesReceived(Wire.HEADER_BYTES);
                keepAlive(c, welcome.idleTimeoutMillis());
                welcomed(c);
            } else if (msg instanceof PayloadFrame ping && ping.opcode() == Opcode.PING) {
                c.writeAndFlush(ping.retain().reply(), c.voidPromise());
            } else if (msg instanceof ErrorFrame error && !ready) {
                failure = new IOException(name() + " refused: error " + error.code() + " " + error.message());
                c.close();
            } else {
                onFrame(c, msg);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * Keeps the session alive the way the library does: when nothing was written for a third of
     * the server's idle timeout (from WELCOME), a PING. Subscribers write nothing after their
     * JOIN, and a publisher at a low rate may be quiet longer than the timeout.
     */
    private void keepAlive(ChannelHandlerContext c, long idleTimeoutMillis) {
        if (idleTimeoutMillis > 0 && c.pipeline().get(KEEPALIVE) == null) {
            long interval = Math.max(1, idleTimeoutMillis / 3);
            c.pipeline().addBefore(c.name(), KEEPALIVE, new IdleStateHandler(0, interval, 0, TimeUnit.MILLISECONDS));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext c, Object evt) {
        if (evt instanceof IdleStateEvent) {
            c.writeAndFlush(PayloadFrame.of(Opcode.PING, 0, Unpooled.EMPTY_BUFFER), c.voidPromise());
            workload.keepalives.increment();
            ctx.bytesSent(Wire.HEADER_BYTES);
            return;
        }
        c.fireUserEventTriggered(evt);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
        if (ready) {
            ctx.readComplete();
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
        ctx.closed(failure);
    }

    /** A member of one room: counts and times every event that arrives. */
    static final class Subscriber extends FanoutConnection {
        private final int index;
        private final int room;

        Subscriber(FanoutWorkload workload, ConnectionContext ctx) {
            super(workload, ctx);
            this.index = ctx.index();
            this.room = workload.ledger.roomOf(index);
        }

        @Override
        String name() {
            return "fanout-sub-" + index;
        }

        @Override
        public boolean acceptsRequests() {
            return false;
        }

        @Override
        public void send(int token) {
            throw new IllegalStateException("subscribers take no requests");
        }

        @Override
        void welcomed(ChannelHandlerContext c) {
            c.writeAndFlush(new Join(JOIN_ID, Flags.ACK, workload.ledger.roomNames[room]), c.voidPromise());
        }

        @Override
        void onFrame(ChannelHandlerContext c, Object msg) {
            if (msg instanceof Event event) {
                ctx.bytesReceived(Wire.HEADER_BYTES + 13 + event.room().length() + event.event().length()
                        + event.content().readableBytes());
                if (ready) {
                    onEvent(event.content());
                }
            } else if (msg instanceof Ack ack && ack.requestId() == JOIN_ID && !ready) {
                ready = true;
                ctx.connected(this);
                workload.ledger.onJoined(index);
            } else if (msg instanceof ErrorFrame error) {
                // After the join, the server only speaks up to close us (idle, slow consumer).
                failure = new IOException("server error " + error.code() + ": " + error.message());
            }
        }

        private void onEvent(ByteBuf payload) {
            int length = payload.readableBytes();
            int at = payload.readerIndex();
            if (length < FanoutWorkload.HEADER_BYTES || payload.getInt(at) != workload.ledger.runId) {
                workload.ledger.corrupt.increment();
                return;
            }
            int publisher = payload.getUnsignedShort(at + 4);
            int eventRoom = payload.getUnsignedShort(at + 6);
            long seq = payload.getLong(at + 8);
            long intended = payload.getLong(at + 16);
            long sent = payload.getLong(at + 24);
            int offset = payload.getInt(at + 32);
            PayloadSource payloads = ctx.payloads();
            int filler = length - FanoutWorkload.HEADER_BYTES;
            if (eventRoom != room || offset < 0 || offset + filler > payloads.bytes().readableBytes()
                    || !ByteBufUtil.equals(payload, at + FanoutWorkload.HEADER_BYTES, payloads.bytes(),
                            payloads.bytes().readerIndex() + offset, filler)) {
                workload.ledger.corrupt.increment();
                return;
            }
            switch (workload.ledger.tracker(index).deliver(publisher, seq)) {
                case IN_ORDER -> {
                    workload.ledger.deliveries.increment();
                    ctx.delivered(intended, sent);
                }
                case REORDERED -> {
                    workload.ledger.deliveries.increment();
                    workload.ledger.outOfOrder.increment();
                    ctx.delivered(intended, sent);
                }
                case DUPLICATE -> workload.ledger.duplicates.increment();
                case UNCLASSIFIED -> workload.ledger.outOfOrder.increment();
                case INVALID -> workload.ledger.corrupt.increment();
            }
        }
    }

    /** Publishes the engine's requests into the rooms in turn, each acknowledged by the server. */
    static final class Publisher extends FanoutConnection {
        private final int publisher;
        /** Per room, the last sequence number used; the workload's, so it survives reconnects. */
        private final long[] seqByRoom;
        /** Per token: the room its publish went to. */
        private int[] roomOfToken = new int[16];

        Publisher(FanoutWorkload workload, ConnectionContext ctx, int publisher) {
            super(workload, ctx);
            this.publisher = publisher;
            this.seqByRoom = workload.ledger.sequences[publisher];
        }

        @Override
        String name() {
            return "fanout-pub-" + publisher;
        }

        @Override
        void welcomed(ChannelHandlerContext c) {
            // Ready for requests only once every subscriber is in its room.
            workload.ledger.allJoined.whenComplete((v, e) -> c.executor().execute(() -> {
                if (c.channel().isActive() && !ready) {
                    ready = true;
                    ctx.connected(this);
                }
            }));
        }

        @Override
        public void send(int token) {
            long k = seqByRoom[workload.ledger.rooms]++; // the last slot counts this publisher's publishes
            int room = (int) ((publisher + k) % workload.ledger.rooms);
            long seq = ++seqByRoom[room];
            if (token >= roomOfToken.length) {
                roomOfToken = java.util.Arrays.copyOf(roomOfToken, Math.max(token + 1, roomOfToken.length * 2));
            }
            roomOfToken[token] = room;
            PayloadSource payloads = ctx.payloads();
            int size = payloads.nextSize();
            int offset = payloads.nextOffset();
            int filler = size - FanoutWorkload.HEADER_BYTES;
            ByteBuf payload = channel.alloc().buffer(size);
            payload.writeInt(workload.ledger.runId)
                    .writeShort(publisher)
                    .writeShort(room)
                    .writeLong(seq)
                    .writeLong(ctx.intendedNanos(token))
                    .writeLong(ctx.sentNanos(token))
                    .writeInt(offset)
                    .writeBytes(payloads.bytes(), payloads.bytes().readerIndex() + offset, filler);
            String roomName = workload.ledger.roomNames[room];
            channel.write(new Publish(token + 1, Flags.ACK, Target.ROOM, roomName, 0, FanoutWorkload.EVENT, payload),
                    channel.voidPromise());
            workload.ledger.publishes.increment();
            ctx.bytesSent(Wire.HEADER_BYTES + 5 + roomName.length() + FanoutWorkload.EVENT.length() + size);
        }

        @Override
        void onFrame(ChannelHandlerContext c, Object msg) {
            if (msg instanceof Ack ack) {
                ctx.bytesReceived(Wire.HEADER_BYTES + ack.content().readableBytes());
                int token = ack.requestId() - 1;
                if (token < 0 || token >= roomOfToken.length) {
                    ctx.connectionError(ErrorKind.PROTOCOL_ERROR, "ACK for request " + ack.requestId()
                            + " that was never sent");
                    return;
                }
                workload.ledger.accepted.incrementAndGet(publisher * workload.ledger.rooms + roomOfToken[token]);
                workload.ledger.publishesAccepted.increment();
                ctx.acknowledged(token);
            } else if (msg instanceof ErrorFrame error) {
                ctx.bytesReceived(Wire.HEADER_BYTES + 4 + error.message().length());
                if (error.requestId() == 0) {
                    ctx.connectionError(ErrorKind.PROTOCOL_ERROR, "server error " + error.code() + ": " + error.message());
                } else {
                    ctx.failed(error.requestId() - 1, ErrorKind.PROTOCOL_ERROR,
                            "PUBLISH refused: error " + error.code() + " " + error.message());
                }
            }
        }
    }
}
