package io.switchboard.client.load.workload;

import java.util.NoSuchElementException;

/**
 * A first-in first-out queue of request tokens for protocols whose responses come back in send
 * order. Fixed capacity (the pipeline depth), no allocation after construction, not thread-safe:
 * one per connection, used on its event loop.
 */
public final class TokenQueue {
    private final int[] tokens;
    private final long[] values;
    private int head;
    private int size;

    /** A queue for up to {@code capacity} tokens. */
    public TokenQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1 or more)");
        }
        tokens = new int[capacity];
        values = new long[capacity];
    }

    /** Appends a token. */
    public void add(int token) {
        add(token, 0);
    }

    /** Appends a token with a value the workload wants back with it (an expected length and offset). */
    public void add(int token, long value) {
        if (size == tokens.length) {
            throw new IllegalStateException("more than " + tokens.length + " requests in flight");
        }
        int tail = (head + size) % tokens.length;
        tokens[tail] = token;
        values[tail] = value;
        size++;
    }

    /** The oldest token. */
    public int peek() {
        if (size == 0) {
            throw new NoSuchElementException("no request in flight");
        }
        return tokens[head];
    }

    /** The value stored with the oldest token. */
    public long peekValue() {
        if (size == 0) {
            throw new NoSuchElementException("no request in flight");
        }
        return values[head];
    }

    /** Removes and returns the oldest token. */
    public int poll() {
        int token = peek();
        head = (head + 1) % tokens.length;
        size--;
        return token;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    public void clear() {
        head = 0;
        size = 0;
    }
}
