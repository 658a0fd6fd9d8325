package io.switchboard.client.load.workload.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.client.load.workload.udp.SequenceWindow.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SequenceWindowTest {

    @Test
    void inOrderRepliesAreAnsweredOnce() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 1; i <= 5; i++) {
            assertEquals(i, w.send(i + 100, i, 20 + i));
        }
        assertEquals(5, w.pending());
        for (int i = 1; i <= 5; i++) {
            assertEquals(Outcome.IN_ORDER, w.reply(i));
            assertEquals(i + 100, w.token(i));
            assertEquals(i, w.offset(i));
            assertEquals(20 + i, w.size(i));
        }
        assertEquals(0, w.pending());
        assertEquals(0, w.oldestPending());
        assertEquals(Outcome.DUPLICATE, w.reply(3));
        assertEquals(Outcome.UNKNOWN, w.reply(6));
        assertEquals(Outcome.UNKNOWN, w.reply(0));
        assertEquals(Outcome.UNKNOWN, w.reply(-7));
    }

    @Test
    void aReplyAfterAHigherOneIsReordered() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 0; i < 4; i++) {
            w.send(i, 0, 20);
        }
        assertEquals(Outcome.IN_ORDER, w.reply(1));
        assertEquals(Outcome.IN_ORDER, w.reply(3));
        assertEquals(2, w.oldestPending());
        assertEquals(Outcome.REORDERED, w.reply(2));
        assertEquals(Outcome.IN_ORDER, w.reply(4));
        assertEquals(Outcome.DUPLICATE, w.reply(2));
    }

    @Test
    void aLostDatagramStaysLostWhenItsReplyComesLate() {
        SequenceWindow w = new SequenceWindow(16);
        w.send(7, 0, 20);
        w.send(8, 0, 20);
        assertTrue(w.lose(1));
        assertFalse(w.lose(1), "lost once only");
        assertEquals(Outcome.LATE, w.reply(1));
        assertEquals(Outcome.LATE, w.reply(1));
        assertEquals(Outcome.IN_ORDER, w.reply(2));
        assertFalse(w.lose(2), "an answered datagram cannot be lost");
        assertFalse(w.lose(3), "never sent");
        assertEquals(0, w.pending());
    }

    @Test
    void loseAllDeclaresEveryPendingDatagramLostOldestFirst() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 0; i < 5; i++) {
            w.send(i, 0, 20);
        }
        w.reply(2);
        w.reply(4);
        List<String> lost = new ArrayList<>();
        assertEquals(3, w.loseAll((seq, token) -> lost.add(seq + "/" + token)));
        assertEquals(List.of("1/0", "3/2", "5/4"), lost);
        assertEquals(0, w.loseAll((seq, token) -> lost.add("again")));
        assertEquals(Outcome.LATE, w.reply(5));
    }

    @Test
    void repliesOlderThanTheRingAreStale() {
        SequenceWindow w = new SequenceWindow(16);
        w.reply(w.send(0, 0, 20));
        for (int i = 0; i < 16; i++) {
            w.reply(w.send(0, 0, 20));
        }
        assertEquals(Outcome.STALE, w.reply(1));
        assertEquals(Outcome.DUPLICATE, w.reply(2));
    }

    @Test
    void aFullRingRefusesUntilTheOldestIsResolved() {
        SequenceWindow w = new SequenceWindow(16);
        for (int i = 0; i < 16; i++) {
            assertTrue(w.send(i, 0, 20) > 0);
        }
        assertTrue(w.full());
        assertEquals(-1, w.send(0, 0, 20));
        w.reply(2); // not the oldest: still full
        assertEquals(-1, w.send(0, 0, 20));
        assertTrue(w.lose(w.oldestPending()));
        assertFalse(w.full());
        assertEquals(17, w.send(0, 0, 20));
        assertEquals(18, w.send(0, 0, 20), "2 was answered: its slot is free too");
        assertEquals(-1, w.send(0, 0, 20));
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

    /** A long random run against a model: every datagram ends answered or lost, exactly once. */
    @Test
    void everyDatagramEndsAnsweredOrLostExactlyOnce() {
        SplittableRandom random = new SplittableRandom(42);
        SequenceWindow w = new SequenceWindow(64);
        List<Long> inFlight = new ArrayList<>();
        long sent = 0;
        long answered = 0;
        long lost = 0;
        long reordered = 0;
        for (int step = 0; step < 100_000; step++) {
            int action = random.nextInt(10);
            if (action < 6) {
                long seq = w.send(0, 0, 20);
                if (seq > 0) {
                    sent++;
                    inFlight.add(seq);
                } else {
                    assertTrue(w.lose(w.oldestPending()));
                    lost++;
                }
            } else if (action < 9 && !inFlight.isEmpty()) {
                int pick = random.nextInt(Math.min(inFlight.size(), 4));
                long seq = inFlight.remove(pick);
                Outcome o = w.reply(seq);
                if (o == Outcome.IN_ORDER || o == Outcome.REORDERED) {
                    answered++;
                    reordered += o == Outcome.REORDERED ? 1 : 0;
                    if (random.nextInt(10) == 0) {
                        assertEquals(Outcome.DUPLICATE, w.reply(seq));
                    }
                } else {
                    // declared lost when the ring filled up; long ago if its slot has been reused
                    assertTrue(o == Outcome.LATE || o == Outcome.STALE, o::toString);
                }
            } else if (!inFlight.isEmpty()) {
                long seq = inFlight.remove(0);
                if (w.lose(seq)) {
                    lost++;
                }
            }
        }
        long[] atEnd = {0};
        w.loseAll((seq, token) -> atEnd[0]++);
        assertEquals(sent, answered + lost + atEnd[0]);
        assertTrue(reordered > 0 && lost > 0 && answered > 0);
        assertEquals(0, w.pending());
    }
}
