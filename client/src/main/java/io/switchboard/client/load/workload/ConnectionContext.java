package io.switchboard.client.load.workload;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.switchboard.client.load.result.ErrorKind;
import java.net.InetAddress;

/**
 * The engine's side of one connection, handed to {@link Workload#open}. Call it only on
 * {@link #eventLoop()}. Every method is cheap (array writes and counter updates, no allocation, no
 * locks), so calling it per response costs nothing measurable.
 */
public interface ConnectionContext {
    /** The event loop this connection lives on. */
    EventLoop eventLoop();

    /**
     * A new TCP bootstrap bound to {@link #eventLoop()}: the transport's channel type, epoll mode,
     * {@code TCP_NODELAY}, the connect timeout, the pooled allocator and, if the run spreads
     * connections over source addresses, this connection's local address. Add a handler and
     * connect.
     */
    Bootstrap socketBootstrap();

    /** Like {@link #socketBootstrap()} for a UDP channel (bind or connect it yourself). */
    Bootstrap datagramBootstrap();

    /** The local source address for this connection, or null for the system's choice. */
    InetAddress sourceAddress();

    /** This connection's number, 0 to connections - 1, stable across reconnects. */
    int index();

    /** Per-event-loop payload bytes and sizes (not thread-safe; this loop only). */
    PayloadSource payloads();

    /** Protocol-specific counters of the stage (thread-safe). */
    StageCounters counters();

    /** The connection is open and ready for requests (handshake done). */
    void connected(LoadConnection connection);

    /**
     * The connection could not be opened. The engine counts it ({@code CONNECT_REFUSED} for a
     * refused connect, {@code TLS_HANDSHAKE} for a failed TLS handshake, else
     * {@code CONNECT_FAILED}) and tries again while the stage runs.
     */
    void connectFailed(Throwable cause);

    /** The request sent with {@code token} got a good response. */
    void completed(int token);

    /**
     * The request sent with {@code token} is settled without a latency sample of its own (a
     * fan-out publish whose deliveries are measured with {@link #delivered}); frees the token.
     */
    void acknowledged(int token);

    /** The intended send time ({@link System#nanoTime()} clock) of the request in flight with {@code token}. */
    long intendedNanos(int token);

    /** When the request in flight with {@code token} was handed to {@link LoadConnection#send}. */
    long sentNanos(int token);

    /**
     * One completed observation measured by the workload itself, e.g. a fan-out delivery:
     * latency from {@code intendedNanos} to now, service time from {@code sentNanos} to now;
     * counted as completed in the current interval.
     */
    void delivered(long intendedNanos, long sentNanos);

    /**
     * The request sent with {@code token} failed; it is counted by {@code kind} and keeps its
     * latency. {@code detail} is logged the first time a kind occurs (may be null).
     */
    void failed(int token, ErrorKind kind, String detail);

    /**
     * The connection failed as a whole (a response that cannot be parsed, a server error that is
     * not about one request). The engine counts one error of {@code kind} for the oldest request
     * in flight, if any, and closes the connection; the other requests in flight become RESET.
     */
    void connectionError(ErrorKind kind, String detail);

    /**
     * The connection closed (call from {@code channelInactive}); requests in flight become RESET.
     * A close the tool did not ask for (neither the engine nor {@link #closeExpected()}) is counted
     * as one {@code DISCONNECT} error.
     */
    void closed(Throwable cause);

    /**
     * The close that follows is the protocol's normal course, not a disconnect: call it before
     * closing after a response that said so (HTTP {@code Connection: close}).
     */
    void closeExpected();

    /**
     * The end of a batch of reads (call from {@code channelReadComplete}): the engine flushes the
     * requests that completions on this loop triggered, one flush per batch instead of one per
     * request.
     */
    void readComplete();

    /** Bytes written to the wire (count once per request or batch). */
    void bytesSent(long bytes);

    /** Bytes read from the wire. */
    void bytesReceived(long bytes);
}
