package io.switchboard.client.load.workload.fanout;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.workload.StageCounters;
import io.switchboard.client.load.workload.WorkloadException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The bookkeeping of a room fan-out, whatever the protocol (the framed {@link FanoutWorkload} and
 * Socket.IO's fan-out): who is a subscriber or a publisher, the rooms, what the server accepted
 * from each publisher into each room, what each subscriber received ({@link DeliveryTracker}), and
 * at the end, expected deliveries minus distinct ones received.
 *
 * <p>Connections {@code 0 .. S-1} are subscribers, subscriber {@code i} in room {@code i mod R};
 * connections {@code S .. S+P-1} are publishers. Options: {@code subscribers}, {@code publishers}
 * (1), {@code rooms} (1), {@code drain} (2 s). Counters: {@code publishes},
 * {@code publishes_accepted}, {@code deliveries}, {@code expected_deliveries}, {@code missing},
 * {@code duplicate_deliveries}, {@code out_of_order}, {@code corrupt_deliveries}.
 *
 * <p>The fields are the run's shared state, read and written by the connections of both
 * protocols: each array slot is touched by one connection's loop, the rest is thread-safe.
 */
public final class FanoutLedger {
    public final int subscribers;
    public final int publishers;
    public final int rooms;
    /** Room {@code r} is {@code <stage room>/r}. */
    public final String[] roomNames;
    /** Tells this run's events from another's in a shared room. */
    public final int runId;
    public final Duration drain;

    /** Per publisher and room ({@code p * rooms + r}): publishes the server accepted. */
    public final AtomicLongArray accepted;
    /**
     * Per publisher index, kept across reconnects and touched on that publisher's loop: the last
     * sequence number used per room, then (last slot) how many it published.
     */
    public final long[][] sequences;
    /** One per subscriber index, kept across reconnects; touched on that subscriber's loop. */
    private final DeliveryTracker[] trackers;
    private final AtomicIntegerArray joinedOnce;
    private final AtomicInteger joined = new AtomicInteger();
    /** Completes when every subscriber has joined its room once. */
    public final CompletableFuture<Void> allJoined = new CompletableFuture<>();

    public final LongAdder publishes;
    public final LongAdder publishesAccepted;
    public final LongAdder deliveries;
    public final LongAdder duplicates;
    public final LongAdder outOfOrder;
    public final LongAdder corrupt;
    private final LongAdder expected;
    private final LongAdder missing;

    private FanoutLedger(int subscribers, int publishers, int rooms, String room, Duration drain, StageCounters c) {
        this.subscribers = subscribers;
        this.publishers = publishers;
        this.rooms = rooms;
        this.drain = drain;
        roomNames = new String[rooms];
        for (int r = 0; r < rooms; r++) {
            roomNames[r] = room + "/" + r;
        }
        runId = ThreadLocalRandom.current().nextInt();
        accepted = new AtomicLongArray(Math.max(1, publishers * rooms));
        sequences = new long[publishers][rooms + 1];
        trackers = new DeliveryTracker[subscribers];
        joinedOnce = new AtomicIntegerArray(Math.max(1, subscribers));
        publishes = counter(c, "publishes");
        publishesAccepted = counter(c, "publishes_accepted");
        deliveries = counter(c, "deliveries");
        expected = counter(c, "expected_deliveries");
        missing = counter(c, "missing");
        duplicates = counter(c, "duplicate_deliveries");
        outOfOrder = counter(c, "out_of_order");
        corrupt = counter(c, "corrupt_deliveries");
    }

    private static LongAdder counter(StageCounters c, String name) {
        return c == null ? new LongAdder() : c.counter(name);
    }

    /**
     * The fan-out of a stage, its options checked: {@code workload} names it in errors
     * ({@code "fanout"}), {@code headerBytes} is the least payload an event can carry.
     */
    public static FanoutLedger of(LoadSettings s, StageCounters counters, String workload, int headerBytes)
            throws WorkloadException {
        int publishers = intOption(s, "publishers", 1, 1);
        int subscribers = intOption(s, "subscribers", Math.max(1, s.connections() - publishers), 1);
        int rooms = intOption(s, "rooms", 1, 1);
        if (subscribers + publishers != s.connections()) {
            throw new WorkloadException("connections: " + s.connections() + " (expected: subscribers + publishers = "
                    + (subscribers + publishers) + " for " + workload + ")");
        }
        if (rooms > subscribers) {
            throw new WorkloadException("rooms: " + rooms + " (expected: at most the " + subscribers
                    + " subscribers, so that no room is empty)");
        }
        if (publishers > 0xFFFF || rooms > 0xFFFF) {
            throw new WorkloadException("publishers and rooms: at most 65535 each");
        }
        if (s.payload().minBytes() < headerBytes) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: a size or range of at least "
                    + headerBytes + " bytes for " + workload + ", the size of its event header)");
        }
        Duration drain;
        try {
            drain = Values.duration("drain", s.options().getOrDefault("drain", "2s"));
        } catch (IllegalArgumentException e) {
            throw new WorkloadException(e.getMessage());
        }
        return new FanoutLedger(subscribers, publishers, rooms, s.room(), drain, counters);
    }

    /** No fan-out (another workload of the same protocol): no subscribers, no publishers, one room. */
    public static FanoutLedger none(LoadSettings s) {
        return new FanoutLedger(0, 0, 1, s.room(), Duration.ZERO, null);
    }

    /** The option {@code key} as a whole number of at least {@code min}, or {@code fallback}. */
    public static int intOption(LoadSettings s, String key, int fallback, int min) throws WorkloadException {
        String v = s.options().get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new WorkloadException(key + ": " + v + " (expected: a whole number, " + min + " or more)");
    }

    /** The room subscriber {@code index} joins. */
    public int roomOf(int subscriber) {
        return subscriber % rooms;
    }

    /** Subscriber {@code index} is in its room; the first time for each, count towards all joined. */
    public void onJoined(int index) {
        if (joinedOnce.compareAndSet(index, 0, 1) && joined.incrementAndGet() == subscribers) {
            allJoined.complete(null);
        }
    }

    /** Subscribers in their room at least once so far. */
    public int joined() {
        return joined.get();
    }

    /** The tracker of subscriber {@code index}, created on first use (on its loop). */
    public DeliveryTracker tracker(int index) {
        DeliveryTracker t = trackers[index];
        if (t == null) {
            t = new DeliveryTracker(publishers);
            trackers[index] = t;
        }
        return t;
    }

    /** After the drain: expected deliveries (publishes accepted into each subscriber's room) and those missing. */
    public void finish() {
        long expectedSum = 0;
        long missingSum = 0;
        long[] acceptedIntoRoom = new long[publishers];
        for (int s = 0; s < subscribers; s++) {
            int room = roomOf(s);
            for (int p = 0; p < publishers; p++) {
                acceptedIntoRoom[p] = accepted.get(p * rooms + room);
                expectedSum += acceptedIntoRoom[p];
            }
            DeliveryTracker t = trackers[s];
            if (t == null) {
                for (long a : acceptedIntoRoom) {
                    missingSum += a;
                }
            } else {
                missingSum += t.missing(acceptedIntoRoom);
            }
        }
        expected.add(expectedSum);
        missing.add(missingSum);
    }
}
