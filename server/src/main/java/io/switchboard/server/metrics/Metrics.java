package io.switchboard.server.metrics;

import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.server.Listener;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters. Every update is a lock-free add, safe from any I/O thread; reading them
 * (for {@code /metrics}) sums the cells. {@link PrometheusText} writes them out.
 */
public final class Metrics {
    private final java.util.List<MetricSource> sources = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Adds a component's own metrics to every rendering. */
    public void register(MetricSource source) {
        sources.add(source);
    }

    /** The registered sources, in registration order. */
    public java.util.List<MetricSource> sources() {
        return sources;
    }

    /** Per-listener traffic. */
    public static final class ListenerCounters {
        final AtomicLong open = new AtomicLong();
        final LongAdder accepted = new LongAdder();
        final LongAdder bytesIn = new LongAdder();
        final LongAdder bytesOut = new LongAdder();

        /** A connection was accepted. */
        public void opened() {
            open.incrementAndGet();
            accepted.increment();
        }

        /** A connection closed. */
        public void closed() {
            open.decrementAndGet();
        }

        public void bytesIn(long n) {
            bytesIn.add(n);
        }

        public void bytesOut(long n) {
            bytesOut.add(n);
        }

        public long open() {
            return open.get();
        }

        public long accepted() {
            return accepted.sum();
        }

        final LongAdder tlsHandshakes = new LongAdder();
        final LongAdder tlsHandshakeFailures = new LongAdder();

        /** A TLS handshake on this listener completed, or failed (timeout, no common version, not TLS, ...). */
        public void tlsHandshake(boolean success) {
            (success ? tlsHandshakes : tlsHandshakeFailures).increment();
        }

        public long tlsHandshakes() {
            return tlsHandshakes.sum();
        }

        public long tlsHandshakeFailures() {
            return tlsHandshakeFailures.sum();
        }
    }

    private final Map<Listener, ListenerCounters> listeners = new EnumMap<>(Listener.class);
    private final LongAdder[] framesIn = new LongAdder[256];
    private final Map<Integer, LongAdder> errors = new ConcurrentHashMap<>();
    private static final int STATUS_CODES = 600;
    private final Map<Integer, LongAdder> httpRequests = new ConcurrentHashMap<>();
    /** The counters of {@link #httpRequests} by status code, found without boxing the code. */
    private final AtomicReferenceArray<LongAdder> httpStatusCounters = new AtomicReferenceArray<>(STATUS_CODES);
    private final LongAdder datagramsIn = new LongAdder();
    private final LongAdder datagramsOut = new LongAdder();
    private final LongAdder datagramsDropped = new LongAdder();
    /** Refused connections and requests, by listener, then by cause label. */
    private final Map<Listener, Map<String, LongAdder>> refused = new EnumMap<>(Listener.class);
    /** When the TLS certificate being served expires, in seconds since the epoch; -1 without TLS. */
    private volatile long tlsCertificateNotAfter = -1;

    public Metrics() {
        for (Listener listener : Listener.values()) {
            listeners.put(listener, new ListenerCounters());
            refused.put(listener, new ConcurrentHashMap<>());
        }
        for (Opcode opcode : Opcode.values()) {
            framesIn[opcode.code()] = new LongAdder();
        }
    }

    /** The counters of one listener. */
    public ListenerCounters listener(Listener listener) {
        return listeners.get(listener);
    }

    /** A framed-protocol frame of this type was received. */
    public void frameIn(Opcode opcode) {
        framesIn[opcode.code()].increment();
    }

    /** An ERROR frame (or its WebSocket equivalent) with this code was sent. */
    public void error(int code) {
        errors.computeIfAbsent(code, c -> new LongAdder()).increment();
    }

    /** An HTTP response with this status was sent. */
    public void httpResponse(int status) {
        if (status < 0 || status >= STATUS_CODES) {
            httpRequests.computeIfAbsent(status, c -> new LongAdder()).increment();
            return;
        }
        LongAdder counter = httpStatusCounters.get(status);
        if (counter == null) {
            counter = httpRequests.computeIfAbsent(status, c -> new LongAdder());
            httpStatusCounters.set(status, counter);
        }
        counter.increment();
    }

    public void datagramIn() {
        datagramsIn.increment();
    }

    public void datagramOut() {
        datagramsOut.increment();
    }

    public void datagramDropped() {
        datagramsDropped.increment();
    }

    /** The TLS certificate now served expires at this time (seconds since the epoch). */
    public void tlsCertificateNotAfter(long epochSeconds) {
        tlsCertificateNotAfter = epochSeconds;
    }

    long tlsCertificateNotAfter() {
        return tlsCertificateNotAfter;
    }

    /** A connection or request on this listener was refused for {@code cause} (a metric label). */
    public void refused(Listener listener, String cause) {
        refused.get(listener).computeIfAbsent(cause, c -> new LongAdder()).increment();
    }

    /** How many refusals of this cause the listener counted. */
    public long refusedCount(Listener listener, String cause) {
        LongAdder n = refused.get(listener).get(cause);
        return n == null ? 0 : n.sum();
    }

    Map<Listener, Map<String, LongAdder>> refused() {
        return refused;
    }

    long framesIn(Opcode opcode) {
        return framesIn[opcode.code()].sum();
    }

    Map<Integer, LongAdder> errors() {
        return errors;
    }

    Map<Integer, LongAdder> httpRequests() {
        return httpRequests;
    }

    long datagramsIn() {
        return datagramsIn.sum();
    }

    long datagramsOut() {
        return datagramsOut.sum();
    }

    long datagramsDropped() {
        return datagramsDropped.sum();
    }

    /** The name of an error code for labels, or its number when this version does not know it. */
    static String errorName(int code) {
        ErrorCode known = ErrorCode.of(code);
        return known == null ? Integer.toString(code) : known.name();
    }
}
