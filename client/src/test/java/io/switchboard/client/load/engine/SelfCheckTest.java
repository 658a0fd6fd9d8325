package io.switchboard.client.load.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.result.SelfCheck;
import io.switchboard.client.load.result.Totals;
import java.time.Duration;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The tool's verdict on itself: who limited a stage that fell short of its rate. */
class SelfCheckTest {
    private static Histogram values(long micros, int count) {
        Histogram h = LoopMeter.newHistogram();
        h.recordValueWithCount(micros, count);
        return h;
    }

    /**
     * The fan-out run of the report: 120 of 200 publishes/s, 160 requests waiting for a free
     * connection, send lag p99 2.6 s, the tool's busiest loop at 8%. The connections' slots held
     * the rate back; the tool did not.
     */
    @Test
    void lateRequestsThatWaitedForAConnectionAreNotBlamedOnTheTool() {
        LoadSettings s = LoadSettings.builder().protocol(Protocol.FANOUT).target("127.0.0.1:7000").connections(5)
                .rate(200).duration(Duration.ofSeconds(2)).option("subscribers", "4").build();
        Totals totals = new Totals(960, 0, 0, 0, 160, 0, 0, 2.0);
        Histogram lag = values(2_600_000, 100);
        lag.recordValueWithCount(100, 140);
        SelfCheck self = StageRunner.selfCheck(s, 1, 200, 120, totals, lag, values(1_000, 240), 8.5, 8,
                LoopMeter.newHistogram(), 10_000);
        assertFalse(self.toolBound(), () -> "findings " + self.findings());
        assertTrue(self.findings().stream().anyMatch(f -> f.startsWith("achieved 120 publishes/s of the 200")),
                () -> "findings " + self.findings());
        assertTrue(self.findings().stream().anyMatch(f -> f.contains("held back by free connection slots, not by the tool")
                && f.contains("160 requests waited for one of 1 sending connection x pipeline 1")),
                () -> "findings " + self.findings());
    }

    /** Late with free connections and a busy loop: the tool limited it. */
    @Test
    void aSaturatedLoopIsTheToolsLimit() {
        LoadSettings s = LoadSettings.builder().protocol(Protocol.RAW).target("127.0.0.1:7001").connections(50)
                .rate(100_000).build();
        Totals totals = new Totals(600_000, 0, 0, 0, 0, 0, 0, 10);
        SelfCheck self = StageRunner.selfCheck(s, 50, 100_000, 60_000, totals, values(5_000, 1000), values(100, 1000),
                99, 97, LoopMeter.newHistogram(), 10_000);
        assertTrue(self.toolBound(), () -> "findings " + self.findings());
    }

    /** A rate ramp's target is its mean over the measured part, not its end rate. */
    @Test
    void aRampsTargetIsItsMean() {
        LoadSettings s = LoadSettings.builder().protocol(Protocol.RAW).target("127.0.0.1:7001").rateFrom(1000)
                .rate(3000).duration(Duration.ofSeconds(10)).build();
        long sec = 1_000_000_000L;
        assertEquals(2000, StageRunner.meanRate(s, 10 * sec, 0, 10 * sec), 1e-6);
        assertEquals(2500, StageRunner.meanRate(s, 10 * sec, 5 * sec, 10 * sec), 1e-6);
        assertEquals(2500, StageRunner.meanRate(s, 5 * sec, 0, 10 * sec), 1e-6);
        LoadSettings constant = s.toBuilder().rateFrom(-1).build();
        assertEquals(3000, StageRunner.meanRate(constant, 0, 2 * sec, 4 * sec), 1e-6);
    }
}
