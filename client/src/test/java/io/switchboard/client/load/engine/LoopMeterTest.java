package io.switchboard.client.load.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The meter records a request whose intended and sent times are equal once, and counts sub-
 * microsecond send lags instead of recording them; its snapshots must still be exactly the
 * histograms that recording every value separately gives.
 */
class LoopMeterTest {
    private static final long US = 1_000;

    @Test
    void snapshotsEqualSeparateRecordingOfEveryValue() {
        LoopMeter meter = new LoopMeter();
        Histogram latency = LoopMeter.newHistogram();
        Histogram service = LoopMeter.newHistogram();
        Histogram lag = LoopMeter.newHistogram();
        long now = 1_000_000 * US;
        for (int i = 0; i < 5_000; i++) {
            long intended = now - (i % 7) * 300 * US;
            long sent = i % 3 == 0 ? intended : intended + (i % 11) * 10 * US + 400;
            long done = sent + (i % 13) * 50 * US + 999;
            meter.recordSendLag(sent - intended);
            meter.recordDone(intended, sent, done);
            lag.recordValue(LoopMeter.micros(sent - intended));
            latency.recordValue(LoopMeter.micros(done - intended));
            service.recordValue(LoopMeter.micros(done - sent));
            if (i == 2_500) {
                // an interval boundary in the middle: both halves add up to the whole
                LoopMeter.Snapshot first = meter.snapshot();
                assertEquals(latency, first.latency());
                assertEquals(service, first.serviceTime());
                assertEquals(lag, first.sendLag());
                latency.reset();
                service.reset();
                lag.reset();
            }
        }
        meter.recordUnsent(now - 5 * US, now);
        latency.recordValue(5);
        LoopMeter.Snapshot second = meter.snapshot();
        assertEquals(latency, second.latency());
        assertEquals(service, second.serviceTime());
        assertEquals(lag, second.sendLag());
        assertEquals(0, meter.snapshot().sendLag().getTotalCount(), "zero lags are taken once");
    }

    @Test
    void valuesOutOfRangeAreClampedNotDropped() {
        LoopMeter meter = new LoopMeter();
        meter.recordDone(0, 0, Long.MAX_VALUE / 2);
        meter.recordDone(10, 0, 5);
        LoopMeter.Snapshot snap = meter.snapshot();
        assertEquals(2, snap.latency().getTotalCount());
        assertEquals(0, snap.latency().getMinValue(), "a negative latency (clock skew) counts as zero");
        assertEquals(LoopMeter.HIGHEST_MICROS, snap.latency().getMaxValue(), LoopMeter.HIGHEST_MICROS / 1000);
    }
}
