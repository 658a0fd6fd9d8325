package io.switchboard.client.load.workload.harness;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.StageCounters;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.testing.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A stand-in for the load engine in workload tests: one event loop, connections opened on
 * demand, requests sent by hand (closed loop with a pipeline), and every callback counted, so a
 * test can assert exact numbers without the engine's scheduling, timing and reconnecting.
 */
public final class WorkloadHarness implements AutoCloseable {
    /** Builds a workload from its setup (a constructor reference). */
    public interface Factory {
        Workload create(WorkloadSetup setup) throws WorkloadException;
    }

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final TransportConfig transport;
    private final LoadSettings settings;
    private final ByteBuf sharedPayload;
    private final PayloadSource payloads;
    private final StageCounters counters = new StageCounters();
    private final Workload workload;
    private final List<Conn> conns = new ArrayList<>();

    public WorkloadHarness(TransportConfig transport, LoadSettings settings, Factory factory) throws Exception {
        this.transport = transport;
        this.settings = settings;
        this.group = transport.newEventLoopGroup(1, "harness");
        this.loop = group.next();
        this.sharedPayload = PayloadSource.sharedBytes(settings.payload(), settings.seed(), PooledByteBufAllocator.DEFAULT);
        this.payloads = PayloadSource.forLoop(settings.payload(), sharedPayload, settings.seed());
        try {
            this.workload = factory.create(new WorkloadSetup(settings, Target.parse(settings.protocol(), settings.target()),
                    transport, PooledByteBufAllocator.DEFAULT, counters));
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    public Workload workload() {
        return workload;
    }

    public StageCounters counters() {
        return counters;
    }

    public long counter(String name) {
        return counters.snapshot().getOrDefault(name, -1L);
    }

    public EventLoop loop() {
        return loop;
    }

    /** Opens connection {@code index} (from {@code source}, or the system's choice) without waiting. */
    public Conn open(int index, InetAddress source) {
        Conn c = new Conn(index, source, settings.pipeline());
        synchronized (conns) {
            conns.add(c);
        }
        loop.execute(() -> {
            c.openedAtNanos = System.nanoTime();
            workload.open(c);
        });
        return c;
    }

    /** Opens connection {@code index} and waits until it is ready for requests. */
    public Conn connect(int index) throws Exception {
        Conn c = open(index, null);
        c.ready.get(10, TimeUnit.SECONDS);
        return c;
    }

    /** Runs {@code task} on the loop and waits for it. */
    public <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    /** Waits (polling, bounded) until {@code condition} holds when checked on the loop. */
    public void await(String what, BooleanSupplier condition, long timeoutMillis) throws Exception {
        Await.until(() -> what + "; " + describeOnLoop(), Duration.ofMillis(timeoutMillis),
                () -> onLoop(condition::getAsBoolean));
    }

    private String describeOnLoop() {
        try {
            return onLoop(this::describe);
        } catch (Exception e) {
            return "(no description: " + e + ")";
        }
    }

    /** Every connection's counts, for failure messages. */
    public String describe() {
        StringBuilder sb = new StringBuilder("counters ").append(counters.snapshot());
        synchronized (conns) {
            for (Conn c : conns) {
                sb.append("; connection ").append(c.index).append(": completed ").append(c.completed)
                        .append(", in flight ").append(c.inFlight()).append(", failures ").append(c.failures)
                        .append(", connection errors ").append(c.connectionErrors)
                        .append(", closed ").append(c.closedWith.isDone())
                        .append(", details ").append(c.details.size() > 5 ? c.details.subList(0, 5) : c.details);
            }
        }
        return sb.toString();
    }

    @Override
    @SuppressWarnings("try")
    public void close() throws Exception {
        if (workload != null) {
            try {
                onLoop(() -> {
                    synchronized (conns) {
                        for (Conn c : conns) {
                            if (c.connection != null) {
                                c.connection.close();
                            }
                        }
                    }
                    return null;
                });
            } finally {
                workload.close();
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        sharedPayload.release();
    }

    /** One connection's engine side, as the workload sees it. */
    public final class Conn implements ConnectionContext {
        public final int index;
        public final InetAddress source;
        public final CompletableFuture<LoadConnection> ready = new CompletableFuture<>();
        public final CompletableFuture<Throwable> closedWith = new CompletableFuture<>();
        public final Map<ErrorKind, Integer> failures = new EnumMap<>(ErrorKind.class);
        public final List<String> details = new ArrayList<>();
        public final boolean[] busy;
        public final long[] intended;
        public final long[] sent;
        /** Deliveries the workload measured itself (fan-out), and their latencies in nanoseconds. */
        public int deliveries;
        public final List<Long> deliveryLatencies = new ArrayList<>();
        public int acknowledged;
        private final int[] free;
        private int freeTop;
        public LoadConnection connection;
        public long openedAtNanos;
        public int completed;
        public int connectionErrors;
        public int readCompletes;
        public long bytesSent;
        public long bytesReceived;
        /** Requests still to send in {@link #send(int)}'s closed loop. */
        private int toSend;

        Conn(int index, InetAddress source, int pipeline) {
            this.index = index;
            this.source = source;
            busy = new boolean[pipeline];
            intended = new long[pipeline];
            sent = new long[pipeline];
            free = new int[pipeline];
            for (int i = 0; i < pipeline; i++) {
                free[i] = pipeline - 1 - i;
            }
            freeTop = pipeline;
        }

        /** Sends {@code count} requests, keeping up to the pipeline depth in flight (any thread). */
        public void send(int count) throws Exception {
            onLoop(() -> {
                toSend += count;
                pump();
                return null;
            });
        }

        private void pump() {
            boolean wrote = false;
            while (toSend > 0 && freeTop > 0 && connection != null) {
                int token = free[--freeTop];
                busy[token] = true;
                intended[token] = System.nanoTime();
                sent[token] = intended[token];
                toSend--;
                connection.send(token);
                wrote = true;
            }
            if (wrote) {
                connection.flush();
            }
        }

        public int inFlight() {
            return free.length - freeTop;
        }

        /** Requests finished (completed or failed). */
        public int settled() {
            int n = completed;
            for (int v : failures.values()) {
                n += v;
            }
            return n;
        }

        public int failures(ErrorKind kind) {
            return failures.getOrDefault(kind, 0);
        }

        /** The tokens in flight (on the loop). */
        public List<Integer> tokensInFlight() {
            List<Integer> out = new ArrayList<>();
            for (int t = 0; t < busy.length; t++) {
                if (busy[t]) {
                    out.add(t);
                }
            }
            return out;
        }

        private void release(int token) {
            if (token < 0 || token >= busy.length || !busy[token]) {
                throw new AssertionError("token " + token + " is not in flight");
            }
            busy[token] = false;
            free[freeTop++] = token;
        }

        /** Gives up on a token the way the engine does on a timeout (on the loop). */
        public void giveUp(int token) {
            release(token);
            failures.merge(ErrorKind.TIMEOUT, 1, Integer::sum);
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public Bootstrap socketBootstrap() {
            Bootstrap b = transport.configureSocket(new Bootstrap()).group(loop)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.timeout().toMillis());
            if (source != null) {
                b.localAddress(new InetSocketAddress(source, 0));
            }
            return b;
        }

        @Override
        public Bootstrap datagramBootstrap() {
            Bootstrap b = transport.configureDatagram(new Bootstrap()).group(loop)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
            if (source != null) {
                b.localAddress(new InetSocketAddress(source, 0));
            }
            return b;
        }

        @Override
        public InetAddress sourceAddress() {
            return source;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public PayloadSource payloads() {
            return payloads;
        }

        @Override
        public StageCounters counters() {
            return counters;
        }

        @Override
        public void connected(LoadConnection c) {
            connection = c;
            ready.complete(c);
        }

        @Override
        public void connectFailed(Throwable cause) {
            ready.completeExceptionally(cause);
        }

        @Override
        public void completed(int token) {
            release(token);
            completed++;
            pump();
        }

        @Override
        public void acknowledged(int token) {
            release(token);
            acknowledged++;
            pump();
        }

        @Override
        public long intendedNanos(int token) {
            if (!busy[token]) {
                throw new AssertionError("token " + token + " is not in flight");
            }
            return intended[token];
        }

        @Override
        public long sentNanos(int token) {
            if (!busy[token]) {
                throw new AssertionError("token " + token + " is not in flight");
            }
            return sent[token];
        }

        @Override
        public void delivered(long intendedNanos, long sentNanos) {
            deliveries++;
            deliveryLatencies.add(System.nanoTime() - intendedNanos);
        }

        @Override
        public void failed(int token, ErrorKind kind, String detail) {
            release(token);
            failures.merge(kind, 1, Integer::sum);
            details.add(kind + ": " + detail);
            pump();
        }

        @Override
        public void connectionError(ErrorKind kind, String detail) {
            connectionErrors++;
            details.add("connection " + kind + ": " + detail);
            if (connection != null) {
                connection.close();
            }
        }

        @Override
        public void closed(Throwable cause) {
            if (!ready.isDone()) {
                ready.completeExceptionally(cause != null ? cause : new IllegalStateException("closed before ready"));
            }
            closedWith.complete(cause);
        }

        /** The workload announced a normal close (HTTP {@code Connection: close}). */
        public volatile boolean closeExpected;

        @Override
        public void closeExpected() {
            closeExpected = true;
        }

        @Override
        public void readComplete() {
            readCompletes++;
        }

        @Override
        public void bytesSent(long bytes) {
            bytesSent += bytes;
        }

        @Override
        public void bytesReceived(long bytes) {
            bytesReceived += bytes;
        }
    }
}
