package io.switchboard.server.cluster;

import java.util.concurrent.atomic.LongAdder;

/** What the parts of a {@link RedisBroker} share: whether the link is up, whether a resync is due, the counters. */
final class LinkState {
    /** Both connections open and the last heartbeat answered. */
    volatile boolean up;
    /** Something could not be written to Redis (or the link dropped): the next tick with the link up resyncs. */
    volatile boolean resync;
    /** The broker is closed: nothing more is sent or delivered. */
    volatile boolean closed;

    final LongAdder forwarded = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder reaped = new LongAdder();

    void needResync() {
        resync = true;
    }
}
