package io.switchboard.client.load.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.Arrivals;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.StageCounters;
import io.switchboard.client.load.workload.Workload;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One event loop's worker under a fake clock: a fake server that answers instantly except while
 * it stalls, and a manual task queue in place of the event loop.
 */
@Timeout(10)
class LoopWorkerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private long now;
    private final PriorityQueue<long[]> due = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0])
            : Long.compare(a[1], b[1]));
    private final List<Runnable> tasks = new ArrayList<>();
    private final List<FakeConnection> connections = new ArrayList<>();

    private final LoopWorker.Executor executor = new LoopWorker.Executor() {
        @Override
        public void execute(Runnable task) {
            schedule(task, 0);
        }

        @Override
        public void schedule(Runnable task, long delayNanos) {
            tasks.add(task);
            due.add(new long[] {now + delayNanos, tasks.size() - 1});
        }
    };

    /** Runs every task due by the current fake time. */
    private void runDue() {
        while (!due.isEmpty() && due.peek()[0] <= now) {
            tasks.get((int) due.poll()[1]).run();
        }
    }

    private LoopWorker worker(StagePlan plan, int conns) {
        Workload workload = ctx -> {
            FakeConnection c = new FakeConnection(ctx);
            connections.add(c);
            ctx.connected(c);
        };
        LoopWorker w = new LoopWorker(plan, () -> now, executor, null, workload, null, new StageCounters(), null,
                new ErrorLog("test"), () -> { });
        for (int i = 0; i < conns; i++) {
            w.addConnection(i, null, 0);
        }
        return w;
    }

    @Test
    void aServerStallIsChargedToLatencyAndWaitingRequestsCountAsBlocked() {
        // 1000 req/s open loop on one connection with one slot; the server answers at once,
        // except that it holds the request sent at 20 ms until 70 ms.
        StagePlan plan = new StagePlan(0, 0, 100 * MS, 0, 10_000 * MS, 1, 0,
                new ArrivalSchedule(1000, 1000, 0, Arrivals.CONSTANT, 1), 0, false);
        LoopWorker w = worker(plan, 1);
        w.start();
        for (now = 0; now < 100 * MS; now += MS / 4) {
            runDue();
            if (now < 20 * MS || now >= 70 * MS) {
                connections.get(0).answerAll();
            }
        }
        runDue();
        w.stop();
        LoopMeter m = w.meter();
        assertEquals(100, m.get(LoopMeter.SCHEDULED));
        assertEquals(100, m.get(LoopMeter.COMPLETED));
        assertEquals(50, m.get(LoopMeter.BLOCKED), "requests due at 21..70 ms found the slot taken");
        LoopMeter.Snapshot snap = m.snapshot();
        Histogram latency = snap.latency();
        Histogram service = snap.serviceTime();
        Histogram lag = snap.sendLag();
        assertEquals(100, latency.getTotalCount());
        assertEquals(100, service.getTotalCount());
        assertEquals(100, lag.getTotalCount(), "every send has a lag, zero or not");
        // the request of 20 ms waited 50 ms; the one of 21 ms went out at 70 ms (49 ms late)...
        assertEquals(50_000, latency.getMaxValue(), 50);
        assertEquals(50_000, service.getMaxValue(), 50, "only the held request was slow in the server");
        assertEquals(49_000, lag.getMaxValue(), 50);
        // 51 requests (20..70 ms) have latencies 50, 49, ..., 0 ms; the other 49 had none
        assertEquals(25_000, latency.getValueAtPercentile(75), 1_000);
        assertEquals(1, service.getCountBetweenValues(1_000, 100_000), "a closed loop would have seen only this");
    }

    @Test
    void closedLoopKeepsThePipelineFullAndStopsAtTheBudget() {
        StagePlan plan = new StagePlan(0, 0, Long.MAX_VALUE, 0, 10_000 * MS, 4, 10, null, 0, false);
        List<Boolean> done = new ArrayList<>();
        LoopWorker w = new LoopWorker(plan, () -> now, executor, null, ctx -> {
            FakeConnection c = new FakeConnection(ctx);
            connections.add(c);
            ctx.connected(c);
        }, null, new StageCounters(), null, new ErrorLog("test"), () -> done.add(true));
        w.addConnection(0, null, 0);
        w.start();
        runDue();
        assertEquals(4, connections.get(0).outstanding.size(), "pipeline depth 4");
        for (int i = 0; i < 10 && !connections.get(0).outstanding.isEmpty(); i++) {
            now += MS;
            connections.get(0).answerOne();
        }
        assertEquals(10, w.meter().get(LoopMeter.SENT));
        assertEquals(10, w.meter().get(LoopMeter.COMPLETED));
        assertEquals(List.of(true), done);
    }

    @Test
    void timeoutsKeepTheirLatencyCloseTheConnectionAndReconnect() {
        StagePlan plan = new StagePlan(0, 0, 1000 * MS, 0, 50 * MS, 2, 0, null, 0, false);
        LoopWorker w = worker(plan, 1);
        w.start();
        runDue();
        FakeConnection first = connections.get(0);
        assertEquals(2, first.outstanding.size());
        for (now = 0; now <= 60 * MS; now += MS) {
            runDue();
        }
        assertTrue(first.closed, "the connection with the timed-out request is closed");
        assertEquals(2, w.meter().get(LoopMeter.TIMED_OUT));
        assertEquals(2, w.meter().errors(ErrorKind.TIMEOUT));
        assertEquals(2, connections.size(), "a new connection replaced it");
        Histogram latency = w.meter().snapshot().latency();
        assertEquals(2, latency.getTotalCount());
        assertTrue(latency.getMinValue() >= 49_900, "timed-out requests keep their latency: " + latency.getMinValue());
        // a late answer on the old connection is ignored
        first.engine.completed(0);
        assertEquals(0, w.meter().get(LoopMeter.COMPLETED));
        w.stop();
        assertEquals(2, w.meter().get(LoopMeter.IN_FLIGHT_AT_END), "the new connection's requests at the end");
    }

    /**
     * A close the tool did not ask for (the server's idle timeout) is one DISCONNECT error, with
     * the requests in flight RESET; the protocol's announced close and the engine's own are not.
     */
    @Test
    void aCloseTheToolDidNotAskForIsADisconnectError() {
        StagePlan plan = new StagePlan(0, 0, 1000 * MS, 0, 10_000 * MS, 2, 0, null, 0, false);
        LoopWorker w = worker(plan, 1);
        w.start();
        runDue();
        FakeConnection first = connections.get(0);
        assertEquals(2, first.outstanding.size());
        first.engine.closed(new java.io.IOException("server error 408: IDLE_TIMEOUT"));
        assertEquals(1, w.meter().errors(ErrorKind.DISCONNECT));
        assertEquals(2, w.meter().errors(ErrorKind.RESET), "the requests in flight");
        now += 20 * MS; // the reconnect after a reset waits 10 ms
        runDue();
        assertEquals(2, connections.size(), "reconnected");
        FakeConnection second = connections.get(1);
        second.engine.closeExpected(); // e.g. HTTP Connection: close
        second.engine.closed(null);
        now += 20 * MS;
        runDue();
        assertEquals(1, w.meter().errors(ErrorKind.DISCONNECT), "an announced close is no disconnect");
        assertEquals(3, connections.size(), "reconnected again");
        w.stop();
        assertTrue(connections.get(2).closed);
        assertEquals(1, w.meter().errors(ErrorKind.DISCONNECT), "the engine's own close is no disconnect");
    }

    /** A connection to a server that answers when the test says so. */
    private final class FakeConnection implements LoadConnection {
        final ConnectionContext engine;
        final ArrayDeque<Integer> outstanding = new ArrayDeque<>();
        boolean closed;

        FakeConnection(ConnectionContext engine) {
            this.engine = engine;
        }

        @Override
        public void send(int token) {
            outstanding.add(token);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            closed = true;
            engine.closed(null); // as channelInactive does after a real close
        }

        void answerOne() {
            engine.completed(outstanding.poll());
            engine.readComplete();
        }

        /** Answers everything outstanding, including what the answers make the engine send. */
        void answerAll() {
            while (!outstanding.isEmpty()) {
                answerOne();
            }
        }
    }
}
