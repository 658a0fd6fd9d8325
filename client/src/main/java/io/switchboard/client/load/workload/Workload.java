package io.switchboard.client.load.workload;

/**
 * A protocol the load engine can drive: it opens connections and turns the engine's "send one
 * request" into bytes on the wire and bytes back into "this request completed" (or failed).
 *
 * <p>The engine owns everything else: when to send (closed or open loop, the schedule, ramp-up),
 * the three timestamps of every request, histograms, timeouts, counting, reconnection. A workload
 * therefore holds no clocks, no histograms and no locks.
 *
 * <p>Threading: {@link #open} and every method of the {@link LoadConnection}s it creates are
 * called on the connection's event loop only, and the workload calls the
 * {@link ConnectionContext} back on that same event loop only. One workload instance serves all
 * connections of a stage on every event loop, so per-connection state lives in the
 * {@link LoadConnection}, and what the workload shares between connections is immutable (the
 * precomputed request bytes, the target address).
 *
 * <p>Created per stage by {@link Workloads#create}; {@link #close()} runs once the stage is over,
 * off the I/O threads.
 */
public interface Workload extends AutoCloseable {
    /**
     * Starts opening one connection (usually {@code ctx.socketBootstrap().handler(...).connect(...)}).
     * Once the connection is ready for requests (after any handshake) the workload calls
     * {@link ConnectionContext#connected(LoadConnection)}; if it cannot be opened,
     * {@link ConnectionContext#connectFailed(Throwable)}. Runs on {@code ctx.eventLoop()}.
     */
    void open(ConnectionContext ctx);

    /**
     * Whether connection {@code index} takes the engine's requests. The engine shares the rate and
     * a request budget among its event loops by the connections that send, so a loop whose
     * connections only receive (fan-out subscribers) is given none. Default: every connection.
     */
    default boolean sends(int index) {
        return true;
    }

    /**
     * How long the engine keeps connections open after the last request was sent, without
     * sending, so late deliveries still count (fan-out). Default: no drain.
     */
    default java.time.Duration drain() {
        return java.time.Duration.ZERO;
    }

    /** Called once after the stage stopped (and drained), before its counters are read. */
    default void finish() {
    }

    /** Releases what the workload shares (precomputed buffers). Called once, after the stage. */
    @Override
    default void close() {
    }
}
