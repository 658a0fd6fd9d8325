package io.switchboard.client.load.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.result.Totals;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.StageCounters;
import io.switchboard.client.load.workload.Target;
import io.switchboard.client.load.workload.Workload;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.client.load.workload.WorkloadSetup;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.common.transport.TransportUnavailableException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one stage: opens the connections on event loops, lets each loop run its share, samples
 * every loop's recorders once per second into {@link Interval}s (merging histograms, never
 * averaging percentiles), and builds the {@link StageResult} with the tool's own health.
 */
public final class StageRunner {
    private static final Logger LOG = LogManager.getLogger(StageRunner.class);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long LEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final Progress progress;

    public StageRunner(Progress progress) {
        this.progress = progress;
    }

    /** Runs {@code s} to its end and returns what it measured. */
    public StageResult run(LoadSettings s) throws WorkloadException, StageException, InterruptedException {
        TransportConfig transport;
        try {
            transport = TransportConfig.resolve(s.transport(), s.epollMode(), LoadSettings.DEFAULT_EPOLL_MODE);
        } catch (TransportUnavailableException e) {
            throw new StageException(e.getMessage(), e);
        }
        Target target = Target.parse(s.protocol(), s.target());
        int threads = s.threads() > 0 ? s.threads()
                : Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), s.connections()));
        threads = Math.min(threads, s.connections());
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        StageCounters counters = new StageCounters();
        ByteBuf shared;
        try {
            shared = PayloadSource.sharedBytes(s.payload(), s.seed(), alloc);
        } catch (IOException e) {
            throw new WorkloadException("payload: " + e.getMessage(), e);
        }
        Workload workload = null;
        EventLoopGroup group = null;
        try {
            workload = Workloads.create(new WorkloadSetup(s, target, transport, alloc, counters));
            group = transport.newEventLoopGroup(threads, "load-" + s.protocol().id());
            return runOn(s, group, threads, workload, shared, counters, transport, alloc);
        } finally {
            if (group != null) {
                group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            }
            if (workload != null) {
                workload.close();
            }
            shared.release();
        }
    }

    private StageResult runOn(LoadSettings s, EventLoopGroup group, int threads, Workload workload, ByteBuf shared,
                              StageCounters counters, TransportConfig transport, ByteBufAllocator alloc)
            throws StageException, InterruptedException {
        Clock clock = Clock.SYSTEM;
        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
        // Each loop's share of the rate and of a request budget follows its connections that
        // send (fan-out subscribers only receive): a loop without one gets no requests.
        int[] sendersOnLoop = new int[threads];
        int senders = 0;
        for (int i = 0; i < s.connections(); i++) {
            if (workload.sends(i)) {
                sendersOnLoop[i % threads]++;
                senders++;
            }
        }
        if (senders == 0) {
            throw new StageException("no connection of this workload sends requests");
        }
        Bootstraps bootstraps = new Bootstraps(transport, alloc, (int) Math.min(Integer.MAX_VALUE, s.timeout().toMillis()));
        ErrorLog errorLog = new ErrorLog(s.name());
        CountDownLatch done = new CountDownLatch(threads);
        boolean connectIsRequest = s.connectionScale();
        long[] budgets = new long[threads];
        long assigned = 0;
        int lastSending = 0;
        for (int k = 0; k < threads; k++) {
            if (sendersOnLoop[k] > 0) {
                lastSending = k;
            }
        }
        for (int k = 0; k < threads; k++) {
            double share = (double) sendersOnLoop[k] / senders;
            if (s.requests() > 0) {
                budgets[k] = share == 0 ? 0
                        : Math.max(0, k == lastSending ? s.requests() - assigned : Math.round(s.requests() * share));
                assigned += budgets[k];
                if (budgets[k] == 0) {
                    done.countDown(); // nothing to do on this loop
                }
            }
        }
        List<LoopWorker> workers = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            EventLoop loop = loops.get(k);
            LoopWorker.Executor exec = new LoopWorker.Executor() {
                @Override
                public void execute(Runnable task) {
                    loop.execute(task);
                }

                @Override
                public void schedule(Runnable task, long delayNanos) {
                    loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                }
            };
            workers.add(new LoopWorker(plan(s, k, threads, sendersOnLoop, senders, budgets, 0, connectIsRequest), clock, exec, loop,
                    workload, PayloadSource.forLoop(s.payload(), shared, s.seed() * 17 + k), counters, bootstraps,
                    errorLog, done::countDown));
        }
        List<InetAddress> sources = s.sources();
        for (int i = 0; i < s.connections(); i++) {
            long openOffset = s.connections() <= 1 ? 0 : s.rampUp().toNanos() * i / s.connections();
            workers.get(i % threads).addConnection(i, sources.isEmpty() ? null : sources.get(i % sources.size()), openOffset);
        }
        if (s.rampUp().isZero() && !connectIsRequest) {
            // Open every connection before the clock starts, so set-up is not measured.
            for (int k = 0; k < threads; k++) {
                loops.get(k).submit(workers.get(k)::preconnect).syncUninterruptibly();
            }
            long deadline = clock.nanoTime() + s.timeout().toNanos();
            while (clock.nanoTime() - deadline < 0) {
                long settled = 0;
                for (LoopWorker w : workers) {
                    settled += w.meter().get(LoopMeter.CONNECTS) + w.meter().get(LoopMeter.CONNECT_ERRORS);
                }
                if (settled >= s.connections()) {
                    break;
                }
                Thread.sleep(2);
            }
        }
        long start = clock.nanoTime() + LEAD_NANOS;
        long warmupNanos = s.warmup().toNanos();
        long measuredFrom = start + warmupNanos;
        long stopAt = s.duration() == null ? Long.MAX_VALUE : measuredFrom + s.duration().toNanos();
        long rampNanos = rampNanos(s, start, stopAt);
        List<StagePlan> plans = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            plans.add(plan(s, k, threads, sendersOnLoop, senders, budgets, start, connectIsRequest));
        }

        Hiccups hiccups = new Hiccups(Hiccups.resolutionFor(Runtime.getRuntime().availableProcessors(), threads));
        hiccups.start();
        ThreadMXBean threadBean = ManagementFactory.getThreadMXBean();
        long cpuStart = processCpuNanos();
        List<Future<?>> started = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            LoopWorker w = workers.get(k);
            StagePlan p = plans.get(k);
            started.add(loops.get(k).submit(() -> w.start(p)));
        }
        for (Future<?> f : started) {
            f.syncUninterruptibly();
        }
        long[] loopCpuStart = new long[threads];
        for (int k = 0; k < threads; k++) {
            loopCpuStart[k] = threadCpu(threadBean, workers.get(k).thread());
        }
        long wallStartMillis = System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(start - clock.nanoTime());
        Instant measuredAt = Instant.ofEpochMilli(wallStartMillis + TimeUnit.NANOSECONDS.toMillis(warmupNanos));

        Sampler sampler = new Sampler(s, workers, start, measuredFrom, wallStartMillis, rampNanos);
        long nextBoundary = start + Math.min(SECOND, warmupNanos > 0 ? warmupNanos : SECOND);
        long giveUpAt = start + s.rampUp().toNanos() + s.timeout().toNanos() + SECOND;
        long end;
        while (true) {
            long boundary = Math.min(nextBoundary, stopAt);
            boolean finished = false;
            long wait = boundary - clock.nanoTime();
            if (wait > 0) {
                finished = done.await(wait, TimeUnit.NANOSECONDS);
            } else if (done.getCount() == 0) {
                finished = true;
            }
            long now = clock.nanoTime();
            if (finished || now - stopAt >= 0) {
                end = finished ? now : stopAt;
                break;
            }
            sampler.sample(now, warmupNanos > 0 && boundary - measuredFrom <= 0, progress);
            if (now - giveUpAt >= 0 && sampler.connects() == 0 && sampler.connectErrors() > 0) {
                stopAll(loops, workers);
                progress.end();
                hiccups.stop();
                throw new StageException("could not connect to " + s.target() + ": "
                        + sampler.connectErrors() + " failed attempts, none succeeded");
            }
            nextBoundary = nextBoundary(nextBoundary, measuredFrom);
        }
        int openAtEnd = 0;
        for (LoopWorker w : workers) {
            openAtEnd += (int) w.meter().get(LoopMeter.OPEN_CONNECTIONS);
        }
        long drain = workload.drain().toNanos();
        if (drain > 0) {
            List<Future<?>> paused = new ArrayList<>();
            for (int k = 0; k < workers.size(); k++) {
                paused.add(loops.get(k).submit(workers.get(k)::stopSending));
            }
            for (Future<?> f : paused) {
                f.syncUninterruptibly();
            }
            TimeUnit.NANOSECONDS.sleep(drain);
        }
        stopAll(loops, workers);
        workload.finish();
        long cpuEnd = processCpuNanos();
        long[] loopCpu = new long[threads];
        for (int k = 0; k < threads; k++) {
            loopCpu[k] = threadCpu(threadBean, workers.get(k).thread()) - loopCpuStart[k];
        }
        sampler.connectionsAtEnd = openAtEnd;
        sampler.sample(clock.nanoTime(), end - measuredFrom <= 0, progress);
        progress.end();
        Histogram hiccupHistogram = hiccups.stop();

        double seconds = Math.max(0, (end - Math.max(measuredFrom, start))) / 1e9;
        if (end - measuredFrom < 0) {
            seconds = 0;
        }
        Totals totals = new Totals(sampler.total(LoopMeter.COMPLETED), sampler.totalErrors(),
                sampler.total(LoopMeter.TIMED_OUT), sampler.total(LoopMeter.IN_FLIGHT_AT_END),
                sampler.total(LoopMeter.BLOCKED), sampler.total(LoopMeter.BYTES_SENT),
                sampler.total(LoopMeter.BYTES_RECEIVED), seconds);
        // Counters cover the whole stage, warm-up included (requests cross the warm-up boundary
        // between being scheduled, sent and completed), so their identities hold exactly:
        // scheduled = sent + unsent_at_end, sent = completed + request_errors + in_flight_at_end.
        Map<String, Long> allCounters = new LinkedHashMap<>();
        allCounters.put("scheduled", sampler.whole(LoopMeter.SCHEDULED));
        allCounters.put("sent", sampler.whole(LoopMeter.SENT));
        allCounters.put("completed", sampler.whole(LoopMeter.COMPLETED));
        allCounters.put("request_errors", sampler.whole(LoopMeter.REQUEST_ERRORS));
        allCounters.put("in_flight_at_end", sampler.whole(LoopMeter.IN_FLIGHT_AT_END));
        allCounters.put("unsent_at_end", sampler.whole(LoopMeter.UNSENT_AT_END));
        allCounters.put("connects", sampler.whole(LoopMeter.CONNECTS));
        allCounters.put("connect_errors", sampler.whole(LoopMeter.CONNECT_ERRORS));
        allCounters.putAll(counters.snapshot());

        long wallNanos = Math.max(1, end - start);
        double cpuPercent = (cpuEnd - cpuStart) * 100.0 / wallNanos;
        double busiestLoop = 0;
        for (long c : loopCpu) {
            busiestLoop = Math.max(busiestLoop, c * 100.0 / wallNanos);
        }
        // Fan-out completes one request per delivery; its achieved rate is publishes per second.
        double achieved = s.fanOut()
                ? (totals.seconds() <= 0 ? 0 : sampler.total(LoopMeter.SENT) / totals.seconds())
                : totals.rate();
        double target = s.openLoop() ? meanRate(s, rampNanos, measuredFrom - start, end - start) : 0;
        SelfCheck self = selfCheck(s, senders, target, achieved, totals, sampler.sendLag, sampler.serviceTime,
                cpuPercent, busiestLoop, hiccupHistogram, TimeUnit.NANOSECONDS.toMicros(hiccups.resolutionNanos()));
        long failedOpens = sampler.whole(LoopMeter.CONNECT_ERRORS);
        if (failedOpens > 0) {
            // Each failed open (refused, reset, or a handshake such as Socket.IO's CONNECT not
            // answered within --timeout) is retried with a backoff from 50 ms: the server got
            // that many more handshakes than connections, and a lagging one more load, not less.
            self = self.withFinding(failedOpens + " connection attempt" + (failedOpens == 1 ? "" : "s")
                    + " failed (refused, reset, or the handshake not answered within the timeout) and "
                    + (failedOpens == 1 ? "was" : "were") + " retried with backoff while the run lasted: "
                    + sampler.whole(LoopMeter.CONNECTS) + " opened, so the server got up to " + failedOpens
                    + " more handshake" + (failedOpens == 1 ? "" : "s") + " than connections; a lagging server gets more load, not less");
        }
        return new StageResult(s.name(), s.describe(), measuredAt, totals, sampler.latency, sampler.serviceTime,
                sampler.sendLag, List.copyOf(sampler.intervals), sampler.errorMap(), allCounters, self);
    }

    private static long rampNanos(LoadSettings s, long start, long stopAt) {
        if (s.rateFrom() < 0) {
            return 0;
        }
        if (!s.rateRamp().isZero()) {
            return s.rateRamp().toNanos();
        }
        return stopAt == Long.MAX_VALUE ? 0 : stopAt - start;
    }

    /**
     * Loop {@code k}'s share of the stage: its sending connections' share of the rate and the
     * budget. A loop without a sending connection gets neither: no schedule, and in a
     * request-bounded stage it counts as done from the start.
     */
    private static StagePlan plan(LoadSettings s, int k, int threads, int[] sendersOnLoop, int senders, long[] budgets,
                                  long start, boolean connectIsRequest) {
        double share = (double) sendersOnLoop[k] / senders;
        long measuredFrom = start + s.warmup().toNanos();
        long stopAt = s.duration() == null ? Long.MAX_VALUE : measuredFrom + s.duration().toNanos();
        ArrivalSchedule schedule = null;
        if (s.openLoop() && share > 0) {
            double from = s.rateFrom() < 0 ? s.rate() : s.rateFrom();
            schedule = new ArrivalSchedule(from * share, s.rate() * share, rampNanos(s, start, stopAt), s.arrivals(),
                    s.seed() * 31 + k, (double) k / threads);
        }
        long budget = budgets[k];
        return new StagePlan(start, measuredFrom, stopAt, s.rampUp().toNanos(), s.timeout().toNanos(), s.pipeline(),
                schedule == null ? budget : 0, schedule, schedule == null ? 0 : budget, connectIsRequest);
    }

    /** Boundaries every second from the start, with one exactly at the end of the warm-up. */
    private static long nextBoundary(long previous, long measuredFrom) {
        long next = previous + SECOND;
        if (previous - measuredFrom < 0 && next - measuredFrom > 0) {
            return measuredFrom;
        }
        return next;
    }

    private static void stopAll(List<EventLoop> loops, List<LoopWorker> workers) {
        List<Future<?>> stopped = new ArrayList<>();
        for (int k = 0; k < workers.size(); k++) {
            stopped.add(loops.get(k).submit(workers.get(k)::stop));
        }
        for (Future<?> f : stopped) {
            f.syncUninterruptibly();
        }
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return Math.max(0, sun.getProcessCpuTime());
        }
        return 0;
    }

    private static long threadCpu(ThreadMXBean bean, Thread t) {
        if (t == null || !bean.isThreadCpuTimeSupported()) {
            return 0;
        }
        return Math.max(0, bean.getThreadCpuTime(t.getId()));
    }

    /**
     * The mean target rate between {@code fromNanos} and {@code toNanos} after the stage start:
     * the rate itself when constant, the ramp's average over that span when ramped.
     */
    static double meanRate(LoadSettings s, long rampNanos, long fromNanos, long toNanos) {
        double r1 = s.rate();
        if (s.rateFrom() < 0 || rampNanos <= 0) {
            return r1;
        }
        double r0 = s.rateFrom();
        double a = Math.max(0, fromNanos) / 1e9;
        double b = Math.max(0, toNanos) / 1e9;
        double ramp = rampNanos / 1e9;
        if (b <= a) {
            return r0 + (r1 - r0) * Math.min(1, a / ramp);
        }
        return (count(r0, r1, ramp, b) - count(r0, r1, ramp, a)) / (b - a);
    }

    /** Expected requests from 0 to {@code t} seconds of a rate ramped from r0 to r1 over {@code ramp}. */
    private static double count(double r0, double r1, double ramp, double t) {
        if (t <= ramp) {
            return r0 * t + (r1 - r0) * t * t / (2 * ramp);
        }
        return (r0 + r1) / 2 * ramp + r1 * (t - ramp);
    }

    /**
     * The tool's verdict on itself. The tool limited a stage only when it was busy (an event loop
     * at 90% or more), or when it sent late although connections were free (send lag without
     * blocked requests: its schedule ran late, e.g. paused by GC or the OS). Requests that were
     * late because they waited for a free connection were held back by the connections' slots
     * (sending connections x pipeline) at the server's service time: that is named as the cause,
     * not the tool.
     *
     * @param senders  connections that send requests (fan-out: the publishers)
     * @param target   the mean target rate over the measured part, 0 in closed loop
     * @param achieved the achieved rate in the same unit (fan-out: publishes sent per second)
     */
    static SelfCheck selfCheck(LoadSettings s, int senders, double target, double achieved, Totals totals,
                               Histogram sendLag, Histogram serviceTime, double cpuPercent, double busiestLoop,
                               Histogram hiccups, long hiccupResolutionMicros) {
        List<String> findings = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        long sendLagP99 = sendLag.getTotalCount() == 0 ? 0 : sendLag.getValueAtPercentile(99);
        double meanServiceSeconds = serviceTime.getTotalCount() == 0 ? 0 : serviceTime.getMean() / 1e6;
        double needed = s.openLoop() ? target * meanServiceSeconds / s.pipeline() : 0;
        boolean loopSaturated = busiestLoop >= 90;
        boolean behind = s.openLoop() && achieved < 0.95 * target;
        boolean lagging = sendLagP99 > 1000;
        boolean waited = totals.blocked() > 0;
        boolean toolBound = loopSaturated && (behind || !s.openLoop()) || behind && lagging && !waited && !(needed > senders);
        if (loopSaturated) {
            findings.add(String.format(Locale.ROOT,
                    "an event loop thread of the tool was busy %.0f%% of the time: the tool, not only the server, limited this run"
                            + "%s", busiestLoop, s.threads() == 0 && cores > 1 ? "" : " (more --threads may help)"));
        }
        if (behind) {
            findings.add(String.format(Locale.ROOT, "achieved %.0f %s of the %.0f %s target (%.0f%%)",
                    achieved, unit(s), target, unit(s), target == 0 ? 0 : achieved * 100 / target));
            if (!toolBound && waited) {
                findings.add(String.format(Locale.ROOT,
                        "the rate was held back by free connection slots, not by the tool (busiest event loop %.0f%%): "
                                + "%d requests waited for one of %d sending connection%s x pipeline %d, at %s mean service time",
                        busiestLoop, totals.blocked(), senders, senders == 1 ? "" : "s", s.pipeline(),
                        Progress.formatMicros((long) (meanServiceSeconds * 1e6))));
            } else if (!toolBound && !lagging) {
                findings.add("the tool sent on schedule (send lag p99 " + Progress.formatMicros(sendLagP99)
                        + "); the server completed fewer requests than were sent (see errors, timeouts and in flight)");
            }
        }
        if (lagging) {
            findings.add((waited && !toolBound ? "requests left late, after waiting for a free connection"
                    : "the tool fell behind its schedule") + ": send lag p99 " + Progress.formatMicros(sendLagP99));
        }
        if (s.openLoop() && needed > senders) {
            findings.add(String.format(Locale.ROOT,
                    "%d sending connections x pipeline %d cannot carry %.0f req/s at %s mean service time; Little's law needs %.0f connections",
                    senders, s.pipeline(), target, Progress.formatMicros((long) (meanServiceSeconds * 1e6)),
                    Math.ceil(needed)));
        }
        if (totals.blocked() > 0) {
            findings.add(totals.blocked() + " requests waited for a free connection; the wait is in their latency");
        }
        long hiccupMax = hiccups.getTotalCount() == 0 ? 0 : hiccups.getMaxValue();
        if (hiccupMax > 10_000) {
            findings.add("the tool's JVM stalled for up to " + Progress.formatMicros(hiccupMax)
                    + " (GC or the OS); such stalls are in the latency figures");
        }
        return new SelfCheck(cpuPercent, cores, target, achieved, sendLagP99, hiccupMax,
                hiccups.getTotalCount() == 0 ? 0 : hiccups.getValueAtPercentile(99), hiccupResolutionMicros, needed, toolBound,
                List.copyOf(findings));
    }

    private static String unit(LoadSettings s) {
        return s.fanOut() ? "publishes/s" : "req/s";
    }

    /** Reads every loop's recorders and counters at interval boundaries (on the calling thread). */
    static final class Sampler {
        private final LoadSettings s;
        private final List<LoopWorker> workers;
        private final long start;
        private final long measuredFrom;
        private final long wallStartMillis;
        private final long rampNanos;
        private final long[] last = new long[LoopMeter.SIZE];
        private final long[] lastErrors = new long[ErrorKind.values().length];
        private final long[] totals = new long[LoopMeter.SIZE];
        private final long[] totalErrors = new long[ErrorKind.values().length];
        final Histogram latency = LoopMeter.newHistogram();
        final Histogram serviceTime = LoopMeter.newHistogram();
        final Histogram sendLag = LoopMeter.newHistogram();
        final List<Interval> intervals = new ArrayList<>();
        private long intervalStart;
        /** Connections open just before the stop, reported for the last interval; -1 = read them. */
        int connectionsAtEnd = -1;

        Sampler(LoadSettings s, List<LoopWorker> workers, long start, long measuredFrom, long wallStartMillis,
                long rampNanos) {
            this.s = s;
            this.workers = workers;
            this.start = start;
            this.measuredFrom = measuredFrom;
            this.wallStartMillis = wallStartMillis;
            this.rampNanos = rampNanos;
            this.intervalStart = start;
        }

        void sample(long now, boolean warmup, Progress progress) {
            Histogram lat = LoopMeter.newHistogram();
            Histogram svc = LoopMeter.newHistogram();
            Histogram lag = LoopMeter.newHistogram();
            long[] current = new long[LoopMeter.SIZE];
            long[] errors = new long[ErrorKind.values().length];
            int connections = 0;
            // Each loop takes its own snapshot between two of its tasks, so an interval's
            // histograms and counters describe exactly the same requests.
            List<Future<LoopMeter.Snapshot>> futures = new ArrayList<>();
            for (LoopWorker w : workers) {
                futures.add(w.eventLoop().submit(() -> w.meter().snapshot()));
            }
            for (int k = 0; k < workers.size(); k++) {
                LoopMeter.Snapshot snap = futures.get(k).awaitUninterruptibly(5, TimeUnit.SECONDS)
                        && futures.get(k).isSuccess() ? futures.get(k).getNow() : workers.get(k).meter().snapshot();
                lat.add(snap.latency());
                svc.add(snap.serviceTime());
                lag.add(snap.sendLag());
                for (int i = 0; i < LoopMeter.SIZE; i++) {
                    current[i] += snap.counters()[i];
                }
                for (int i = 0; i < errors.length; i++) {
                    errors[i] += snap.errors()[i];
                }
            }
            connections = connectionsAtEnd >= 0 ? connectionsAtEnd : (int) current[LoopMeter.OPEN_CONNECTIONS];
            long[] delta = new long[LoopMeter.SIZE];
            for (int i = 0; i < LoopMeter.SIZE; i++) {
                delta[i] = current[i] - last[i];
            }
            long errorDelta = 0;
            long[] errorDeltas = new long[errors.length];
            for (int i = 0; i < errors.length; i++) {
                errorDeltas[i] = errors[i] - lastErrors[i];
                errorDelta += errorDeltas[i];
            }
            System.arraycopy(current, 0, last, 0, LoopMeter.SIZE);
            System.arraycopy(errors, 0, lastErrors, 0, errors.length);
            long startMs = TimeUnit.NANOSECONDS.toMillis(intervalStart - measuredFrom);
            long endMs = TimeUnit.NANOSECONDS.toMillis(now - measuredFrom);
            long wallMs = wallStartMillis + TimeUnit.NANOSECONDS.toMillis(measuredFrom - start);
            lat.setStartTimeStamp(wallMs + startMs);
            lat.setEndTimeStamp(wallMs + endMs);
            double mid = ((intervalStart + now) / 2.0 - start);
            Interval interval = new Interval(startMs, endMs, warmup, delta[LoopMeter.COMPLETED], errorDelta,
                    delta[LoopMeter.BYTES_SENT], delta[LoopMeter.BYTES_RECEIVED], connections, rateAt(mid), lat);
            intervals.add(interval);
            if (!warmup) {
                latency.add(lat);
                serviceTime.add(svc);
                sendLag.add(lag);
                for (int i = 0; i < LoopMeter.SIZE; i++) {
                    totals[i] += delta[i];
                }
                for (int i = 0; i < errors.length; i++) {
                    totalErrors[i] += errorDeltas[i];
                }
            }
            progress.interval(s.name(), (now - start) / 1e9, warmup, interval.rate(),
                    lat.getTotalCount() == 0 ? 0 : lat.getValueAtPercentile(99), errorDelta, connections);
            intervalStart = now;
        }

        private double rateAt(double offsetNanos) {
            if (!s.openLoop()) {
                return 0;
            }
            if (s.rateFrom() < 0 || rampNanos == 0 || offsetNanos >= rampNanos) {
                return s.rate();
            }
            return s.rateFrom() + (s.rate() - s.rateFrom()) * offsetNanos / rampNanos;
        }

        long total(int counter) {
            return totals[counter];
        }

        long totalErrors() {
            long sum = 0;
            for (long e : totalErrors) {
                sum += e;
            }
            return sum;
        }

        /** A counter over the whole stage, warm-up included. */
        long whole(int counter) {
            return last[counter];
        }

        long connects() {
            return last[LoopMeter.CONNECTS];
        }

        long connectErrors() {
            return last[LoopMeter.CONNECT_ERRORS];
        }

        Map<ErrorKind, Long> errorMap() {
            Map<ErrorKind, Long> m = new EnumMap<>(ErrorKind.class);
            for (ErrorKind k : ErrorKind.values()) {
                if (totalErrors[k.ordinal()] > 0) {
                    m.put(k, totalErrors[k.ordinal()]);
                }
            }
            return m;
        }
    }
}
