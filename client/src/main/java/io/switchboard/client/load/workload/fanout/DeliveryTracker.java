package io.switchboard.client.load.workload.fanout;

/**
 * What one subscriber received from each publisher: distinct events, duplicates and events that
 * arrived after a later one from the same publisher. Every publisher numbers its events to one
 * room 1, 2, 3, ..., so a subscriber (a member of one room) expects each publisher's numbers
 * without gaps, in order, once each.
 *
 * <p>Per publisher it keeps the highest number seen and a window of {@link #WINDOW} numbers below
 * it, as a bit set: a number inside the window is a duplicate when its bit is set and a late
 * first arrival otherwise. A number below the window cannot be told apart; it is counted as
 * reordered and as {@link #unclassified()}, never as a new delivery, so that the missing count
 * (expected minus {@link #distinct}) errs on the side of reporting loss.
 *
 * <p>Not thread-safe: one instance per subscriber connection, used on its event loop.
 */
public final class DeliveryTracker {
    /** How many numbers below the highest are remembered per publisher. */
    public static final int WINDOW = 1024;
    private static final int WORDS = WINDOW / 64;

    /** What an arriving event was. */
    public enum Outcome {
        /** The first arrival, after every lower number that has arrived. */
        IN_ORDER,
        /** The first arrival, but a higher number from this publisher came before it. */
        REORDERED,
        /** Already received. */
        DUPLICATE,
        /** Too far below the highest number to tell (counted as reordered). */
        UNCLASSIFIED,
        /** A publisher index or sequence number outside what was configured. */
        INVALID
    }

    private final long[] highest;
    private final long[] distinct;
    /** Per publisher, a ring of WINDOW bits: bit (seq mod WINDOW) is set when seq has arrived. */
    private final long[][] seen;
    private long duplicates;
    private long reordered;
    private long unclassified;

    /** @param publishers the number of publishers whose events this subscriber can receive */
    public DeliveryTracker(int publishers) {
        if (publishers < 1) {
            throw new IllegalArgumentException("publishers: " + publishers + " (expected: at least 1)");
        }
        highest = new long[publishers];
        distinct = new long[publishers];
        seen = new long[publishers][WORDS];
    }

    /** Classifies the arrival of event {@code seq} (from 1) of {@code publisher}. */
    public Outcome deliver(int publisher, long seq) {
        if (publisher < 0 || publisher >= highest.length || seq < 1) {
            return Outcome.INVALID;
        }
        long top = highest[publisher];
        long[] bits = seen[publisher];
        if (seq > top) {
            long gap = seq - top;
            if (gap >= WINDOW) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                for (long s = top + 1; s < seq; s++) {
                    clear(bits, s); // numbers skipped over: not arrived (yet)
                }
            }
            set(bits, seq);
            highest[publisher] = seq;
            distinct[publisher]++;
            return Outcome.IN_ORDER;
        }
        if (top - seq >= WINDOW) {
            reordered++;
            unclassified++;
            return Outcome.UNCLASSIFIED;
        }
        if (isSet(bits, seq)) {
            duplicates++;
            return Outcome.DUPLICATE;
        }
        set(bits, seq);
        distinct[publisher]++;
        reordered++;
        return Outcome.REORDERED;
    }

    /** Distinct events received from {@code publisher}. */
    public long distinct(int publisher) {
        return distinct[publisher];
    }

    /** The highest number received from {@code publisher}, 0 if none. */
    public long highest(int publisher) {
        return highest[publisher];
    }

    /** Events received again. */
    public long duplicates() {
        return duplicates;
    }

    /** First arrivals that came after a higher number from the same publisher (and unclassified ones). */
    public long reordered() {
        return reordered;
    }

    /** Arrivals too far behind to classify; included in {@link #reordered()}. */
    public long unclassified() {
        return unclassified;
    }

    /**
     * Events this subscriber should have and does not: for each publisher, what it had accepted
     * into this subscriber's room minus the distinct events received from it (never below 0).
     *
     * @param accepted per publisher, the events it published into this subscriber's room that
     *                 the server accepted
     */
    public long missing(long[] accepted) {
        long missing = 0;
        for (int p = 0; p < distinct.length; p++) {
            missing += Math.max(0, accepted[p] - distinct[p]);
        }
        return missing;
    }

    private static void set(long[] bits, long seq) {
        int bit = (int) (seq & (WINDOW - 1));
        bits[bit >>> 6] |= 1L << bit;
    }

    private static void clear(long[] bits, long seq) {
        int bit = (int) (seq & (WINDOW - 1));
        bits[bit >>> 6] &= ~(1L << bit);
    }

    private static boolean isSet(long[] bits, long seq) {
        int bit = (int) (seq & (WINDOW - 1));
        return (bits[bit >>> 6] & (1L << bit)) != 0;
    }
}
