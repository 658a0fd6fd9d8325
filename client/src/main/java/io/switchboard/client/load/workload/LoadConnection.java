package io.switchboard.client.load.workload;

/**
 * One open connection of a {@link Workload}, driven by the engine. Every method is called on the
 * connection's event loop.
 *
 * <p>Pipelining: the engine may call {@link #send(int)} up to {@code pipeline} times before any
 * response; each call carries a token in {@code [0, pipeline)} that is not in flight on this
 * connection. The workload reports each response with the token of its request, through
 * {@link ConnectionContext#completed(int)} or {@link ConnectionContext#failed(int,
 * io.switchboard.client.load.result.ErrorKind, String)}; after that the engine may reuse the token.
 * For protocols whose responses come back in send order (raw, HTTP/1.1), keep the tokens in a
 * {@link TokenQueue}; protocols with request ids can carry the token in the id.
 */
public interface LoadConnection {
    /**
     * Writes one request, without flushing. Must not block or wait; should not allocate beyond
     * the pooled buffers the bytes need. The engine calls {@link #flush()} after a batch.
     *
     * @param token identifies this request on this connection until its completion is reported
     */
    void send(int token);

    /** Flushes what {@link #send} wrote. */
    void flush();

    /**
     * Whether the engine should send requests on this connection. Connections that only receive
     * (fan-out subscribers) or only exist to be held (connection scale) return false.
     */
    default boolean acceptsRequests() {
        return true;
    }

    /**
     * Whether a request timing out closes the connection (the default: on a stream a late answer
     * would be taken for the next request's). Datagram protocols that match replies by sequence
     * number return false; the engine then only settles the expired tokens.
     */
    default boolean closeOnTimeout() {
        return true;
    }

    /** The engine gave up on {@code token} (timeout) and will reuse it; called before reuse. */
    default void timedOut(int token) {
    }

    /**
     * Closes the connection. The workload then calls {@link ConnectionContext#closed(Throwable)}
     * (from {@code channelInactive}) like for any other close; requests still in flight are
     * settled by the engine, not by the workload.
     */
    void close();
}
