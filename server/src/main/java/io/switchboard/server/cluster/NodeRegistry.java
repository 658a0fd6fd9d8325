package io.switchboard.server.cluster;

import io.switchboard.server.rooms.SessionIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Which nodes are alive: this node's id (reserved once, at start), when each other node was last
 * seen (its heartbeat key at a scan, or its NODE_UP), and which were registered at the latest
 * scan. A node is alive until one and a third TTLs after it was last seen; a scan that finds its
 * key gone makes it dead at once and hands it to the reaper. Time comes from {@code clock}
 * (nanoseconds), so that tests can move it.
 */
final class NodeRegistry {
    static final int MAX_RESERVATION_TRIES = 32;

    private final int nodeId;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<Integer, Long> lastSeen = new ConcurrentHashMap<>();
    /** The nodes whose heartbeat key existed at the latest scan. */
    private volatile Set<Integer> registered = Set.of();

    NodeRegistry(int nodeId, Duration ttl, LongSupplier clock) {
        this.nodeId = nodeId;
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
    }

    /**
     * Picks a node id nobody holds: random candidates from {@code candidates} until {@code claim}
     * (SET NX of the heartbeat key) takes one.
     *
     * @throws IllegalStateException after {@link #MAX_RESERVATION_TRIES} taken candidates
     */
    static int reserve(IntSupplier candidates, IntPredicate claim) {
        for (int i = 0; i < MAX_RESERVATION_TRIES; i++) {
            int id = candidates.getAsInt();
            if (id >= 1 && id <= SessionIds.MAX_NODE_ID && claim.test(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free node id after " + MAX_RESERVATION_TRIES + " tries");
    }

    int nodeId() {
        return nodeId;
    }

    /** Whether a session id belongs to this node. */
    boolean isLocal(long sessionId) {
        return SessionIds.nodeOf(sessionId) == nodeId;
    }

    /** Whether {@code node} is alive (this node always is). */
    boolean alive(int node) {
        if (node == nodeId) {
            return true;
        }
        Long seen = lastSeen.get(node);
        return seen != null && clock.getAsLong() - seen < ttlNanos + ttlNanos / 3;
    }

    /** Nodes alive now, this one included. */
    int nodesAlive() {
        int n = 1;
        for (Integer node : lastSeen.keySet()) {
            if (node != nodeId && alive(node)) {
                n++;
            }
        }
        return n;
    }

    /** The other nodes alive now. */
    Set<Integer> others() {
        Set<Integer> out = new HashSet<>();
        for (Integer node : lastSeen.keySet()) {
            if (node != nodeId && alive(node)) {
                out.add(node);
            }
        }
        return out;
    }

    /** A NODE_UP from {@code node}. */
    void nodeUp(int node) {
        lastSeen.put(node, clock.getAsLong());
    }

    /** A NODE_DOWN from {@code node}: dead from now on (direct events to it fail at once). */
    void nodeDown(int node) {
        lastSeen.remove(node);
    }

    /** The nodes registered at the latest scan. */
    Set<Integer> registered() {
        return registered;
    }

    /**
     * Applies a scan: each registered node with whether its heartbeat key exists. Those whose key
     * exists are seen now; the others (never this node) are dead from now on.
     *
     * @return the dead nodes, for the reaper
     */
    List<Integer> scanned(Map<Integer, Boolean> beating) {
        long now = clock.getAsLong();
        Set<Integer> live = new HashSet<>();
        List<Integer> dead = new ArrayList<>();
        for (Map.Entry<Integer, Boolean> e : beating.entrySet()) {
            int node = e.getKey();
            if (e.getValue() || node == nodeId) {
                lastSeen.put(node, now);
                live.add(node);
            } else {
                lastSeen.remove(node);
                dead.add(node);
            }
        }
        registered = live;
        return dead;
    }

    /** Reads the registered nodes and their heartbeat keys, and applies them ({@link #scanned}). */
    CompletionStage<List<Integer>> scan(RedisOps redis) {
        return redis.nodes().thenCompose(nodes -> {
            Map<Integer, CompletableFuture<Boolean>> checks = new java.util.LinkedHashMap<>();
            for (int node : nodes) {
                checks.put(node, node == nodeId ? CompletableFuture.completedFuture(true)
                        : redis.beating(node).toCompletableFuture());
            }
            return CompletableFuture.allOf(checks.values().toArray(new CompletableFuture<?>[0])).thenApply(v -> {
                Map<Integer, Boolean> beating = new java.util.LinkedHashMap<>();
                checks.forEach((node, check) -> beating.put(node, check.join()));
                return scanned(beating);
            });
        });
    }

    /** Forgets the nodes no longer alive (after their members were pruned). */
    void forgetDead() {
        lastSeen.entrySet().removeIf(e -> e.getKey() != nodeId && !alive(e.getKey()));
    }
}
