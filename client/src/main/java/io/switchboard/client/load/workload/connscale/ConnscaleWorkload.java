package io.switchboard.client.load.workload.connscale;

import io.netty.bootstrap.Bootstrap;
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
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Connection scale: open many connections, hold them, optionally keep each alive with a
 * heartbeat, and count how many opened, how fast, and how many survived. The engine opens the
 * connections on its ramp-up schedule and records each open as the stage's measured request
 * (latency: scheduled open time to ready); this workload makes each connection, keeps it, and
 * counts:
 *
 * <ul>
 *   <li>{@code opened}: connections that became ready (a reconnect after a drop counts again);</li>
 *   <li>{@code closed_early}: connections the server or the network closed during the stage;</li>
 *   <li>{@code survived}: connections still open when the stage ended;</li>
 *   <li>{@code open_rate}: connections per second from the first open to the last;</li>
 *   <li>{@code source_addresses}: local addresses the connections were spread over;</li>
 *   <li>{@code heartbeats_sent}, {@code heartbeats_answered}: PINGs (framed) or one-byte echoes
 *       (raw) every {@code heartbeat} on each connection.</li>
 * </ul>
 *
 * <p>Options: {@code handshake=framed|raw} (framed: HELLO, ready at WELCOME; raw: ready when
 * the TCP connection is), {@code heartbeat=DURATION} (default off), {@code ports_per_address=N}
 * (default: the ephemeral port range less a reserve; see {@link SourceAddresses}).
 */
public final class ConnscaleWorkload implements Workload {
    /** Open files the process keeps for itself beyond the connections (jars, epoll, pipes, logs). */
    static final int RESERVED_FILES = 64;

    final boolean framed;
    final long heartbeatNanos;
    final String token;
    final int maxFrameLength;
    private final InetSocketAddress server;
    private final SourceAddresses plan;
    private final LoadTls tls;

    final LongAdder opened;
    final LongAdder closedEarly;
    final LongAdder survived;
    final LongAdder heartbeatsSent;
    final LongAdder heartbeatsAnswered;
    private final LongAdder openRate;
    private final AtomicLong firstOpenNanos = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastOpenNanos = new AtomicLong(Long.MIN_VALUE);

    public ConnscaleWorkload(WorkloadSetup setup) throws WorkloadException {
        LoadSettings s = setup.settings();
        tls = setup.tls();
        String handshake = s.options().getOrDefault("handshake", "framed").toLowerCase(Locale.ROOT);
        if (!handshake.equals("framed") && !handshake.equals("raw")) {
            throw new WorkloadException("handshake: " + handshake + " (expected: framed or raw)");
        }
        framed = handshake.equals("framed");
        heartbeatNanos = heartbeat(s.options().get("heartbeat"));
        token = s.token();
        maxFrameLength = Wire.DEFAULT_MAX_FRAME_LENGTH;
        InetAddress address;
        try {
            address = InetAddress.getByName(setup.target().host());
        } catch (UnknownHostException e) {
            throw new WorkloadException("target: " + setup.target().host() + " cannot be resolved", e);
        }
        server = new InetSocketAddress(address, setup.target().port());
        int portsPerAddress = intOption(s, "ports_per_address", 0);
        checkOpenFiles(s.connections());
        if (s.sources().isEmpty()) {
            try {
                plan = SourceAddresses.plan(s.connections(), address, portsPerAddress);
            } catch (IllegalArgumentException e) {
                throw new WorkloadException(e.getMessage() + "; or give source addresses with --source");
            }
        } else {
            plan = null; // the engine spreads connections over the given sources
        }
        opened = setup.counters().counter("opened");
        closedEarly = setup.counters().counter("closed_early");
        survived = setup.counters().counter("survived");
        openRate = setup.counters().counter("open_rate");
        setup.counters().counter("source_addresses").add(plan == null ? s.sources().size() : plan.addresses());
        if (heartbeatNanos > 0) {
            heartbeatsSent = setup.counters().counter("heartbeats_sent");
            heartbeatsAnswered = setup.counters().counter("heartbeats_answered");
        } else {
            heartbeatsSent = new LongAdder();
            heartbeatsAnswered = new LongAdder();
        }
    }

    private static long heartbeat(String text) throws WorkloadException {
        if (text == null || text.isBlank() || text.equals("0") || text.equalsIgnoreCase("off")) {
            return 0;
        }
        Duration d;
        try {
            d = Values.duration("heartbeat", text);
        } catch (IllegalArgumentException e) {
            throw new WorkloadException(e.getMessage());
        }
        if (d.toMillis() < 10) {
            throw new WorkloadException("heartbeat: " + text + " (expected: off, or 10ms or more)");
        }
        return d.toNanos();
    }

    private static int intOption(LoadSettings s, String key, int fallback) throws WorkloadException {
        String v = s.options().get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new WorkloadException(key + ": " + v + " (expected: a whole number, 0 or more)");
    }

    /** Fails early, with the number, when the connections cannot fit under the open-files limit. */
    static void checkOpenFiles(int connections) throws WorkloadException {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            long open = unix.getOpenFileDescriptorCount();
            if ((long) connections + open + RESERVED_FILES > max) {
                throw new WorkloadException("connections: " + connections + " (expected: at most "
                        + Math.max(0, max - open - RESERVED_FILES) + ": this process may open " + max
                        + " files and has " + open + " open; raise ulimit -n or run several processes)");
            }
        }
    }

    /** The local address connection {@code index} binds, or null (the system's or the engine's choice). */
    InetSocketAddress localAddress(int index) {
        return plan == null ? null : plan.localAddress(index);
    }

    @Override
    public void open(ConnectionContext ctx) {
        ConnscaleConnection connection = new ConnscaleConnection(this, ctx);
        Bootstrap b = ctx.socketBootstrap();
        InetSocketAddress local = localAddress(ctx.index());
        if (local != null) {
            b.localAddress(local);
        }
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (framed) {
                    ch.pipeline().addLast(FRAME_DECODER, new FrameDecoder(maxFrameLength + 10))
                            .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE);
                }
                ch.pipeline().addLast(HANDLER, connection);
                if (tls != null) {
                    tls.addFirst(ch.pipeline(), ctx);
                }
            }
        });
        b.connect(server).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.connectFailed(f.cause());
            }
        });
    }

    static final String FRAME_DECODER = "frame-decoder";
    static final String FRAME_ENCODER = "frame-encoder";
    static final String HANDLER = "connscale";

    /** A connection became ready. */
    void onOpened() {
        opened.increment();
        long now = System.nanoTime();
        firstOpenNanos.accumulateAndGet(now, Math::min);
        lastOpenNanos.accumulateAndGet(now, Math::max);
    }

    @Override
    public void finish() {
        long first = firstOpenNanos.get();
        long last = lastOpenNanos.get();
        long n = opened.sum();
        if (n > 1 && last > first) {
            openRate.add(Math.round((n - 1) * 1e9 / (last - first)));
        }
    }
}
