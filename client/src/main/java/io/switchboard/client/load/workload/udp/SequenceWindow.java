package io.switchboard.client.load.workload.udp;

/**
 * The datagrams one socket has sent, by sequence number, and what became of each: answered,
 * lost (no reply within the timeout, or none by the end of the run), answered twice, answered out
 * of order. Sequence numbers start at 1 and grow by one per datagram. Each datagram remembers the
 * engine's token (which holds its intended send time), and where its payload came from, so that
 * the echo can be checked.
 *
 * <p>A ring of {@code capacity} slots keeps the newest datagrams; a slot is reused only once its
 * datagram is answered or lost, so a reply can always be classified while its datagram is among
 * the last {@code capacity} sent. A reply to anything older is {@link Outcome#STALE}: it cannot
 * be told apart from a duplicate or a late answer. When the oldest unresolved datagram holds the
 * slot the next one needs, {@link #full()} is true and the caller must resolve it first.
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
        /** This datagram had already been declared lost; it stays counted as lost. */
        LATE,
        /** Older than the ring remembers: a duplicate or a late answer, no telling which. */
        STALE,
        /** A sequence number this socket never sent. */
        UNKNOWN
    }

    /** Receives each datagram declared lost by {@link #loseAll}. */
    @FunctionalInterface
    public interface LostSink {
        void lost(long seq, int token);
    }

    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte ANSWERED = 2;
    private static final byte LOST = 3;

    private final int mask;
    private final int[] token;
    private final int[] offset;
    private final int[] size;
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
        int n = 16;
        while (n < capacity) {
            n <<= 1;
        }
        this.mask = n - 1;
        this.token = new int[n];
        this.offset = new int[n];
        this.size = new int[n];
        this.state = new byte[n];
    }

    /** The ring's size. */
    public int capacity() {
        return mask + 1;
    }

    /** Whether {@link #send} would refuse: the oldest unresolved datagram holds the next slot. */
    public boolean full() {
        return next - oldestPending > mask;
    }

    /** The oldest datagram neither answered nor lost, or 0 when there is none. */
    public long oldestPending() {
        return pending == 0 ? 0 : oldestPending;
    }

    /**
     * Records a datagram about to be sent and returns its sequence number, or -1 when the ring is
     * full.
     *
     * @param tok     the engine's token of the request
     * @param payloadOffset where the payload's filler starts in the shared payload bytes
     * @param payloadSize   the datagram's whole size
     */
    public long send(int tok, int payloadOffset, int payloadSize) {
        if (full()) {
            return -1;
        }
        long seq = next++;
        int slot = (int) (seq & mask);
        token[slot] = tok;
        offset[slot] = payloadOffset;
        size[slot] = payloadSize;
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
     * Classifies a reply. After {@link Outcome#IN_ORDER} or {@link Outcome#REORDERED} the
     * datagram counts as answered, and {@link #token}, {@link #offset} and {@link #size} describe it
     * until its slot is reused.
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

    /** The token of a datagram still in the ring. */
    public int token(long seq) {
        return token[(int) (seq & mask)];
    }

    /** The payload offset of a datagram still in the ring. */
    public int offset(long seq) {
        return offset[(int) (seq & mask)];
    }

    /** The size of a datagram still in the ring. */
    public int size(long seq) {
        return size[(int) (seq & mask)];
    }

    /**
     * Declares one unanswered datagram lost (its request timed out). Returns false when it was
     * not pending (answered or lost already, or unknown).
     */
    public boolean lose(long seq) {
        if (seq < oldestPending || seq >= next) {
            return false;
        }
        int slot = (int) (seq & mask);
        if (state[slot] != PENDING) {
            return false;
        }
        state[slot] = LOST;
        pending--;
        advance();
        return true;
    }

    /** Declares every unanswered datagram lost (the socket is done) and returns how many. */
    public int loseAll(LostSink sink) {
        int count = 0;
        for (long seq = oldestPending; seq < next && pending > 0; seq++) {
            int slot = (int) (seq & mask);
            if (state[slot] == PENDING) {
                state[slot] = LOST;
                pending--;
                count++;
                sink.lost(seq, token[slot]);
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
