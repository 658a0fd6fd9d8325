package io.switchboard.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that misbehaves on purpose, for tests: one per test, closed after it.
 * Put it between a client and a server (or a server and Redis) and choose the faults:
 *
 * <ul>
 * <li>{@link #delay}: each chunk read in a direction is forwarded after a delay plus a random
 *     jitter, drawn per chunk and per connection, so a connection's bytes keep their order (TCP
 *     does) while events on different connections reorder;</li>
 * <li>{@link #chunking}: every write is split at random boundaries into pieces of 1 to N bytes,
 *     each flushed by itself;</li>
 * <li>{@link #stall}: nothing is forwarded on the open connections for a while, then everything
 *     held resumes in order;</li>
 * <li>{@link #blackout}: nothing is forwarded on any connection, including closes (no FIN, no
 *     RST): a silently dead path. New connections are accepted and held too. {@link #heal} ends
 *     it, as a route coming back would: what was held flows again, closes included. Without a
 *     heal the path stays dead until {@link #close};</li>
 * <li>{@link #blackoutOpenConnections}: the same for the connections open now only, for good;
 *     new connections pass (a NAT that lost a flow);</li>
 * <li>{@link #reset}: every open connection is aborted with an RST both ways (SO_LINGER 0).</li>
 * </ul>
 *
 * Everything runs on one NIO event loop of its own; held bytes are kept in memory (tests send
 * little) and released on close.
 */
public final class FaultProxy implements AutoCloseable {
    /** Which way bytes travel: from the connecting client to the target, or back. */
    public enum Direction {
        TO_TARGET,
        TO_CLIENT
    }

    private static final Object CLOSE = new Object();

    private final InetSocketAddress target;
    private final NioEventLoopGroup group = new NioEventLoopGroup(1, new io.netty.util.concurrent.DefaultThreadFactory(
            "fault-proxy", true));
    private final EventLoop loop = group.next();
    private final Channel listener;
    private final Random random;
    private final Set<Pipe> pipes = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    // Settings, read and written on the event loop only.
    private final long[] delayNanos = new long[2];
    private final long[] jitterNanos = new long[2];
    private int maxChunk;
    private boolean blackout;

    private FaultProxy(InetSocketAddress target, long seed) throws InterruptedException {
        this.target = target;
        this.random = new Random(seed);
        listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        new Pipe(ch);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    /** Starts a proxy on an ephemeral loopback port that forwards to {@code target}, faultless until told. */
    public static FaultProxy start(InetSocketAddress target) throws InterruptedException {
        return start(target, System.nanoTime());
    }

    /** Like {@link #start(InetSocketAddress)} with the seed of its random choices, to replay a run. */
    public static FaultProxy start(InetSocketAddress target, long seed) throws InterruptedException {
        if (!target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("target: " + target + " (expected: a loopback address)");
        }
        return new FaultProxy(target, seed);
    }

    /** Where clients connect. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Forwards each chunk travelling {@code direction} after {@code base} plus up to {@code jitter}. */
    public FaultProxy delay(Direction direction, Duration base, Duration jitter) {
        return on(() -> {
            delayNanos[direction.ordinal()] = base.toNanos();
            jitterNanos[direction.ordinal()] = jitter.toNanos();
        });
    }

    /** Splits every write, both ways, into pieces of 1 to {@code maxBytes} bytes; 0 switches it off. */
    public FaultProxy chunking(int maxBytes) {
        return on(() -> maxChunk = maxBytes);
    }

    /** Forwards nothing on the connections open now, either way, for {@code duration}; then resumes. */
    public FaultProxy stall(Duration duration) {
        return on(() -> {
            long until = System.nanoTime() + duration.toNanos();
            for (Pipe pipe : pipes) {
                for (Leg leg : pipe.legs) {
                    leg.stalledUntil = Math.max(leg.stalledUntil, until);
                }
            }
        });
    }

    /** Starts a blackout: nothing forwarded, no FIN, no RST, on every connection, until {@link #heal}. */
    public FaultProxy blackout() {
        return on(() -> blackout = true);
    }

    /**
     * Blacks out the connections open now, for good, and only them: new connections pass. A NAT
     * or firewall that dropped its state for a flow behaves so; {@link #heal} does not end it.
     */
    public FaultProxy blackoutOpenConnections() {
        return on(() -> {
            for (Pipe pipe : pipes) {
                pipe.dead = true;
            }
        });
    }

    /** Ends a blackout (and stalls): what was held is forwarded, in order, closes included. */
    public FaultProxy heal() {
        return on(() -> {
            blackout = false;
            for (Pipe pipe : pipes) {
                for (Leg leg : pipe.legs) {
                    leg.stalledUntil = 0;
                    leg.pump();
                }
            }
        });
    }

    /** Aborts every open connection with an RST to both ends (SO_LINGER 0, then close). */
    public FaultProxy reset() {
        return on(() -> {
            for (Pipe pipe : List.copyOf(pipes)) {
                pipe.abort();
            }
        });
    }

    /** Connections accepted so far. */
    public long accepted() {
        return accepted.get();
    }

    /** Connection pairs open now. */
    public int open() {
        return pipes.size();
    }

    /** Writes made so far, both ways (each chunk is one). */
    public long writes() {
        return writes.get();
    }

    /** Closes every connection (with an RST) and the listener, and releases whatever was held. */
    @Override
    public void close() {
        try {
            if (!group.isShuttingDown()) {
                reset();
                listener.close().syncUninterruptibly();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private FaultProxy on(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
        return this;
    }

    private <T> T call(Callable<T> action) {
        try {
            return loop.submit(action).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("fault proxy: " + e, e);
        }
    }

    /** One proxied connection: the accepted channel and the one to the target. */
    private final class Pipe {
        final Channel client;
        Channel server;
        final Leg[] legs = new Leg[2];
        /** This connection's own share of the jitter, so connections differ from each other. */
        final double skew = random.nextDouble();
        boolean aborted;
        /** Blacked out for good ({@link #blackoutOpenConnections}). */
        boolean dead;

        Pipe(Channel client) {
            this.client = client;
            accepted.incrementAndGet();
            pipes.add(this);
            legs[Direction.TO_TARGET.ordinal()] = new Leg(this, Direction.TO_TARGET);
            legs[Direction.TO_CLIENT.ordinal()] = new Leg(this, Direction.TO_CLIENT);
            client.pipeline().addLast(new Reader(legs[Direction.TO_TARGET.ordinal()]));
            client.closeFuture().addListener(f -> closedOne());
            new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new Reader(legs[Direction.TO_CLIENT.ordinal()]))
                    .connect(target).addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            client.close();
                            return;
                        }
                        server = f.channel();
                        server.closeFuture().addListener(c -> closedOne());
                        client.read();
                        server.read();
                    });
        }

        /** Forgets the pair once both ends are closed: a close held by a blackout still needs it. */
        void closedOne() {
            if (!client.isOpen() && (server == null || !server.isOpen())) {
                pipes.remove(this);
            }
        }

        Channel source(Direction d) {
            return d == Direction.TO_TARGET ? client : server;
        }

        Channel destination(Direction d) {
            return d == Direction.TO_TARGET ? server : client;
        }

        void abort() {
            aborted = true;
            for (Channel ch : new Channel[] {client, server}) {
                if (ch != null && ch.isOpen()) {
                    ch.config().setOption(ChannelOption.SO_LINGER, 0);
                    ch.close();
                }
            }
            for (Leg leg : legs) {
                leg.release();
            }
            pipes.remove(this);
        }
    }

    private static final class Held {
        final long due;
        final Object item;

        Held(long due, Object item) {
            this.due = due;
            this.item = item;
        }
    }

    /** One direction of a pipe: what was read from its source, held until due and not gated. */
    private final class Leg {
        final Pipe pipe;
        final Direction direction;
        final ArrayDeque<Held> held = new ArrayDeque<>();
        long lastDue;
        long stalledUntil;
        boolean pumpScheduled;
        boolean done;

        Leg(Pipe pipe, Direction direction) {
            this.pipe = pipe;
            this.direction = direction;
        }

        void add(Object item) {
            int d = direction.ordinal();
            long jitter = jitterNanos[d] == 0 ? 0
                    : (long) (jitterNanos[d] * (pipe.skew + random.nextDouble()) / 2);
            long due = Math.max(System.nanoTime() + delayNanos[d] + jitter, lastDue);
            lastDue = due;
            held.add(new Held(due, item));
            pump();
        }

        void pump() {
            if (pipe.aborted || done) {
                release();
                return;
            }
            long now = System.nanoTime();
            if (blackout || pipe.dead) {
                return; // heal() pumps again; a dead pipe stays so
            }
            if (stalledUntil > now) {
                later(stalledUntil - now);
                return;
            }
            while (!held.isEmpty()) {
                Held next = held.peek();
                if (next.due > now) {
                    later(next.due - now);
                    return;
                }
                held.poll();
                forward(next.item);
                if (done) {
                    release();
                    return;
                }
            }
            Channel source = pipe.source(direction);
            Channel destination = pipe.destination(direction);
            if (source != null && destination != null && destination.isWritable()) {
                source.read();
            }
        }

        private void later(long nanos) {
            if (!pumpScheduled) {
                pumpScheduled = true;
                loop.schedule(() -> {
                    pumpScheduled = false;
                    pump();
                }, nanos, TimeUnit.NANOSECONDS);
            }
        }

        private void forward(Object item) {
            Channel destination = pipe.destination(direction);
            if (item == CLOSE) {
                done = true;
                destination.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ByteBuf buf = (ByteBuf) item;
            if (maxChunk <= 0) {
                writes.incrementAndGet();
                destination.writeAndFlush(buf);
                return;
            }
            while (buf.isReadable()) {
                int n = Math.min(buf.readableBytes(), 1 + random.nextInt(maxChunk));
                writes.incrementAndGet();
                destination.writeAndFlush(buf.readRetainedSlice(n));
            }
            buf.release();
        }

        void release() {
            Held h;
            while ((h = held.poll()) != null) {
                ReferenceCountUtil.release(h.item);
            }
        }
    }

    /** Reads one side of a pipe into its leg; reads again only once the leg has forwarded it all. */
    private static final class Reader extends ChannelInboundHandlerAdapter {
        private final Leg leg;

        Reader(Leg leg) {
            this.leg = leg;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (leg.pipe.aborted || leg.done) {
                ReferenceCountUtil.release(msg);
                return;
            }
            leg.add(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // pump() asks for the next read once this one is forwarded
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                leg.pipe.legs[1 - leg.direction.ordinal()].pump(); // the leg writing to this channel
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!leg.pipe.aborted && !leg.done) {
                leg.add(CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset from this side: forwarded as a close once due
        }
    }

    /** Test-only diagnostics: what the proxy holds, by direction. */
    @Override
    public String toString() {
        return call(() -> {
            List<String> parts = new ArrayList<>();
            for (Pipe pipe : pipes) {
                parts.add(pipe.legs[0].held.size() + "/" + pipe.legs[1].held.size());
            }
            return "FaultProxy[" + address() + " -> " + target + ", blackout=" + blackout + ", held " + parts + "]";
        });
    }
}
