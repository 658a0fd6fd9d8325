package io.switchboard.client.load.workload;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Protocol-specific counts of one stage ({@code lost}, {@code reordered}, {@code opened}, ...),
 * reported in {@link io.switchboard.client.load.result.StageResult#counters()}. Thread-safe. Look
 * a counter up once (at open) and keep the {@link LongAdder}; adding to it is cheap on any thread.
 * Counters are not split by warm-up: they cover the whole stage.
 */
public final class StageCounters {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    /** The counter of this name, created at zero on first use. */
    public LongAdder counter(String name) {
        return counters.computeIfAbsent(name, n -> new LongAdder());
    }

    /** A snapshot, sorted by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
