package io.switchboard.server.cluster;

import static io.switchboard.server.cluster.Parts.SELF;
import static io.switchboard.server.cluster.Parts.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One heartbeat tick over a fake Redis: the link's state, registering again, the resync, the reaper. */
class HeartbeatTest {
    private static final int OTHER = 7;
    private static final int DEAD = 9;
    private final Parts parts = new Parts();

    @Test
    void aTickKeepsTheLinkUpAndLearnsWhoIsAliveAndWhoIsDead() {
        parts.redis.beating.addAll(Set.of(SELF, OTHER));
        parts.redis.nodes.addAll(Set.of(SELF, OTHER, DEAD));
        parts.redis.announce("r", session(DEAD, 1), "d", false);
        parts.redis.nodeRoom(DEAD, "r", true);
        parts.state.up = false;
        parts.heartbeat.tick();
        assertTrue(parts.state.up);
        assertEquals(2, parts.nodes.nodesAlive());
        assertEquals(List.of("sb:r:r"), parts.redis.channels(), "the dead node's member was reaped: its LEFT");
        assertFalse(parts.redis.nodes.contains(DEAD));
    }

    @Test
    void aLostKeyIsRegisteredAgainAndTheResyncRuns() {
        TestMember alice = new TestMember(session(SELF, 1), "alice");
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        parts.inbound.memberships.put("lobby", List.of(alice));
        // Redis restarted empty: no key, no node set, no room hash.
        parts.heartbeat.tick();
        assertTrue(parts.redis.nodes.contains(SELF));
        assertFalse(parts.state.resync);
        assertEquals(List.of("sb:all", "sb:r:lobby"), parts.redis.channels(), "NODE_UP, then alice announced again");
        assertEquals(Envelope.NODE_UP + "@" + SELF, Parts.head(parts.redis.published.get(0).message()));
        assertTrue(parts.redis.rooms.get("lobby").containsKey(alice.id()));
    }

    @Test
    void aKeyHeldByAnotherNodeOrAFailedHeartbeatTakesTheLinkDown() {
        parts.redis.keyHeldByAnother = true;
        parts.heartbeat.tick();
        assertFalse(parts.state.up);
        parts.redis.keyHeldByAnother = false;
        parts.heartbeat.tick();
        assertTrue(parts.state.up);
        parts.redis.down = true;
        parts.heartbeat.tick();
        assertFalse(parts.state.up);
    }

    @Test
    void aClosedBrokerDoesNotBeat() {
        parts.state.closed = true;
        parts.heartbeat.tick();
        assertFalse(parts.redis.beating.contains(SELF));
        assertEquals(List.of(), parts.redis.published);
    }
}
