package io.switchboard.client.load.workload.udp;

/**
 * The datagrams one socket has sent, by sequence number, and what became of each: answered,
 * lost (no reply within the timeout, or none by the end of the run), answered twice, answered out
 * of order. Sequence numbers start at 1 and grow by one per datagram.
 *
 * <p>A ring of {@code capacity} slots keeps the newest datagrams; a slot is reused only once its
 * datagram is answered or lost, so a reply can always be classified while its datagram is within
 * the last {@code capacity} sent. A reply to anything older is {@link Outcome#STALE}: it cannot be
 * told apart from a duplicate or a late answer. Size the ring above the most datagrams in flight
 * (rate times timeout); when it is full, {@link #send} refuses and the caller must wait.
 *
 * <p>Not thread-safe: one instance per socket, used on that socket's event loop.
 */
public final class SequenceWindow {
    /** What a reply turned out to be. */
    public enum Outcome {
        /** The first reply to this datagram, and none later had been answered before it. */
        IN_ORDER,
        /** The first reply to this datagram, but a later datagram had been answered already. */
        REORDERED,
        /** This datagram was answered before. */
        DUPLICATE,
        /** This datagram had already been declared lost (timed out); it stays counted as lost. */
        LATE,
        /** Older than the ring remembers: a duplicate or a late answer, no telling which. */
        STALE,
        /** A sequence number this socket never sent. */
        UNKNOWN
    }

    /** Receives each datagram declared lost. */
    @FunctionalInterface
    public interface LostSink {
        void lost(long seq, long intendedNanos, long sentNanos);
    }

    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte ANSWERED = 2;
    private static final byte LOST = 3;

    private final int mask;
    private final long[] intended;
    private final long[] sent;
    private final byte[] state;
    /** The sequence number the next datagram gets. */
    private long next = 1;
    /** Every datagram below this one is answered or lost. */
    private long oldestPending = 1;
    private long highestAnswered;
    private int pending;

    /**
     * @param capacity the most datagrams remembered; rounded up to a power of two, at least 16
     */
    public SequenceWindow(int capacity) {
        if (capacity < 1 || capacity > 1 << 24) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1 to " + (1 << 24) + ")");
        }
        int size = 16;
        while (size < capacity) {
            size <<= 1;
        }
        this.mask = size - 1;
        this.intended = new long[size];
        this.sent = new long[size];
        this.state = new byte[size];
    }

    /** The ring's size. */
    public int capacity() {
        return mask + 1;
    }

    /** Whether {@link #send} would refuse: the oldest unresolved datagram holds the next slot. */
    public boolean full() {
        return next - oldestPending > mask;
    }

    /**
     * Records a datagram about to be sent and returns its sequence number, or -1 when the ring is
     * full (the caller waits for replies or timeouts to free a slot).
     */
    public long send(long intendedNanos, long sentNanos) {
        if (full()) {
            return -1;
        }
        long seq = next++;
        int slot = (int) (seq & mask);
        intended[slot] = intendedNanos;
        sent[slot] = sentNanos;
        state[slot] = PENDING;
        pending++;
        return seq;
    }

    /** The sequence number the next datagram will get. */
    public long nextSequence() {
        return next;
    }

    /** Datagrams sent and neither answered nor lost. */
    public int pending() {
        return pending;
    }

    /**
     * Classifies a reply. For {@link Outcome#IN_ORDER} and {@link Outcome#REORDERED} the datagram
     * is now answered and its times are readable with {@link #intendedNanos} and
     * {@link #sentNanos} until the slot is reused.
     */
    public Outcome reply(long seq) {
        if (seq < 1 || seq >= next) {
            return Outcome.UNKNOWN;
        }
        if (next - seq > capacity()) {
            return Outcome.STALE;
        }
        int slot = (int) (seq & mask);
        switch (state[slot]) {
            case PENDING -> {
                state[slot] = ANSWERED;
                pending--;
                boolean reordered = seq < highestAnswered;
                if (seq > highestAnswered) {
                    highestAnswered = seq;
                }
                advance();
                return reordered ? Outcome.REORDERED : Outcome.IN_ORDER;
            }
            case ANSWERED -> {
                return Outcome.DUPLICATE;
            }
            case LOST -> {
                return Outcome.LATE;
            }
            default -> {
                return Outcome.UNKNOWN;
            }
        }
    }

    /** The intended send time of a datagram still in the ring. */
    public long intendedNanos(long seq) {
        return intended[(int) (seq & mask)];
    }

    /** The actual send time of a datagram still in the ring. */
    public long sentNanos(long seq) {
        return sent[(int) (seq & mask)];
    }

    /**
     * Declares lost every unanswered datagram sent at or before {@code sentDeadlineNanos}, oldest
     * first, and returns how many. Datagrams go out in sequence order, so the scan stops at the
     * first pending one sent after the deadline.
     */
    public int expire(long sentDeadlineNanos, LostSink sink) {
        int count = 0;
        for (long seq = oldestPending; seq < next; seq++) {
            int slot = (int) (seq & mask);
            if (state[slot] != PENDING) {
                continue;
            }
            if (sent[slot] - sentDeadlineNanos > 0) {
                break;
            }
            state[slot] = LOST;
            pending--;
            count++;
            sink.lost(seq, intended[slot], sent[slot]);
        }
        advance();
        return count;
    }

    /** Declares every unanswered datagram lost (the run is over) and returns how many. */
    public int expireAll(LostSink sink) {
        int count = 0;
        for (long seq = oldestPending; seq < next && pending > 0; seq++) {
            int slot = (int) (seq & mask);
            if (state[slot] == PENDING) {
                state[slot] = LOST;
                pending--;
                count++;
                sink.lost(seq, intended[slot], sent[slot]);
            }
        }
        advance();
        return count;
    }

    private void advance() {
        while (oldestPending < next && state[(int) (oldestPending & mask)] != PENDING) {
            oldestPending++;
        }
    }
}
