package io.switchboard.server.session;

import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.Frame;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.OutboundBatch;

/**
 * What a protocol adapter gives the session core: its connection's state, and the rendering of
 * what the core hands it in the protocol's own wire format. One per session.
 */
public interface SessionWire {
    /** The event loop the session's state lives on; every core call except delivery is made on it. */
    EventExecutor executor();

    /**
     * Whether the session takes output: its connection is open, or (Socket.IO connection state
     * recovery) its transport is lost but the adapter holds output for a client that may come
     * back. Such a <em>detached</em> session is still a full member: it stays in its rooms and
     * registered under its id, receives, and is {@link Session#end ended} only when its client
     * will not return. Any thread.
     */
    boolean isOpen();

    /** Whether the connection takes more output now (below its high-water mark); any thread. */
    boolean isWritable();

    /**
     * Writes an event or presence notice in this protocol's format, without blocking, from any
     * thread. The caller keeps {@code message}; the adapter retains what it writes (use
     * {@link Outbound#encoded} so that every recipient of one wire format shares one encoding).
     *
     * @return {@code false} if this protocol has nothing to show for the message
     */
    boolean write(Outbound message);

    /**
     * Whether this wire writes a batch of events as one buffer ({@link #write(OutboundBatch)}):
     * the session then checks the connection once per batch. Otherwise it delivers the batch's
     * messages one by one, each checked against the slow-consumer threshold, as if they came apart.
     */
    default boolean writesBatches() {
        return false;
    }

    /**
     * Writes every message of {@code batch} (at least two, one publisher's events to one room, at
     * most a few dozen KiB together) in order, as one write of {@link OutboundBatch#encoded}, from
     * the connection's event loop; for wires that {@link #writesBatches}. Returns how many were written.
     */
    default int write(OutboundBatch batch) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not write batches");
    }

    /** Writes a reply addressed to this session alone (a peer's ACK, an ERROR), from any thread; takes ownership. */
    void reply(Frame reply);

    /** Ends the session because it does not drain its output (slow-consumer policy {@code disconnect}); on the executor. */
    void closeSlowConsumer();

    /**
     * Ends the session because the server (an application, an operator) says so, in the
     * protocol's own terms: a framed BYE, a WebSocket close, a Socket.IO disconnect; on the executor.
     */
    void disconnect(String reason);

    /**
     * Ends the session because an operator says so (the admin API), its client told {@code reason}
     * in the protocol's own terms: like {@link #disconnect} where that carries a reason (a framed
     * BYE, a WebSocket close reason); a Socket.IO socket gets an {@code sb:disconnect} event first.
     * On the executor.
     */
    default void kick(String reason) {
        disconnect(reason);
    }

    /**
     * Ends the session with an error its client sees, in the protocol's own terms (a framed
     * ERROR, a WebSocket {@code error}, a Socket.IO error event), then closes it: for example
     * {@link io.switchboard.common.protocol.ErrorCode#TOKEN_EXPIRED}. On the executor.
     */
    void closeWithError(io.switchboard.common.protocol.ErrorCode code, String message);

    /** Stops ({@code true}) or resumes reading the session's input; on the executor. */
    void pauseInput(boolean paused);

    /** Handles a message that waited while a join completed, as if it had just arrived; on the executor. */
    void dispatch(Object message);
}
