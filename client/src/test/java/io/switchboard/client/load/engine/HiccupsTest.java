package io.switchboard.client.load.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class HiccupsTest {
    @Test
    void theObserverSamplesFinelyOnlyWithACoreOfItsOwn() {
        assertEquals(Hiccups.FINE_NANOS, Hiccups.resolutionFor(2, 1));
        assertEquals(Hiccups.FINE_NANOS, Hiccups.resolutionFor(8, 4));
        assertEquals(Hiccups.SHARED_NANOS, Hiccups.resolutionFor(1, 1), "one core: shared with the loop");
        assertEquals(Hiccups.SHARED_NANOS, Hiccups.resolutionFor(2, 2));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(1), Hiccups.FINE_NANOS);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(10), Hiccups.SHARED_NANOS);
        assertThrows(IllegalArgumentException.class, () -> new Hiccups(0));
    }

    @Test
    void itWakesOncePerResolution() throws InterruptedException {
        Hiccups hiccups = new Hiccups(TimeUnit.MILLISECONDS.toNanos(20));
        long start = System.nanoTime();
        hiccups.start();
        Thread.sleep(300);
        Histogram seen = hiccups.stop();
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // a 20 ms sleeper cannot wake more than once per 20 ms; a 1 ms one would have ~300 samples
        assertTrue(seen.getTotalCount() >= 1 && seen.getTotalCount() <= elapsedMillis / 20 + 1,
                seen.getTotalCount() + " samples in " + elapsedMillis + " ms");
    }
}
