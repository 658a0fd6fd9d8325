package io.switchboard.common.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Holds a TCP connection's partly filled segments back while a response's head and body are
 * written in separate calls ({@code writev} of the head, {@code sendfile} of the body), so that
 * the head leaves in the body's first full segment: Linux {@code TCP_CORK}, BSD
 * {@code TCP_NOPUSH}, what nginx's {@code tcp_nopush on} does around {@code sendfile}. Without it
 * ({@code TCP_NODELAY} on), the head goes out alone; on loopback the peer then wakes for it and
 * locks its socket while the body's segments arrive, and the receiving work moves to the peer's
 * CPU (measured in docs/operations.md, "HTTP performance"). NIO has no such option: there the
 * calls do nothing. Transport-specific, so it lives here with the rest of the transport code.
 */
public final class Cork {
    private static final Logger log = LogManager.getLogger(Cork.class);

    private Cork() {
    }

    /**
     * Corks {@code channel}; returns whether it could (epoll or kqueue TCP channels that are open),
     * and then {@link #release} must follow once the corked writes are done. On the event loop.
     */
    public static boolean hold(Channel channel) {
        return set(channel, true);
    }

    /** Uncorks {@code channel}: what it held leaves now. Quiet on a channel that has closed. */
    public static void release(Channel channel) {
        set(channel, false);
    }

    private static boolean set(Channel channel, boolean on) {
        if (!channel.isOpen()) {
            return false;
        }
        try {
            if (channel instanceof EpollSocketChannel epoll) {
                epoll.config().setTcpCork(on);
                return true;
            }
            if (channel instanceof KQueueSocketChannel kqueue) {
                kqueue.config().setTcpNoPush(on);
                return true;
            }
        } catch (ChannelException e) {
            // The peer went away between the check and the call; its close is handled elsewhere.
            log.debug("{} cannot set the cork to {}: {}", channel, on, e.toString());
        }
        return false;
    }
}
