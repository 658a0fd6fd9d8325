package io.switchboard.client.load.engine;

import java.util.NoSuchElementException;

/** A growable first-in first-out queue of longs; not thread-safe. */
final class LongRing {
    private long[] items;
    private int head;
    private int size;

    LongRing(int initialCapacity) {
        items = new long[Math.max(2, Integer.highestOneBit(Math.max(1, initialCapacity - 1)) << 1)];
    }

    void add(long value) {
        if (size == items.length) {
            long[] bigger = new long[items.length * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = items[(head + i) & (items.length - 1)];
            }
            items = bigger;
            head = 0;
        }
        items[(head + size) & (items.length - 1)] = value;
        size++;
    }

    long poll() {
        if (size == 0) {
            throw new NoSuchElementException();
        }
        long v = items[head];
        head = (head + 1) & (items.length - 1);
        size--;
        return v;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }
}
