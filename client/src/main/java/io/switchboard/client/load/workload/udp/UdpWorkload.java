package io.switchboard.client.load.workload.udp;

import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Datagram echo load: each "connection" is a connected UDP socket that sends datagrams carrying
 * a sequence number and expects each back unchanged. Replies are matched by sequence number, not
 * by order, so the stage counts what UDP can do to datagrams:
 *
 * <ul>
 *   <li>{@code lost}: no reply within the timeout, or none by the end of the run (after the
 *       drain, see {@link #drain()});</li>
 *   <li>{@code reordered}: a first reply that came after the reply to a later datagram;</li>
 *   <li>{@code duplicated}: a datagram answered more than once;</li>
 *   <li>{@code late}: a reply to a datagram already counted lost (it stays lost), or one too
 *       old to classify;</li>
 *   <li>{@code foreign}: a datagram that is not a reply to this socket (wrong run, wrong
 *       sender, too short).</li>
 * </ul>
 *
 * <p>Payload layout (all big-endian); the rest of the datagram is payload filler taken from the
 * stage's shared bytes and checked on return:
 *
 * <pre>
 *  0      4      8              16     20
 * +------+------+--------------+------+-------------------
 * | run  |sender|   sequence   |token |  filler ...
 * +------+------+--------------+------+-------------------
 * </pre>
 *
 * {@code run} is random per stage (so replies to an earlier run are foreign), {@code sender} the
 * connection's index, {@code sequence} from 1 per socket, {@code token} the engine's request
 * token, which stands for the request's intended send time.
 */
public final class UdpWorkload implements Workload {
    /** Bytes of the header every datagram carries. */
    public static final int HEADER_BYTES = 20;
    /** The largest UDP payload over IPv4. */
    public static final int MAX_DATAGRAM = 65_507;

    final int runId;
    final InetSocketAddress server;
    final int ringCapacity;
    final LongAdder lost;
    final LongAdder reordered;
    final LongAdder duplicated;
    final LongAdder late;
    final LongAdder foreign;
    private final int maxSize;
    private final java.time.Duration drain;

    public UdpWorkload(WorkloadSetup setup) throws WorkloadException {
        LoadSettings s = setup.settings();
        if (s.payload().file() == null && s.payload().minBytes() < HEADER_BYTES) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: at least " + HEADER_BYTES
                    + " bytes for udp, the size of its sequence header)");
        }
        if (s.payload().file() == null && s.payload().maxBytes() > MAX_DATAGRAM) {
            throw new WorkloadException("payload: " + s.payload() + " (expected: at most " + MAX_DATAGRAM
                    + " bytes, the largest UDP datagram)");
        }
        try {
            server = new InetSocketAddress(InetAddress.getByName(setup.target().host()), setup.target().port());
        } catch (UnknownHostException e) {
            throw new WorkloadException("target: " + setup.target().host() + " cannot be resolved", e);
        }
        runId = ThreadLocalRandom.current().nextInt();
        maxSize = s.payload().file() == null ? s.payload().maxBytes() : MAX_DATAGRAM;
        // Remember well beyond the pipeline so that duplicates and late replies stay classifiable.
        ringCapacity = (int) Math.min(1 << 20, Math.max(4096L, (long) s.pipeline() * 16));
        // After the last send, wait this long for replies before the unanswered count as lost.
        java.time.Duration cap = java.time.Duration.ofSeconds(1);
        java.time.Duration wait = s.timeout().compareTo(cap) < 0 ? s.timeout() : cap;
        String d = s.options().get("drain");
        if (d != null) {
            try {
                wait = Values.duration("drain", d);
            } catch (IllegalArgumentException e) {
                throw new WorkloadException(e.getMessage());
            }
        }
        drain = wait;
        lost = setup.counters().counter("lost");
        reordered = setup.counters().counter("reordered");
        duplicated = setup.counters().counter("duplicated");
        late = setup.counters().counter("late");
        foreign = setup.counters().counter("foreign");
    }

    /**
     * Replies still on their way when sending stops are waited for (up to 1 s, or the timeout if
     * shorter; {@code --opt drain=...}), so that {@code lost} means lost, not merely in flight.
     */
    @Override
    public java.time.Duration drain() {
        return drain;
    }

    @Override
    public void open(ConnectionContext ctx) {
        if (ctx.payloads().minSize() < HEADER_BYTES) {
            ctx.connectFailed(new IllegalArgumentException("payload file of " + ctx.payloads().minSize()
                    + " bytes is shorter than the udp header of " + HEADER_BYTES));
            return;
        }
        UdpConnection connection = new UdpConnection(this, ctx);
        ctx.datagramBootstrap() // bound to the connection's source address, if the run has any
                // One byte over the largest datagram: a longer reply shows as a mismatch, not truncated.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxSize + 1))
                .handler(connection)
                .connect(server)
                .addListener(f -> {
                    if (f.isSuccess()) {
                        ctx.connected(connection);
                    } else {
                        ctx.connectFailed(f.cause());
                    }
                });
    }
}
