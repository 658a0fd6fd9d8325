package io.switchboard.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.rooms.RoomHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Node id reservation and liveness, on a clock the test moves. */
class NodeRegistryTest {
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final int SELF = 10;

    private long now = 1_000_000_000L;
    private final NodeRegistry nodes = new NodeRegistry(SELF, TTL, () -> now);

    @Test
    void reservesTheFirstCandidateNobodyHolds() {
        Iterator<Integer> candidates = List.of(5, 0, RoomHub.MAX_NODE_ID + 1, 6, 7).iterator();
        List<Integer> tried = new ArrayList<>();
        int id = NodeRegistry.reserve(candidates::next, candidate -> {
            tried.add(candidate);
            return candidate == 7;
        });
        assertEquals(7, id);
        assertEquals(List.of(5, 6, 7), tried, "out-of-range candidates are never claimed");
    }

    @Test
    void givesUpAfterABoundedNumberOfTakenCandidates() {
        int[] tries = {0};
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NodeRegistry.reserve(() -> 5, candidate -> ++tries[0] < 0));
        assertEquals(NodeRegistry.MAX_RESERVATION_TRIES, tries[0]);
        assertTrue(e.getMessage().contains("no free node id"), e.getMessage());
    }

    @Test
    void aNodeIsAliveForATtlAndAThirdAfterItWasLastSeen() {
        assertTrue(nodes.alive(SELF), "this node always is");
        assertFalse(nodes.alive(3), "never seen");
        nodes.nodeUp(3);
        assertTrue(nodes.alive(3));
        assertEquals(2, nodes.nodesAlive());
        now += TTL.toNanos() + TTL.toNanos() / 3 - 1;
        assertTrue(nodes.alive(3));
        now += 1;
        assertFalse(nodes.alive(3));
        assertEquals(1, nodes.nodesAlive());
        nodes.nodeUp(3);
        assertTrue(nodes.alive(3), "a NODE_UP brings it back");
        nodes.nodeDown(3);
        assertFalse(nodes.alive(3), "NODE_DOWN: dead at once");
    }

    @Test
    void aScanRefreshesTheLiveAndReturnsTheDeadForTheReaper() {
        Map<Integer, Boolean> beating = new LinkedHashMap<>();
        beating.put(SELF, false); // this node's own key is never held against it
        beating.put(2, true);
        beating.put(3, false);
        nodes.nodeUp(3);
        assertEquals(List.of(3), nodes.scanned(beating));
        assertEquals(Set.of(SELF, 2), nodes.registered());
        assertTrue(nodes.alive(2));
        assertFalse(nodes.alive(3), "its key is gone: dead without waiting for the TTL");
        assertEquals(2, nodes.nodesAlive());
    }

    @Test
    void scanReadsTheRegisteredNodesAndTheirHeartbeatKeys() {
        FakeRedis redis = new FakeRedis();
        redis.nodes.addAll(Set.of(SELF, 2, 3, 4));
        redis.beating.addAll(Set.of(2, 4));
        List<Integer> dead = nodes.scan(redis).toCompletableFuture().join();
        assertEquals(List.of(3), dead);
        assertEquals(3, nodes.nodesAlive());
    }

    @Test
    void forgetsOnlyTheDead() {
        nodes.nodeUp(2);
        now += TTL.toNanos();
        nodes.nodeUp(4);
        now += TTL.toNanos() / 2;
        nodes.forgetDead();
        assertFalse(nodes.alive(2));
        assertTrue(nodes.alive(4));
        assertEquals(2, nodes.nodesAlive());
    }

    @Test
    void sessionIdsNameTheirNode() {
        assertTrue(nodes.isLocal((long) SELF << RoomHub.NODE_SHIFT | 42));
        assertFalse(nodes.isLocal(11L << RoomHub.NODE_SHIFT | 42));
    }
}
