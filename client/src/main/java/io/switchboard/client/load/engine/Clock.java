package io.switchboard.client.load.engine;

/** A monotonic nanosecond clock; injectable so the scheduler can be tested with a fake one. */
@FunctionalInterface
public interface Clock {
    /** {@link System#nanoTime()}. */
    Clock SYSTEM = System::nanoTime;

    long nanoTime();
}
