package io.switchboard.client.load.workload.fanout;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadTls;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Wire;
import java.time.Duration;
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

    /** Subscribers, publishers, rooms and what was accepted and received (shared with Socket.IO's fan-out). */
    final FanoutLedger ledger;
    final String token;
    final int maxFrameLength;
    private final String host;
    private final int port;
    private final LoadTls tls;
    /** PINGs sent to keep quiet connections within the server's idle timeout. */
    final LongAdder keepalives;

    public FanoutWorkload(WorkloadSetup setup) throws WorkloadException {
        LoadSettings s = setup.settings();
        tls = setup.tls();
        if (s.payload().file() != null) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: a size or range of at least "
                    + HEADER_BYTES + " bytes for fanout, the size of its event header)");
        }
        ledger = FanoutLedger.of(s, setup.counters(), "fanout", HEADER_BYTES);
        token = s.token();
        maxFrameLength = Wire.DEFAULT_MAX_FRAME_LENGTH;
        host = setup.target().host();
        port = setup.target().port();
        keepalives = setup.counters().counter("keepalives");
    }

    @Override
    public void open(ConnectionContext ctx) {
        FanoutConnection connection = ctx.index() < ledger.subscribers
                ? new FanoutConnection.Subscriber(this, ctx)
                : new FanoutConnection.Publisher(this, ctx, ctx.index() - ledger.subscribers);
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
        return index >= ledger.subscribers;
    }

    /** Subscribers in their room at least once so far. */
    public int joined() {
        return ledger.joined();
    }

    @Override
    public Duration drain() {
        return ledger.drain;
    }

    @Override
    public void finish() {
        ledger.finish();
    }
}
