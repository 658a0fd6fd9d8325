package io.switchboard.client.load.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.Arrivals;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The arrival schedule and the open-loop scheduler, driven by hand with explicit times. */
@Timeout(10)
class SchedulerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void constantArrivalsAreExactMultiplesOfTheGap() {
        ArrivalSchedule s = new ArrivalSchedule(1000, 1000, 0, Arrivals.CONSTANT, 1);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(i * MS, s.next(), "request " + i);
        }
    }

    @Test
    void constantArrivalsDoNotDriftAtAwkwardRates() {
        ArrivalSchedule s = new ArrivalSchedule(0, 3, 0, Arrivals.CONSTANT, 1);
        long last = 0;
        for (int i = 0; i < 3_000_001; i++) {
            last = s.next();
        }
        // request 3,000,000 at 3/s is due at exactly 1,000,000 s
        assertEquals(1_000_000L * 1_000_000_000L, last, 1_000);
    }

    @Test
    void phaseShiftsConstantArrivals() {
        ArrivalSchedule s = new ArrivalSchedule(1000, 1000, 0, Arrivals.CONSTANT, 1, 0.5);
        assertEquals(MS / 2, s.next());
        assertEquals(MS + MS / 2, s.next());
    }

    @Test
    void poissonWithASeedRepeatsAndHasTheRightMeanRate() {
        long[] a = draw(new ArrivalSchedule(10_000, 10_000, 0, Arrivals.POISSON, 42), 100_000);
        long[] b = draw(new ArrivalSchedule(10_000, 10_000, 0, Arrivals.POISSON, 42), 100_000);
        long[] c = draw(new ArrivalSchedule(10_000, 10_000, 0, Arrivals.POISSON, 43), 100_000);
        assertEquals(List.of(a[0], a[99_999]), List.of(b[0], b[99_999]));
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i]);
        }
        assertNotEquals(a[99_999], c[99_999]);
        // 100,000 arrivals at 10,000/s take 10 s; the sum of 1e5 Exp(1) is within 1% w.h.p. (sd 0.32%)
        assertEquals(10.0, a[99_999] / 1e9, 0.1);
        // exponential gaps: about 36.8% of them exceed the mean gap
        int longer = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] - a[i - 1] > 100_000) {
                longer++;
            }
        }
        assertEquals(Math.exp(-1), longer / (double) a.length, 0.01);
    }

    @Test
    void rateRampFollowsTheIntegralOfTheRate() {
        // 0 -> 1000/s over 10 s: N(t) = 50 t^2, so request k is due at sqrt(k / 50) s
        ArrivalSchedule s = new ArrivalSchedule(0, 1000, TimeUnit.SECONDS.toNanos(10), Arrivals.CONSTANT, 1);
        long[] t = draw(s, 6000);
        assertEquals(0, t[0]);
        assertEquals(Math.sqrt(50 / 50.0) * 1e9, t[50], 1_000);
        assertEquals(Math.sqrt(4999 / 50.0) * 1e9, t[4999], 1_000);
        // after the ramp (5000 requests by 10 s), constant 1000/s
        assertEquals(10e9 + 1e6, t[5001], 1_000);
        // ramp down: 1000 -> 0 is allowed until the count runs out; 1000 -> 500 over 1 s
        ArrivalSchedule down = new ArrivalSchedule(1000, 500, TimeUnit.SECONDS.toNanos(1), Arrivals.CONSTANT, 1);
        long[] d = draw(down, 751);
        assertEquals(1e9, d[750], 1_000); // (1000 + 500) / 2 * 1 s = 750 requests in the first second
    }

    @Test
    void schedulerReleasesEveryDueRequestWithItsIntendedTime() {
        OpenLoopScheduler s = new OpenLoopScheduler(new ArrivalSchedule(1000, 1000, 0, Arrivals.CONSTANT, 1),
                100 * MS, 100 * MS + 10 * MS, 100 * MS, 0);
        List<Long> sent = new ArrayList<>();
        assertEquals(0, s.release(99 * MS, t -> sent.add(t), 1000));
        // a late call (a stall) releases everything due, each with its own intended time
        assertEquals(6, s.release(105 * MS, t -> sent.add(t), 1000));
        assertEquals(List.of(100 * MS, 101 * MS, 102 * MS, 103 * MS, 104 * MS, 105 * MS), sent);
        assertEquals(106 * MS, s.nextDue());
        // the batch limit leaves the rest due
        sent.clear();
        assertEquals(2, s.release(200 * MS, t -> sent.add(t), 2));
        assertEquals(List.of(106 * MS, 107 * MS), sent);
        assertEquals(2, s.release(200 * MS, t -> sent.add(t), 1000));
        assertTrue(s.exhausted(), "nothing is scheduled at or after stopAt");
        assertEquals(10, s.scheduled());
    }

    @Test
    void requestsWithoutAFreeSlotWaitInOrderAndCountAsBlocked() {
        OpenLoopScheduler s = new OpenLoopScheduler(new ArrivalSchedule(1000, 1000, 0, Arrivals.CONSTANT, 1),
                0, Long.MAX_VALUE, 0, 5);
        int[] slots = {2};
        List<Long> sent = new ArrayList<>();
        OpenLoopScheduler.Dispatcher d = t -> {
            if (slots[0] == 0) {
                return false;
            }
            slots[0]--;
            sent.add(t);
            return true;
        };
        assertEquals(5, s.release(10 * MS, d, 1000));
        assertEquals(List.of(0L, MS), sent);
        assertEquals(3, s.blocked());
        assertEquals(3, s.backlogSize());
        assertEquals(2 * MS, s.pollBacklog());
        assertEquals(3 * MS, s.pollBacklog());
        assertTrue(s.exhausted(), "the request budget of 5 is used up");
    }

    @Test
    void warmupRequestsDoNotCountAgainstTheBudget() {
        OpenLoopScheduler s = new OpenLoopScheduler(new ArrivalSchedule(1000, 1000, 0, Arrivals.CONSTANT, 1),
                0, Long.MAX_VALUE, 10 * MS, 3);
        List<Long> sent = new ArrayList<>();
        s.release(Long.MAX_VALUE / 2, t -> sent.add(t), 1000);
        assertEquals(13, sent.size()); // 10 warm-up requests (0..9 ms) and 3 measured
        assertEquals(12 * MS, sent.get(12));
    }

    private static long[] draw(ArrivalSchedule s, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.next();
        }
        return out;
    }
}
