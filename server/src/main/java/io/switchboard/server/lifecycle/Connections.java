package io.switchboard.server.lifecycle;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.ReadGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Every open TCP connection of one server, by listener, and the graceful drain at shutdown: each
 * connection is told with a {@link ShutdownEvent} and given until the deadline to finish; what
 * is still open then is closed. Thread-safe.
 */
public final class Connections {
    private static final Logger log = LogManager.getLogger(Connections.class);
    /** How long a connection closed gently keeps reading (and dropping) its peer's input. */
    static final long LINGER_MILLIS = 1000;

    private final Map<Channel, Listener> open = new ConcurrentHashMap<>();
    private final Object changed = new Object();
    private volatile boolean draining;

    /**
     * Tracks {@code ch} until it closes. Called from the listener's channel initializer; a
     * connection accepted while the server is already draining is told at once (after its
     * pipeline is complete).
     */
    public void track(Listener listener, Channel ch) {
        open.put(ch, listener);
        ch.closeFuture().addListener(f -> {
            open.remove(ch);
            synchronized (changed) {
                changed.notifyAll();
            }
        });
        if (draining) {
            // After the initializer has returned and the protocol's handlers are in place.
            ch.eventLoop().execute(() -> tell(ch, listener));
        }
    }

    /** Connections open now. */
    public int size() {
        return open.size();
    }

    /** Connections open now on one listener. */
    public int size(Listener listener) {
        int n = 0;
        for (Listener l : open.values()) {
            if (l == listener) {
                n++;
            }
        }
        return n;
    }

    /** The connections open now on one listener (a snapshot). */
    public List<Channel> channels(Listener listener) {
        List<Channel> channels = new ArrayList<>();
        for (Map.Entry<Channel, Listener> e : open.entrySet()) {
            if (e.getValue() == listener) {
                channels.add(e.getKey());
            }
        }
        return channels;
    }

    /** Whether {@link #drain} has begun. */
    public boolean draining() {
        return draining;
    }

    /**
     * Tells every connection that the server is shutting down, waits until they have all closed
     * or {@code timeout} has passed, then closes the rest. Blocks the calling thread, which must
     * not be an event loop.
     *
     * @return what happened, for the log
     */
    public DrainResult drain(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        draining = true;
        int atStart = open.size();
        for (Map.Entry<Channel, Listener> e : open.entrySet()) {
            Channel ch = e.getKey();
            ch.eventLoop().execute(() -> tell(ch, e.getValue()));
        }
        awaitEmpty(deadline);
        List<Channel> left = new ArrayList<>(open.keySet());
        for (Channel ch : left) {
            log.debug("{} still open at the drain deadline, closing", ch);
            ch.close();
        }
        for (Channel ch : left) {
            ch.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        return new DrainResult(atStart, left.size());
    }

    private void awaitEmpty(long deadline) {
        synchronized (changed) {
            while (!open.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(changed, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** On the channel's event loop: the protocol's own handlers answer, the raw echo just ends. */
    private static void tell(Channel ch, Listener listener) {
        if (!ch.isActive()) {
            return;
        }
        if (listener == Listener.ECHO) {
            // Everything read so far has been echoed (the echo writes on read, flushes per batch):
            // stop echoing, send the rest and a FIN.
            if (ch.pipeline().get(HandlerNames.ECHO) != null) {
                ch.pipeline().remove(HandlerNames.ECHO);
                closeGently(ch);
            }
            return;
        }
        ch.pipeline().fireUserEventTriggered(ShutdownEvent.INSTANCE);
    }

    /**
     * Flushes what is queued, shuts the output down (FIN) and closes once the peer closes or
     * after a short linger, dropping any input meanwhile, so that the peer reads every byte sent
     * instead of a reset provoked by its own unread input. Call on the channel's event loop.
     */
    public static void closeGently(Channel ch) {
        closeGently(ch, Unpooled.EMPTY_BUFFER, LINGER_MILLIS);
    }

    /**
     * Like {@link #closeGently(Channel)}, writing {@code last} (a protocol's final message, owned
     * by this call) after everything queued, and lingering up to {@code lingerMillis}. If what is
     * queued is still not written after {@code lingerMillis} (a peer that does not read), closes
     * then and drops it.
     */
    public static void closeGently(Channel ch, Object last, long lingerMillis) {
        if (ch.pipeline().get(HandlerNames.DISCARD) == null) {
            ch.pipeline().addLast(HandlerNames.DISCARD, Discard.INSTANCE);
        }
        // A peer that does not read (a slow consumer, a half-open peer) never lets what is queued
        // for it be written: close anyway after the linger, dropping it, or the connection and
        // its outbound buffer would stay for ever.
        ScheduledFuture<?> stuck = ch.eventLoop().schedule(() -> {
            ch.close();
        }, lingerMillis, TimeUnit.MILLISECONDS);
        ch.writeAndFlush(last).addListener(written -> {
            stuck.cancel(false);
            if (!written.isSuccess() || !(ch instanceof DuplexChannel)) {
                ch.close();
                return;
            }
            ((DuplexChannel) ch).shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess()) {
                    ch.close();
                }
            });
            ReadGate.of(ch).drainInput();
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, lingerMillis, TimeUnit.MILLISECONDS);
        });
    }

    /** Drops input at the end of a pipeline that is closing. */
    @io.netty.channel.ChannelHandler.Sharable
    static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * The outcome of a drain.
     *
     * @param atStart connections open when it began
     * @param forced connections still open at the deadline, closed by the server
     */
    public record DrainResult(int atStart, int forced) {
    }
}
