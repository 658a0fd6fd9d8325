package io.switchboard.client.load.workload.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.workload.udp.SequenceWindow.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SequenceWindowTest {

    @Test
    void inOrderRepliesAreAnsweredOnce() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 1; i <= 5; i++) {
            assertEquals(i, w.send(i * 100L, i * 100L + 1));
        }
        assertEquals(5, w.pending());
        for (int i = 1; i <= 5; i++) {
            assertEquals(Outcome.IN_ORDER, w.reply(i));
            assertEquals(i * 100L, w.intendedNanos(i));
            assertEquals(i * 100L + 1, w.sentNanos(i));
        }
        assertEquals(0, w.pending());
        assertEquals(Outcome.DUPLICATE, w.reply(3));
        assertEquals(Outcome.UNKNOWN, w.reply(6));
        assertEquals(Outcome.UNKNOWN, w.reply(0));
        assertEquals(Outcome.UNKNOWN, w.reply(-7));
    }

    @Test
    void aReplyAfterAHigherOneIsReordered() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 0; i < 4; i++) {
            w.send(i, i);
        }
        assertEquals(Outcome.IN_ORDER, w.reply(1));
        assertEquals(Outcome.IN_ORDER, w.reply(3));
        assertEquals(Outcome.REORDERED, w.reply(2));
        assertEquals(Outcome.IN_ORDER, w.reply(4));
        assertEquals(Outcome.DUPLICATE, w.reply(2));
    }

    @Test
    void expireDeclaresOnlyDatagramsSentBeforeTheDeadlineLost() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 1; i <= 6; i++) {
            w.send(i * 10L, i * 10L); // sent at 10, 20, ..., 60
        }
        w.reply(2);
        w.reply(5);
        List<Long> lost = new ArrayList<>();
        assertEquals(3, w.expire(40, (seq, intended, sent) -> lost.add(seq)));
        assertEquals(List.of(1L, 3L, 4L), lost, "answered 2 is skipped; 4, sent at the deadline, is lost");
        assertEquals(1, w.pending());
        lost.clear();
        assertEquals(0, w.expire(59, (seq, intended, sent) -> lost.add(seq)));
        assertEquals(1, w.expire(60, (seq, intended, sent) -> lost.add(seq)));
        assertEquals(List.of(6L), lost);
        assertEquals(Outcome.LATE, w.reply(3));
    }

    @Test
    void lateAndStaleRepliesAreToldApart() {
        SequenceWindow w = new SequenceWindow(16);
        List<Long> lost = new ArrayList<>();
        w.send(0, 0);
        w.send(0, 0);
        assertEquals(2, w.expireAll((seq, i, s) -> lost.add(seq)));
        assertEquals(List.of(1L, 2L), lost);
        assertEquals(Outcome.LATE, w.reply(1));
        assertEquals(Outcome.LATE, w.reply(1), "a late datagram stays lost, however often it comes");
        w.reply(2);
        for (int i = 0; i < 16; i++) {
            w.reply(w.send(0, 0));
        }
        assertEquals(Outcome.STALE, w.reply(2));
    }

    @Test
    void aFullRingRefusesUntilTheOldestIsResolved() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 0; i < 16; i++) {
            assertTrue(w.send(0, 0) > 0);
        }
        assertTrue(w.full());
        assertEquals(-1, w.send(0, 0));
        w.reply(2); // not the oldest: still full
        assertEquals(-1, w.send(0, 0));
        w.reply(1);
        assertFalse(w.full());
        assertEquals(17, w.send(0, 0));
        assertEquals(18, w.send(0, 0));
        assertEquals(-1, w.send(0, 0));
    }

    @Test
    void capacityIsAPowerOfTwoAtLeastSixteen() {
        assertEquals(16, new SequenceWindow(1).capacity());
        assertEquals(16, new SequenceWindow(16).capacity());
        assertEquals(32, new SequenceWindow(17).capacity());
        assertEquals(1 << 20, new SequenceWindow((1 << 20) - 5).capacity());
        assertThrows(IllegalArgumentException.class, () -> new SequenceWindow(0));
        assertThrows(IllegalArgumentException.class, () -> new SequenceWindow((1 << 24) + 1));
    }

    /** A long random run against a model: every datagram ends exactly one way. */
    @Test
    void everyDatagramEndsAnsweredOrLostExactlyOnce() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        SequenceWindow w = new SequenceWindow(64);
        List<Long> inFlight = new ArrayList<>();
        long sent = 0;
        long answered = 0;
        long[] lost = {0};
        long duplicates = 0;
        long time = 0;
        for (int step = 0; step < 100_000; step++) {
            time++;
            if (random.nextInt(3) > 0) {
                long seq = w.send(time, time);
                if (seq > 0) {
                    sent++;
                    inFlight.add(seq);
                }
            } else if (!inFlight.isEmpty()) {
                int pick = random.nextInt(Math.min(inFlight.size(), 8));
                long seq = inFlight.get(pick);
                Outcome o = w.reply(seq);
                if (o == Outcome.IN_ORDER || o == Outcome.REORDERED) {
                    answered++;
                    if (random.nextInt(10) == 0) {
                        assertEquals(Outcome.DUPLICATE, w.reply(seq));
                        duplicates++;
                    }
                }
                inFlight.remove(pick);
            }
            if (step % 50 == 0) {
                w.expire(time - 40, (seq, i, s) -> lost[0]++);
            }
        }
        w.expireAll((seq, i, s) -> lost[0]++);
        assertEquals(sent, answered + lost[0]);
        assertTrue(duplicates > 0 && lost[0] > 0 && answered > 0);
        assertEquals(0, w.pending());
    }
}
