package io.switchboard.client;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.InvalidFrame;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The client side of one framed connection: sends HELLO when the connection opens, matches
 * replies to requests by request id, and fails every open request when the connection ends.
 * Requests may be issued from any thread.
 *
 * <p>When the server says BYE (it is shutting down) the connection drains: new requests fail at
 * once with {@link NotConnectedException} and are not sent (ACKs to the server's events still
 * go out), the requests already sent get their replies, and once none is left the client says
 * BYE itself and the server closes the connection.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(ClientHandler.class);

    /** Where unsolicited frames go. Called on the I/O thread; must not block. */
    public interface Inbound {
        /** An EVENT; the callee owns (and releases) it. */
        void event(Event event, Channel channel);

        /** A JOINED or LEFT notice. */
        void presence(Presence presence);

        /** An ERROR answering a request sent without waiting for a reply (fire and forget). */
        void uncorrelatedError(ErrorFrame error);
    }

    /** Heartbeat intervals (a third of the server's idle timeout each) without input before closing. */
    static final int DEAD_AFTER_SILENT_PERIODS = 3;

    private final String name;
    private final String token;
    private final long requestTimeoutNanos;
    private final Inbound inbound;
    private final CompletableFuture<Welcome> handshake = new CompletableFuture<>();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile Channel channel;
    private volatile Throwable closeCause;
    /**
     * Heartbeat intervals in a row in which nothing arrived; at {@link #DEAD_AFTER_SILENT_PERIODS}
     * (the server's whole idle timeout) the connection is presumed dead. On the event loop only.
     */
    private int silentPeriods;
    private volatile int helloId;
    /** The server said BYE: send nothing new, wait for the replies, then say BYE. */
    private volatile boolean draining;
    /** Our BYE is out (event loop only). */
    private boolean byeSent;

    public ClientHandler(String name, String token, long requestTimeoutNanos, Inbound inbound) {
        this.name = name;
        this.token = token;
        this.requestTimeoutNanos = requestTimeoutNanos;
        this.inbound = inbound;
    }

    /** Completes with the server's WELCOME, or fails when the handshake does. */
    public CompletableFuture<Welcome> handshake() {
        return handshake;
    }

    /** Whether the server said BYE: the connection is finishing and takes no new requests. */
    public boolean draining() {
        return draining;
    }

    /** A fresh non-zero request id. */
    public int nextId() {
        int id;
        do {
            id = ids.incrementAndGet();
        } while (id == 0);
        return id;
    }

    /**
     * Sends a request and returns a future for its reply frame, which the caller must release.
     * The future fails with {@link SwitchboardException} on an ERROR reply, with
     * {@link TimeoutException} after the request timeout, and with
     * {@link ConnectionClosedException} if the connection ends first.
     */
    public CompletableFuture<Frame> request(Frame frame) {
        return request(frame, requestTimeoutNanos);
    }

    /** Like {@link #request(Frame)} with its own timeout; 0 waits for ever. */
    public CompletableFuture<Frame> request(Frame frame, long timeoutNanos) {
        Channel ch = channel;
        CompletableFuture<Frame> future = new CompletableFuture<>();
        if (ch == null || !ch.isActive()) {
            ReferenceCountUtil.release(frame);
            future.completeExceptionally(closed());
            return future;
        }
        if (draining) {
            ReferenceCountUtil.release(frame);
            future.completeExceptionally(notSent());
            return future;
        }
        int id = frame.requestId();
        Pending entry = new Pending(future);
        pending.put(id, entry);
        if (!ch.isActive()) {
            // channelInactive may have run before the put: do not leave the request hanging.
            pending.remove(id, entry);
            ReferenceCountUtil.release(frame);
            future.completeExceptionally(closed());
            return future;
        }
        if (draining && pending.remove(id, entry)) {
            // BYE arrived between the check above and the put: this request is not sent, and the
            // BYE that waited for it may go now.
            ReferenceCountUtil.release(frame);
            future.completeExceptionally(notSent());
            ch.eventLoop().execute(() -> maybeSayBye(ch));
            return future;
        }
        if (timeoutNanos > 0) {
            entry.timeout = ch.eventLoop().schedule(() -> {
                if (pending.remove(id, entry)) {
                    future.completeExceptionally(new TimeoutException("no reply to request " + id + " within "
                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
                    maybeSayBye(ch);
                }
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        ch.writeAndFlush(frame).addListener(written -> {
            if (!written.isSuccess() && pending.remove(id, entry)) {
                entry.cancelTimeout();
                future.completeExceptionally(new ConnectionClosedException("could not send request " + id, written.cause()));
            }
        });
        return future;
    }

    /**
     * Sends a frame that expects no reply; the future completes once it is written to the socket.
     */
    public CompletableFuture<Void> send(Frame frame) {
        Channel ch = channel;
        CompletableFuture<Void> future = new CompletableFuture<>();
        if (ch == null || !ch.isActive()) {
            ReferenceCountUtil.release(frame);
            future.completeExceptionally(closed());
            return future;
        }
        if (draining && frame.opcode() != Opcode.ACK) {
            ReferenceCountUtil.release(frame);
            future.completeExceptionally(notSent());
            return future;
        }
        ch.writeAndFlush(frame).addListener(written -> {
            if (written.isSuccess()) {
                future.complete(null);
            } else {
                future.completeExceptionally(new ConnectionClosedException("could not send", written.cause()));
            }
        });
        return future;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        helloId = nextId();
        ctx.writeAndFlush(new Hello(helloId, Wire.PROTOCOL_VERSION, name, token));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        silentPeriods = 0;
        if (!(msg instanceof Frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        switch (frame.opcode() == null ? Opcode.ERROR : frame.opcode()) {
            case WELCOME:
                if (handshake.isDone() && frame.requestId() != helloId) {
                    break; // the answer to a refresh HELLO: a reply like any other
                }
                handshake.complete((Welcome) frame);
                return;
            case PING:
                ctx.writeAndFlush(((PayloadFrame) frame).reply());
                return;
            case EVENT:
                inbound.event((Event) frame, ctx.channel());
                return;
            case JOINED:
            case LEFT:
                inbound.presence((Presence) frame);
                return;
            case BYE:
                Bye bye = (Bye) frame;
                log.debug("{} server said bye ({}): {}", ctx.channel(), bye.code(), bye.message());
                closeCause = new ConnectionClosedException("server said bye (" + bye.code() + "): " + bye.message());
                draining = true;
                handshake.completeExceptionally(notSent());
                maybeSayBye(ctx.channel());
                return;
            default:
                break;
        }
        if (frame instanceof InvalidFrame) {
            InvalidFrame invalid = (InvalidFrame) frame;
            closeCause = new ConnectionClosedException("server sent invalid data: " + invalid.message());
            ctx.close();
            return;
        }
        if (frame instanceof ErrorFrame) {
            ErrorFrame error = (ErrorFrame) frame;
            SwitchboardException exception = new SwitchboardException(error.code(), error.message());
            if (error.requestId() != 0 && error.requestId() == helloId && !handshake.isDone()) {
                handshake.completeExceptionally(exception);
                return;
            }
            Pending entry = error.requestId() == 0 ? null : pending.remove(error.requestId());
            if (entry != null) {
                entry.cancelTimeout();
                entry.future.completeExceptionally(exception);
                maybeSayBye(ctx.channel());
            } else if (error.requestId() != 0 && (error.errorCode() == null || !error.errorCode().closesConnection())) {
                inbound.uncorrelatedError(error);
            } else {
                // An error about the connection itself: it is about to close.
                closeCause = exception;
                log.debug("{} connection error: {}", ctx.channel(), exception.getMessage());
            }
            return;
        }
        Pending entry = frame.requestId() == 0 ? null : pending.remove(frame.requestId());
        if (entry == null) {
            log.debug("{} reply to unknown request {}: {}", ctx.channel(), frame.requestId(), frame);
            ReferenceCountUtil.release(frame);
            return;
        }
        entry.cancelTimeout();
        if (!entry.future.complete(frame)) {
            ReferenceCountUtil.release(frame);
        }
        maybeSayBye(ctx.channel());
    }

    /** On the event loop: once draining with no request left, says BYE; the server then closes. */
    private void maybeSayBye(Channel ch) {
        if (draining && !byeSent && pending.isEmpty() && ch.isActive()) {
            byeSent = true;
            ch.writeAndFlush(new Bye(0, 0, "bye"));
        }
    }

    private NotConnectedException notSent() {
        return new NotConnectedException("not sent: the server is shutting down (" + closeCause.getMessage() + ")");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ConnectionClosedException closed = closed();
        handshake.completeExceptionally(closed);
        for (Integer id : pending.keySet()) {
            Pending entry = pending.remove(id);
            if (entry != null) {
                entry.cancelTimeout();
                entry.future.completeExceptionally(closed);
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            if (((IdleStateEvent) evt).state() == IdleState.READER_IDLE
                    && ++silentPeriods >= DEAD_AFTER_SILENT_PERIODS) {
                // The server answers every PING: this much silence means the path died without a
                // FIN or an RST (a route, a NAT that lost the flow). Close, so that reconnection starts.
                closeCause = new ConnectionClosedException("nothing from the server for " + silentPeriods
                        + " heartbeat intervals despite pings: connection presumed dead");
                log.debug("{} {}", ctx.channel(), closeCause.getMessage());
                ctx.close();
                return;
            }
            // Heartbeat: nothing sent, or nothing heard, for a while: tell the server we are alive
            // and have it answer.
            ctx.writeAndFlush(PayloadFrame.of(Opcode.PING, 0, Unpooled.EMPTY_BUFFER));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
        log.debug("{} failed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    private ConnectionClosedException closed() {
        Throwable cause = closeCause;
        if (cause instanceof ConnectionClosedException) {
            return (ConnectionClosedException) cause;
        }
        return cause == null
                ? new ConnectionClosedException("connection closed")
                : new ConnectionClosedException("connection closed: " + cause.getMessage(), cause);
    }

    /** Copies a payload reply into a byte array and releases the frame. */
    public static byte[] payloadBytes(Frame frame) {
        try {
            return ByteBufUtil.getBytes(((PayloadFrame) frame).content());
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private static final class Pending {
        final CompletableFuture<Frame> future;
        volatile ScheduledFuture<?> timeout;

        Pending(CompletableFuture<Frame> future) {
            this.future = future;
        }

        void cancelTimeout() {
            ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }
    }
}
