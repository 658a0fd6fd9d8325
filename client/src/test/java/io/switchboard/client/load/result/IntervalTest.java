package io.switchboard.client.load.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.engine.LoopMeter;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * An interval keeps its latency histogram compressed: a run keeps one interval per second, and a
 * histogram with the recorders' range holds about 180 KB of counters (an hour-long soak ran its
 * load tools out of a 256 MB heap after 20 minutes).
 */
class IntervalTest {
    private static Histogram second(SplittableRandom random, int requests, long medianMicros) {
        Histogram h = LoopMeter.newHistogram();
        for (int i = 0; i < requests; i++) {
            double z = random.nextGaussian();
            h.recordValue(Math.min(LoopMeter.HIGHEST_MICROS, Math.max(1, Math.round(medianMicros * Math.exp(0.7 * z)))));
        }
        h.recordValue(LoopMeter.HIGHEST_MICROS); // one request at the very end of the range
        h.setStartTimeStamp(1_000_000L);
        h.setEndTimeStamp(1_001_000L);
        return h;
    }

    private static Interval interval(Histogram latency) {
        return new Interval(0, 1000, false, latency == null ? 0 : latency.getTotalCount(), 0, 0, 0, 1, 0, latency);
    }

    @Test
    void latencyComesBackValueForValueWithItsTimestamps() {
        Histogram h = second(new SplittableRandom(1), 50_000, 800);
        Histogram back = interval(h).latency();
        assertEquals(h, back);
        assertEquals(h.getTotalCount(), back.getTotalCount());
        assertEquals(h.getValueAtPercentile(99.99), back.getValueAtPercentile(99.99));
        assertEquals(h.getMaxValue(), back.getMaxValue());
        assertEquals(1_000_000L, back.getStartTimeStamp());
        assertEquals(1_001_000L, back.getEndTimeStamp());
        assertEquals(LoopMeter.HIGHEST_MICROS, back.getHighestTrackableValue());
    }

    @Test
    void eachCallGivesTheCallerItsOwnHistogram() {
        Interval i = interval(second(new SplittableRandom(2), 100, 500));
        i.latency().recordValue(7);
        assertEquals(101, i.latency().getTotalCount());
    }

    @Test
    void noHistogramStaysNone() {
        Interval i = interval(null);
        assertNull(i.latency());
        assertEquals(0, i.latencyBytes());
    }

    @Test
    void anHourOfBusySecondsFitsInAFewMegabytes() {
        SplittableRandom random = new SplittableRandom(3);
        long full = LoopMeter.newHistogram().getEstimatedFootprintInBytes();
        assertTrue(full > 100_000, "the recorders' histograms are large: " + full);
        long kept = 0;
        for (int s = 0; s < 60; s++) {
            kept += interval(second(random, 20_000, 200 + 100L * s)).latencyBytes();
        }
        long perSecond = kept / 60;
        // 3,600 such seconds: well under 16 MB, against 3,600 x 180 KB = 650 MB uncompressed
        assertTrue(perSecond * 3600 < 16L << 20, () -> "bytes per second kept: " + perSecond);
        assertTrue(perSecond < full / 20, () -> perSecond + " bytes against " + full);
    }
}
