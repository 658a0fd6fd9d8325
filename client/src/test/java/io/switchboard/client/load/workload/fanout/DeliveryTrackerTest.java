package io.switchboard.client.load.workload.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.switchboard.client.load.workload.fanout.DeliveryTracker.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class DeliveryTrackerTest {

    @Test
    void everyEventOnceInOrderIsNothingMissing() {
        DeliveryTracker t = new DeliveryTracker(2);
        for (int seq = 1; seq <= 100; seq++) {
            assertEquals(Outcome.IN_ORDER, t.deliver(0, seq));
            assertEquals(Outcome.IN_ORDER, t.deliver(1, seq));
        }
        assertEquals(0, t.missing(new long[] {100, 100}));
        assertEquals(0, t.duplicates());
        assertEquals(0, t.reordered());
        assertEquals(100, t.distinct(1));
    }

    @Test
    void gapsAreMissingDuplicatesAndLateArrivalsCounted() {
        DeliveryTracker t = new DeliveryTracker(2);
        t.deliver(0, 1);
        t.deliver(0, 2);
        t.deliver(0, 5);                                   // 3 and 4 skipped
        assertEquals(Outcome.REORDERED, t.deliver(0, 3));  // 3 late
        assertEquals(Outcome.DUPLICATE, t.deliver(0, 3));
        assertEquals(Outcome.DUPLICATE, t.deliver(0, 5));
        assertEquals(Outcome.IN_ORDER, t.deliver(1, 1));   // publishers are independent
        assertEquals(4, t.distinct(0));
        assertEquals(1, t.reordered());
        assertEquals(2, t.duplicates());
        // publisher 0 accepted 6 (4 and 6 never came), publisher 1 accepted 3 (2 and 3 never came)
        assertEquals(2 + 2, t.missing(new long[] {6, 3}));
    }

    @Test
    void arrivalsFarBehindAreUnclassifiedNeverCountedAsDelivered() {
        DeliveryTracker t = new DeliveryTracker(1);
        t.deliver(0, 1);
        t.deliver(0, 1 + DeliveryTracker.WINDOW + 10);
        assertEquals(Outcome.UNCLASSIFIED, t.deliver(0, 5));
        assertEquals(Outcome.UNCLASSIFIED, t.deliver(0, 1));
        assertEquals(2, t.distinct(0));
        assertEquals(2, t.unclassified());
        assertEquals(2, t.reordered());
        assertEquals(0, t.duplicates());
    }

    @Test
    void theWindowForgetsSkippedNumbersCorrectlyAfterWrapping() {
        DeliveryTracker t = new DeliveryTracker(1);
        for (int seq = 1; seq <= 3 * DeliveryTracker.WINDOW; seq += 2) {
            assertEquals(Outcome.IN_ORDER, t.deliver(0, seq));
        }
        long top = t.highest(0);
        // an even number within the window was skipped, not seen: a late first arrival
        assertEquals(Outcome.REORDERED, t.deliver(0, top - 1));
        assertEquals(Outcome.DUPLICATE, t.deliver(0, top - 2));
        assertEquals(Outcome.DUPLICATE, t.deliver(0, top - 1));
    }

    @Test
    void invalidPublishersAndNumbersAreRefused() {
        DeliveryTracker t = new DeliveryTracker(3);
        assertEquals(Outcome.INVALID, t.deliver(3, 1));
        assertEquals(Outcome.INVALID, t.deliver(-1, 1));
        assertEquals(Outcome.INVALID, t.deliver(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new DeliveryTracker(0));
    }
}
