package io.switchboard.server.cluster;

import static io.switchboard.server.cluster.Parts.SELF;
import static io.switchboard.server.cluster.Parts.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reaper (a dead node's members leave, once) and the resync (this node's state written back), over a fake Redis. */
class ReaperAndResyncTest {
    private static final int DEAD = 9;
    private static final int OTHER = 7;
    private final Parts parts = new Parts();

    private List<String> published() {
        List<String> out = new ArrayList<>();
        for (FakeRedis.Published p : parts.redis.published) {
            String head = Parts.head(p.message());
            Envelope.PresenceNotice n = head.startsWith(Envelope.JOINED + "@") || head.startsWith(Envelope.LEFT + "@")
                    ? Parts.presence(p.message()) : null;
            out.add(p.channel() + " " + head + (n == null ? "" : " " + n.room() + " " + n.session() + " " + n.name()));
        }
        return out;
    }

    private void deadNodeWithMembers() {
        parts.redis.nodes.addAll(Set.of(SELF, OTHER, DEAD));
        parts.redis.beating.addAll(Set.of(SELF, OTHER));
        parts.redis.announce("r1", session(DEAD, 1), "d1", false);
        parts.redis.announce("r1", session(OTHER, 1), "o1", false);
        parts.redis.announce("r2", session(DEAD, 2), "d2", false);
        parts.redis.nodeRoom(DEAD, "r1", true);
        parts.redis.nodeRoom(DEAD, "r2", true);
    }

    @Test
    void theElectedSurvivorRemovesTheDeadNodesMembersAndTellsEachOnce() {
        deadNodeWithMembers();
        List<Integer> dead = parts.nodes.scan(parts.redis).toCompletableFuture().join();
        assertEquals(List.of(DEAD), dead);
        parts.reaper.reap(DEAD).join();
        List<String> lefts = published();
        lefts.sort(null);
        assertEquals(List.of("sb:r:r1 " + Envelope.LEFT + "@" + DEAD + " r1 " + session(DEAD, 1) + " d1",
                "sb:r:r2 " + Envelope.LEFT + "@" + DEAD + " r2 " + session(DEAD, 2) + " d2"), lefts,
                "with the dead node as origin, so that every node delivers it");
        assertEquals(2, parts.state.reaped.sum());
        assertEquals(Set.of(session(OTHER, 1)), parts.redis.rooms.get("r1").keySet(), "the living stay");
        assertFalse(parts.redis.rooms.containsKey("r2"));
        assertFalse(parts.redis.nodes.contains(DEAD), "forgotten");
        assertFalse(parts.redis.nodeRooms.containsKey(DEAD));

        parts.redis.published.clear();
        parts.redis.locks.clear(); // the lock expired: another round finds nothing left to tell
        parts.redis.nodes.add(DEAD);
        parts.reaper.reap(DEAD).join();
        assertEquals(List.of(), parts.redis.published);
        assertEquals(2, parts.state.reaped.sum());
    }

    @Test
    void aSurvivorThatLosesTheElectionDoesNothing() {
        deadNodeWithMembers();
        parts.redis.locks.add(DEAD); // another survivor holds it
        parts.reaper.reap(DEAD).join();
        assertEquals(List.of(), parts.redis.published);
        assertEquals(Set.of(session(DEAD, 1), session(OTHER, 1)), parts.redis.rooms.get("r1").keySet());
        assertTrue(parts.redis.nodes.contains(DEAD));
    }

    @Test
    void aDeadNodesMembersLeaveLocallyWhenItsHeartbeatIsOverdueEvenWithoutTheReaper() {
        parts.nodes.nodeUp(DEAD);
        parts.redis.announce("r1", session(DEAD, 1), "d1", false);
        parts.subscriptions.opened("r1");
        parts.subscriptions.subscribed("sb:r:r1");
        parts.now += Parts.TTL.toNanos(); // within a TTL and a third: alive
        parts.subscriptions.prune();
        assertEquals(List.of(), parts.inbound.calls);
        parts.now += Parts.TTL.toNanos() / 3;
        parts.subscriptions.prune();
        assertEquals(List.of("LEFT r1 " + session(DEAD, 1) + " d1"), parts.inbound.calls);
    }

    @Test
    void resyncWritesBackEveryLocalMembershipAndTheLeftsThatCouldNotBeSent() {
        TestMember alice = new TestMember(session(SELF, 1), "alice");
        TestMember bob = new TestMember(session(SELF, 2), "bob");
        TestMember carol = new TestMember(session(SELF, 3), "carol");
        parts.state.up = false; // the outage: nothing written
        parts.subscriptions.opened("lobby");
        parts.subscriptions.joined("lobby", alice);
        parts.subscriptions.joined("lobby", bob);
        parts.subscriptions.left("lobby", carol);
        parts.inbound.memberships.put("lobby", List.of(alice, bob));
        parts.redis.announce("lobby", bob.id(), "bob", false); // bob's entry survived; alice's did not
        parts.redis.announce("lobby", carol.id(), "carol", false);
        parts.redis.published.clear();

        parts.state.up = true;
        parts.resync.run();
        assertFalse(parts.state.resync);
        assertEquals(Set.of("sb:r:lobby"), parts.redis.subscribed);
        assertEquals(Set.of("lobby"), parts.redis.nodeRooms.get(SELF));
        assertEquals(Set.of(alice.id(), bob.id()), parts.redis.rooms.get("lobby").keySet(), "carol's entry is gone");
        assertEquals(List.of("sb:r:lobby " + Envelope.LEFT + "@" + SELF + " lobby " + carol.id() + " carol",
                "sb:r:lobby " + Envelope.JOINED + "@" + SELF + " lobby " + alice.id() + " alice"), published(),
                "JOINED only for the membership the cluster had lost");
    }

    @Test
    void resyncDoesNotSendALeftForWhoIsBackInTheRoom() {
        TestMember alice = new TestMember(session(SELF, 1), "alice");
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        parts.state.up = false;
        parts.subscriptions.left("lobby", alice);
        parts.inbound.memberships.put("lobby", List.of(alice)); // joined again meanwhile
        parts.redis.announce("lobby", alice.id(), "alice", false);
        parts.redis.published.clear();
        parts.state.up = true;
        parts.resync.run();
        assertEquals(List.of(), published());
    }
}
