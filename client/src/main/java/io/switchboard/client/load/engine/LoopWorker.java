package io.switchboard.client.load.engine;

import io.netty.channel.EventLoop;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import io.switchboard.client.load.workload.StageCounters;
import io.switchboard.client.load.workload.Workload;
import java.net.ConnectException;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs one event loop's share of a stage: its connections, its part of the schedule, its
 * measurements. Every method runs on that event loop (the tests call them from one thread with
 * a fake {@link Clock} and a manual {@link Executor}), so nothing here is locked.
 *
 * <p>Closed loop: every open connection keeps {@code pipeline} requests in flight, sending the
 * next as soon as one completes; intended time = sent time. Open loop: a self-rescheduling tick
 * releases every request whose intended time has passed ({@link OpenLoopScheduler}) onto
 * connections with a free slot, round robin; requests that find none wait in the backlog and go
 * out, with their original intended time, as slots free up.
 */
final class LoopWorker {
    private static final Logger LOG = LogManager.getLogger(LoopWorker.class);

    /** How the worker schedules its own tasks: the event loop, or a test's manual queue. */
    interface Executor {
        void execute(Runnable task);

        void schedule(Runnable task, long delayNanos);
    }

    /** Most requests one tick releases before yielding to I/O. */
    static final int MAX_BATCH = 1024;
    /** Shortest gap between open-loop ticks: below it requests are batched, not timed one by one. */
    static final long MIN_TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long RECONNECT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    private StagePlan plan;
    private final Clock clock;
    private final Executor exec;
    private final EventLoop eventLoop;
    private final Workload workload;
    private final PayloadSource payloads;
    private final StageCounters counters;
    private final Bootstraps bootstraps;
    private final ErrorLog errorLog;
    private final Runnable onDone;
    private final LoopMeter meter = new LoopMeter();
    private final List<Conn> conns = new ArrayList<>();
    private final List<Long> openAt = new ArrayList<>();
    private final ArrayDeque<Conn> ready = new ArrayDeque<>();
    private final ArrayList<Conn> dirty = new ArrayList<>();
    private final Runnable tick = this::tick;
    private final OpenLoopScheduler.Dispatcher dispatcher = this::trySend;
    private OpenLoopScheduler scheduler;
    private boolean running;
    private boolean preconnecting;
    private boolean stopped;
    private boolean done;
    private long closedBudgetLeft;
    private int inFlight;
    private volatile Thread thread;

    LoopWorker(StagePlan plan, Clock clock, Executor exec, EventLoop eventLoop, Workload workload,
               PayloadSource payloads, StageCounters counters, Bootstraps bootstraps, ErrorLog errorLog,
               Runnable onDone) {
        this.plan = plan;
        this.clock = clock;
        this.exec = exec;
        this.eventLoop = eventLoop;
        this.workload = workload;
        this.payloads = payloads;
        this.counters = counters;
        this.bootstraps = bootstraps;
        this.errorLog = errorLog;
        this.onDone = onDone;
        this.closedBudgetLeft = plan.closedBudget();
    }

    /**
     * Adds a connection slot (before {@link #start}) to be opened {@code openOffsetNanos} after
     * the stage start (its place in the ramp-up).
     */
    void addConnection(int index, InetAddress source, long openOffsetNanos) {
        conns.add(new Conn(this, index, source, plan.pipeline()));
        openAt.add(openOffsetNanos);
    }

    /**
     * Opens every connection now, before the stage starts, so that connection set-up is not
     * part of the measurement (not used with a ramp-up, nor when connecting is what is measured).
     */
    void preconnect() {
        thread = Thread.currentThread();
        preconnecting = true;
        long now = clock.nanoTime();
        for (Conn c : conns) {
            c.openRequestedAt = now;
            open(c);
        }
    }

    EventLoop eventLoop() {
        return eventLoop;
    }

    Bootstraps bootstraps() {
        return bootstraps;
    }

    PayloadSource payloads() {
        return payloads;
    }

    StageCounters counters() {
        return counters;
    }

    LoopMeter meter() {
        return meter;
    }

    /** The loop's thread, once {@link #start} ran (for per-thread CPU time). */
    Thread thread() {
        return thread;
    }

    /** Requests in flight on this loop. */
    int inFlight() {
        return inFlight;
    }

    /** Starts the stage on this loop: schedules connection opening and, in open loop, the ticks. */
    void start() {
        start(plan);
    }

    /** Starts with {@code startPlan} (the same stage, its times fixed after {@link #preconnect}). */
    void start(StagePlan startPlan) {
        plan = startPlan;
        closedBudgetLeft = plan.closedBudget();
        thread = Thread.currentThread();
        long delay = plan.start() - clock.nanoTime();
        if (delay <= 0) {
            begin();
        } else {
            exec.schedule(this::begin, delay); // nothing is sent before the stage's start
        }
    }

    private void begin() {
        if (stopped) {
            return;
        }
        running = true;
        preconnecting = false;
        long now = clock.nanoTime();
        if (plan.openLoop()) {
            scheduler = new OpenLoopScheduler(plan.schedule(), plan.start(),
                    plan.stopAt(), plan.measuredFrom(), plan.openBudget());
            exec.schedule(tick, Math.max(0, scheduler.nextDue() - now));
        }
        for (int i = 0; i < conns.size(); i++) {
            Conn c = conns.get(i);
            if (c.state == Conn.State.OPEN) {
                activate(c, now);
                continue;
            }
            if (c.state == Conn.State.CONNECTING) {
                continue; // preconnecting still: activated when it completes
            }
            long at = plan.start() + openAt.get(i);
            c.openRequestedAt = at;
            if (at - now <= 0) {
                open(c);
            } else {
                exec.schedule(() -> open(c), at - now);
            }
        }
        flushDirty();
        long period = Math.min(TimeUnit.MILLISECONDS.toNanos(100),
                Math.max(TimeUnit.MILLISECONDS.toNanos(5), plan.timeoutNanos() / 10));
        exec.schedule(new Runnable() {
            @Override
            public void run() {
                if (running) {
                    housekeeping();
                    exec.schedule(this, period);
                }
            }
        }, period);
    }

    private void open(Conn c) {
        if ((!running && !preconnecting) || c.state != Conn.State.IDLE) {
            return;
        }
        c.state = Conn.State.CONNECTING;
        c.openStartedAt = clock.nanoTime();
        Conn.Attempt attempt = c.newAttempt();
        try {
            workload.open(attempt);
        } catch (RuntimeException e) {
            if (c.current == attempt) {
                onConnectFailed(c, e);
            }
        }
    }

    // ---- callbacks from the workload (through Conn.Attempt) ----

    void onConnected(Conn c, LoadConnection connection) {
        c.state = Conn.State.OPEN;
        c.connection = connection;
        c.failedConnects = 0;
        meter.add(LoopMeter.OPEN_CONNECTIONS, 1);
        meter.add(LoopMeter.CONNECTS, 1);
        if (plan.connectIsRequest() && running) {
            long now = clock.nanoTime();
            // A reconnect is measured from when it started, the first open from its schedule.
            long intendedOpen = c.openRequestedAt - c.openStartedAt > 0 ? c.openStartedAt : c.openRequestedAt;
            meter.recordDone(intendedOpen, c.openStartedAt, now);
            meter.add(LoopMeter.COMPLETED, 1);
            c.openRequestedAt = Long.MIN_VALUE / 2;
        }
        if (stopped) {
            closeConn(c);
            return;
        }
        if (running) {
            activate(c, clock.nanoTime());
            flushDirty();
        }
    }

    /** Puts an open connection to work: waiting requests first, then the schedule or the loop. */
    private void activate(Conn c, long now) {
        if (plan.openLoop()) {
            while (scheduler.hasBacklog() && c.canSend()) {
                sendOn(c, scheduler.pollBacklog(), now);
            }
            enqueueIfReady(c);
        } else {
            fillClosed(c, now);
        }
    }

    void onConnectFailed(Conn c, Throwable cause) {
        c.state = Conn.State.IDLE;
        c.current = null;
        ErrorKind kind = classifyConnectFailure(cause);
        meter.error(kind);
        meter.add(LoopMeter.CONNECT_ERRORS, 1);
        errorLog.first(kind, "connect", cause);
        c.failedConnects++;
        if (running) {
            long backoff = Math.min(MAX_BACKOFF_NANOS,
                    TimeUnit.MILLISECONDS.toNanos(50) << Math.min(10, c.failedConnects - 1));
            exec.schedule(() -> open(c), backoff);
        }
    }

    static ErrorKind classifyConnectFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof javax.net.ssl.SSLException) {
                return ErrorKind.TLS_HANDSHAKE;
            }
            if (t instanceof ConnectException && m != null && m.toLowerCase(java.util.Locale.ROOT).contains("refused")) {
                return ErrorKind.CONNECT_REFUSED;
            }
        }
        return ErrorKind.CONNECT_FAILED;
    }

    void onCompleted(Conn c, int token) {
        if (token < 0 || token >= c.busy.length || !c.busy[token]) {
            errorLog.first(ErrorKind.OTHER, "workload reported token " + token + " that is not in flight", null);
            return;
        }
        long now = clock.nanoTime();
        meter.recordDone(c.intended[token], c.sent[token], now);
        meter.add(LoopMeter.COMPLETED, 1);
        c.release(token);
        inFlight--;
        afterSlotFreed(c, now);
    }

    void onAcknowledged(Conn c, int token) {
        if (token < 0 || token >= c.busy.length || !c.busy[token]) {
            errorLog.first(ErrorKind.OTHER, "workload reported token " + token + " that is not in flight", null);
            return;
        }
        c.release(token);
        inFlight--;
        afterSlotFreed(c, clock.nanoTime());
    }

    void onDelivered(long intended, long sent) {
        meter.recordDone(intended, sent, clock.nanoTime());
        meter.add(LoopMeter.COMPLETED, 1);
    }

    void onFailed(Conn c, int token, ErrorKind kind, String detail) {
        if (token < 0 || token >= c.busy.length || !c.busy[token]) {
            errorLog.first(ErrorKind.OTHER, "workload reported token " + token + " that is not in flight", null);
            return;
        }
        long now = clock.nanoTime();
        failOne(c, token, kind, now);
        errorLog.first(kind, detail, null);
        afterSlotFreed(c, now);
    }

    void onConnectionError(Conn c, ErrorKind kind, String detail) {
        if (c.state != Conn.State.OPEN) {
            return;
        }
        long now = clock.nanoTime();
        int oldest = -1;
        for (int t = 0; t < c.busy.length; t++) {
            if (c.busy[t] && (oldest < 0 || c.sent[t] - c.sent[oldest] < 0)) {
                oldest = t;
            }
        }
        if (oldest >= 0) {
            failOne(c, oldest, kind, now);
        } else {
            meter.error(kind);
        }
        errorLog.first(kind, detail, null);
        failAll(c, ErrorKind.RESET, now);
        closeConn(c);
        reconnectLater(c, RECONNECT_NANOS);
    }

    void onClosed(Conn c, Throwable cause) {
        if (c.state == Conn.State.CONNECTING) {
            onConnectFailed(c, cause != null ? cause : new ConnectException("closed during the handshake"));
            return;
        }
        if (c.state != Conn.State.OPEN) {
            return;
        }
        long now = clock.nanoTime();
        boolean hadRequests = c.inFlight() > 0;
        if (hadRequests) {
            errorLog.first(ErrorKind.RESET, "connection closed with " + c.inFlight() + " requests in flight", cause);
        }
        if (!c.closeExpected) {
            // Neither the engine (it marks a connection idle before closing it) nor the protocol
            // asked for this close: the server or the network cut the connection.
            meter.error(ErrorKind.DISCONNECT);
            errorLog.first(ErrorKind.DISCONNECT, "connection closed by the server or the network"
                    + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""), null);
        }
        failAll(c, ErrorKind.RESET, now);
        c.state = Conn.State.IDLE;
        c.current = null;
        c.connection = null;
        meter.add(LoopMeter.OPEN_CONNECTIONS, -1);
        checkDone();
        reconnectLater(c, hadRequests ? RECONNECT_NANOS : 0);
    }

    private void reconnectLater(Conn c, long delay) {
        if (!running) {
            return;
        }
        if (delay <= 0) {
            exec.execute(() -> open(c));
        } else {
            exec.schedule(() -> open(c), delay);
        }
    }

    /** Flushes every connection written to since the last flush. */
    void flushDirty() {
        for (int i = 0, n = dirty.size(); i < n; i++) {
            Conn c = dirty.get(i);
            c.dirty = false;
            if (c.state == Conn.State.OPEN) {
                c.connection.flush();
            }
        }
        dirty.clear();
    }

    // ---- sending ----

    private void sendOn(Conn c, long intended, long now) {
        int token = c.acquire(intended, now);
        inFlight++;
        meter.add(LoopMeter.SENT, 1);
        if (scheduler == null) {
            meter.add(LoopMeter.SCHEDULED, 1);
        }
        meter.recordSendLag(now - intended);
        if (!c.dirty) {
            c.dirty = true;
            dirty.add(c);
        }
        try {
            c.connection.send(token);
        } catch (RuntimeException e) {
            errorLog.first(ErrorKind.OTHER, "workload failed to send", e);
            onConnectionError(c, ErrorKind.OTHER, "workload failed to send: " + e);
        }
    }

    private void fillClosed(Conn c, long now) {
        while (c.canSend() && closedMaySend(now)) {
            sendOn(c, now, now);
        }
    }

    private boolean closedMaySend(long now) {
        if (!running || now - plan.stopAt() >= 0) {
            return false;
        }
        if (plan.closedBudget() == 0 || now - plan.measuredFrom() < 0) {
            return true;
        }
        if (closedBudgetLeft > 0) {
            closedBudgetLeft--;
            return true;
        }
        return false;
    }

    private void enqueueIfReady(Conn c) {
        if (!c.queued && c.canSend()) {
            c.queued = true;
            ready.addLast(c);
        }
    }

    private boolean trySend(long intended) {
        Conn c;
        while ((c = ready.pollFirst()) != null) {
            c.queued = false;
            if (c.canSend()) {
                sendOn(c, intended, clock.nanoTime());
                enqueueIfReady(c);
                return true;
            }
        }
        return false;
    }

    private void afterSlotFreed(Conn c, long now) {
        if (running) {
            if (plan.openLoop()) {
                if (scheduler.hasBacklog() && c.canSend()) {
                    sendOn(c, scheduler.pollBacklog(), now);
                }
                enqueueIfReady(c);
            } else {
                fillClosed(c, now);
            }
        }
        checkDone();
    }

    private void tick() {
        if (!running) {
            return;
        }
        long now = clock.nanoTime();
        long blockedBefore = scheduler.blocked();
        int released = scheduler.release(now, dispatcher, MAX_BATCH);
        meter.add(LoopMeter.SCHEDULED, released);
        meter.add(LoopMeter.BLOCKED, scheduler.blocked() - blockedBefore);
        flushDirty();
        checkDone();
        long next = scheduler.nextDue();
        if (next == Long.MAX_VALUE) {
            return;
        }
        if (released == MAX_BATCH) {
            exec.execute(tick);
        } else {
            exec.schedule(tick, Math.max(MIN_TICK_NANOS, next - clock.nanoTime()));
        }
    }

    // ---- failure bookkeeping ----

    private void failOne(Conn c, int token, ErrorKind kind, long now) {
        meter.recordDone(c.intended[token], c.sent[token], now);
        meter.error(kind);
        meter.add(LoopMeter.REQUEST_ERRORS, 1);
        if (kind == ErrorKind.TIMEOUT) {
            meter.add(LoopMeter.TIMED_OUT, 1);
        }
        c.release(token);
        inFlight--;
    }

    private void failAll(Conn c, ErrorKind kind, long now) {
        for (int t = 0; t < c.busy.length; t++) {
            if (c.busy[t]) {
                failOne(c, t, kind, now);
            }
        }
    }

    private void closeConn(Conn c) {
        LoadConnection connection = c.connection;
        if (c.state == Conn.State.OPEN) {
            meter.add(LoopMeter.OPEN_CONNECTIONS, -1);
        }
        c.state = Conn.State.IDLE;
        c.current = null;
        c.connection = null;
        if (connection != null) {
            connection.close();
        }
    }

    /** Times out requests and checks whether a request-bounded share is finished. */
    void housekeeping() {
        long now = clock.nanoTime();
        long timeout = plan.timeoutNanos();
        for (int i = 0, n = conns.size(); i < n; i++) {
            Conn c = conns.get(i);
            if (c.state != Conn.State.OPEN || c.inFlight() == 0) {
                continue;
            }
            boolean expired = false;
            for (int t = 0; t < c.busy.length && !expired; t++) {
                expired = c.busy[t] && now - c.sent[t] >= timeout;
            }
            if (expired && !c.connection.closeOnTimeout()) {
                errorLog.first(ErrorKind.TIMEOUT, "no response within " + TimeUnit.NANOSECONDS.toMillis(timeout)
                        + " ms", null);
                for (int t = 0; t < c.busy.length; t++) {
                    if (c.busy[t] && now - c.sent[t] >= timeout) {
                        c.connection.timedOut(t);
                        failOne(c, t, ErrorKind.TIMEOUT, now);
                    }
                }
                if (running && c.canSend()) {
                    if (plan.openLoop()) {
                        enqueueIfReady(c);
                    } else {
                        fillClosed(c, now);
                        flushDirty();
                    }
                }
            } else if (expired) {
                // The connection is closed: a late answer would be matched to the wrong request.
                // Everything in flight on it counts as timed out.
                errorLog.first(ErrorKind.TIMEOUT, "no response within " + TimeUnit.NANOSECONDS.toMillis(timeout)
                        + " ms; closing the connection", null);
                failAll(c, ErrorKind.TIMEOUT, now);
                closeConn(c);
                reconnectLater(c, 0);
            }
        }
        if (plan.openLoop() && scheduler.hasBacklog()) {
            // Slots freed by timeouts take waiting requests.
            for (int i = 0, n = conns.size(); i < n && scheduler.hasBacklog(); i++) {
                Conn c = conns.get(i);
                while (scheduler.hasBacklog() && c.canSend()) {
                    sendOn(c, scheduler.pollBacklog(), now);
                }
            }
            flushDirty();
        }
        checkDone();
    }

    private void checkDone() {
        if (done || inFlight > 0) {
            return;
        }
        boolean finished;
        if (plan.openLoop()) {
            finished = scheduler != null && scheduler.exhausted() && !scheduler.hasBacklog()
                    && (plan.openBudget() > 0 || plan.stopAt() != Long.MAX_VALUE);
        } else {
            finished = plan.closedBudget() > 0 && closedBudgetLeft == 0;
        }
        if (finished) {
            done = true;
            onDone.run();
        }
    }

    /** Stops sending (the schedule ends here) but keeps connections open, for a drain. */
    void stopSending() {
        running = false;
    }

    /**
     * Ends the stage on this loop: no more sends; requests in flight are counted and recorded
     * with the latency they reached; requests still waiting for a slot likewise; connections close.
     */
    void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        running = false;
        preconnecting = false;
        long now = clock.nanoTime();
        if (scheduler != null) {
            // Requests due before the end that no tick released yet still belong to the stage:
            // they are scheduled, never sent, and keep their latency.
            long last = Math.min(now, plan.stopAt() - 1);
            long blockedBefore = scheduler.blocked();
            int released;
            do {
                released = scheduler.release(last, intended -> false, Integer.MAX_VALUE);
                meter.add(LoopMeter.SCHEDULED, released);
            } while (released > 0 && !scheduler.exhausted() && scheduler.nextDue() - last <= 0);
            meter.add(LoopMeter.BLOCKED, scheduler.blocked() - blockedBefore);
            while (scheduler.hasBacklog()) {
                meter.recordUnsent(scheduler.pollBacklog(), now);
                meter.add(LoopMeter.UNSENT_AT_END, 1);
            }
        }
        for (int i = 0, n = conns.size(); i < n; i++) {
            Conn c = conns.get(i);
            for (int t = 0; t < c.busy.length; t++) {
                if (c.busy[t]) {
                    meter.recordDone(c.intended[t], c.sent[t], now);
                    meter.add(LoopMeter.IN_FLIGHT_AT_END, 1);
                    c.release(t);
                    inFlight--;
                }
            }
            if (c.state == Conn.State.OPEN) {
                flushDirty();
            }
            closeConn(c);
        }
        dirty.clear();
    }
}
