package io.switchboard.client.load.workload.fanout;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Wire;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Room fan-out on the framed protocol: S subscribers spread over R rooms, P publishers
 * publishing at the stage's rate, and every delivery measured at the subscriber.
 *
 * <p>Connections {@code 0 .. S-1} are subscribers: HELLO, then JOIN (with ACK) of room
 * {@code index mod R}; they take no requests. Connections {@code S .. S+P-1} are publishers: HELLO,
 * then they wait until every subscriber has joined, and only then tell the engine they are ready,
 * so nothing is published into a half-filled room. The engine's requests are PUBLISHes (flag ACK):
 * publisher {@code p} sends its k-th to room {@code (p + k) mod R}, numbering its events to each
 * room 1, 2, 3, ...; an ACK means the server accepted it, and settles the request without a
 * latency sample of its own. The latency recorded is per delivery: from the publish's intended
 * send time (carried in the payload) to its arrival at a subscriber, so a stalled server or
 * subscriber shows in the percentiles.
 *
 * <p>After the stage the engine drains ({@code drain}, default 2 s) and {@link #finish()}
 * computes, per subscriber and publisher, expected deliveries (publishes accepted into its room)
 * minus distinct ones received.
 *
 * <p>Counters: {@code publishes}, {@code publishes_accepted}, {@code deliveries},
 * {@code expected_deliveries}, {@code missing}, {@code duplicate_deliveries},
 * {@code out_of_order}, {@code corrupt_deliveries}, {@code keepalives} (PINGs sent on a connection
 * that wrote nothing for a third of the server's idle timeout, as the library does).
 *
 * <p>Event payload (big-endian); the rest is filler from the stage's payload bytes, checked on
 * arrival:
 *
 * <pre>
 *  0     4     6     8           16          24          32     36
 * +-----+-----+-----+-----------+-----------+-----------+------+------------
 * | run | pub |room | sequence  | intended  |   sent    |offset| filler ...
 * +-----+-----+-----+-----------+-----------+-----------+------+------------
 * </pre>
 */
public final class FanoutWorkload implements Workload {
    /** Bytes of the header every event payload carries. */
    public static final int HEADER_BYTES = 36;
    /** The event name every publish uses. */
    static final String EVENT = "load";
    /** Pipeline handler names. */
    static final String FRAME_DECODER = "frame-decoder";
    static final String FRAME_ENCODER = "frame-encoder";
    static final String HANDLER = "fanout";

    final int subscribers;
    final int publishers;
    final int rooms;
    final String[] roomNames;
    final int runId;
    final String token;
    final int maxFrameLength;
    private final Duration drain;
    private final String host;
    private final int port;
    private final LoadTls tls;

    /** Per publisher and room ({@code p * rooms + r}): publishes the server accepted. */
    final AtomicLongArray accepted;
    /**
     * Per publisher index, kept across reconnects and touched on that publisher's loop: the last
     * sequence number used per room, then (last slot) how many it published.
     */
    final long[][] sequences;
    /** One per subscriber index, kept across reconnects; touched on that subscriber's loop. */
    final DeliveryTracker[] trackers;
    private final AtomicIntegerArray joinedOnce;
    private final AtomicInteger joined = new AtomicInteger();
    /** Completes when every subscriber has joined its room once. */
    final CompletableFuture<Void> allJoined = new CompletableFuture<>();

    final LongAdder publishes;
    final LongAdder publishesAccepted;
    final LongAdder deliveries;
    final LongAdder duplicates;
    final LongAdder outOfOrder;
    final LongAdder corrupt;
    /** PINGs sent to keep quiet connections within the server's idle timeout. */
    final LongAdder keepalives;
    private final LongAdder expected;
    private final LongAdder missing;

    public FanoutWorkload(WorkloadSetup setup) throws WorkloadException {
        LoadSettings s = setup.settings();
        tls = setup.tls();
        publishers = intOption(s, "publishers", 1, 1);
        int defaultSubscribers = Math.max(1, s.connections() - publishers);
        subscribers = intOption(s, "subscribers", defaultSubscribers, 1);
        rooms = intOption(s, "rooms", 1, 1);
        if (subscribers + publishers != s.connections()) {
            throw new WorkloadException("connections: " + s.connections() + " (expected: subscribers + publishers = "
                    + (subscribers + publishers) + " for fanout)");
        }
        if (rooms > subscribers) {
            throw new WorkloadException("rooms: " + rooms + " (expected: at most the " + subscribers
                    + " subscribers, so that no room is empty)");
        }
        if (publishers > 0xFFFF || rooms > 0xFFFF) {
            throw new WorkloadException("publishers and rooms: at most 65535 each");
        }
        if (s.payload().file() != null || s.payload().minBytes() < HEADER_BYTES) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: a size or range of at least "
                    + HEADER_BYTES + " bytes for fanout, the size of its event header)");
        }
        String d = s.options().getOrDefault("drain", "2s");
        try {
            drain = Values.duration("drain", d);
        } catch (IllegalArgumentException e) {
            throw new WorkloadException(e.getMessage());
        }
        roomNames = new String[rooms];
        for (int r = 0; r < rooms; r++) {
            roomNames[r] = s.room() + "/" + r;
        }
        runId = ThreadLocalRandom.current().nextInt();
        token = s.token();
        maxFrameLength = Wire.DEFAULT_MAX_FRAME_LENGTH;
        host = setup.target().host();
        port = setup.target().port();
        accepted = new AtomicLongArray(publishers * rooms);
        trackers = new DeliveryTracker[subscribers];
        sequences = new long[publishers][rooms + 1];
        joinedOnce = new AtomicIntegerArray(subscribers);
        publishes = setup.counters().counter("publishes");
        publishesAccepted = setup.counters().counter("publishes_accepted");
        deliveries = setup.counters().counter("deliveries");
        expected = setup.counters().counter("expected_deliveries");
        missing = setup.counters().counter("missing");
        duplicates = setup.counters().counter("duplicate_deliveries");
        outOfOrder = setup.counters().counter("out_of_order");
        corrupt = setup.counters().counter("corrupt_deliveries");
        keepalives = setup.counters().counter("keepalives");
    }

    private static int intOption(LoadSettings s, String key, int fallback, int min) throws WorkloadException {
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
    int roomOf(int subscriber) {
        return subscriber % rooms;
    }

    @Override
    public void open(ConnectionContext ctx) {
        FanoutConnection connection = ctx.index() < subscribers
                ? new FanoutConnection.Subscriber(this, ctx)
                : new FanoutConnection.Publisher(this, ctx, ctx.index() - subscribers);
        ctx.socketBootstrap()
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(FRAME_DECODER, new FrameDecoder(maxFrameLength + 10))
                                .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                                .addLast(HANDLER, connection);
                        if (tls != null) {
                            tls.addFirst(ch.pipeline(), ctx);
                        }
                    }
                })
                .connect(host, port)
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        ctx.connectFailed(f.cause());
                    }
                });
    }

    /** Only publishers send; subscribers take no requests. */
    @Override
    public boolean sends(int index) {
        return index >= subscribers;
    }

    /** Subscriber {@code index} is in its room; the first time for each, count towards all joined. */
    void onJoined(int index) {
        if (joinedOnce.compareAndSet(index, 0, 1) && joined.incrementAndGet() == subscribers) {
            allJoined.complete(null);
        }
    }

    /** Subscribers in their room at least once so far. */
    public int joined() {
        return joined.get();
    }

    /** The tracker of subscriber {@code index}, created on first use (on its loop). */
    DeliveryTracker tracker(int index) {
        DeliveryTracker t = trackers[index];
        if (t == null) {
            t = new DeliveryTracker(publishers);
            trackers[index] = t;
        }
        return t;
    }

    @Override
    public Duration drain() {
        return drain;
    }

    @Override
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
