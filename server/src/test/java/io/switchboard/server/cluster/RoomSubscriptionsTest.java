package io.switchboard.server.cluster;

import static io.switchboard.server.cluster.Parts.SELF;
import static io.switchboard.server.cluster.Parts.session;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.protocol.MembersReply.MemberInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Subscription bookkeeping: the held JOIN stage, the mirror of other nodes' members, what a link outage leaves to the resync. */
class RoomSubscriptionsTest {
    private static final int OTHER = 7;
    private final Parts parts = new Parts();
    private final TestMember alice = new TestMember(session(SELF, 1), "alice");
    private final TestMember bob = new TestMember(session(SELF, 2), "bob");

    @Test
    void aFirstJoinIsHeldUntilTheRoomIsReceived() {
        parts.subscriptions.opened("lobby");
        assertEquals(Set.of("sb:r:lobby"), parts.redis.subscribed);
        assertEquals(Set.of("lobby"), parts.redis.nodeRooms.get(SELF));
        CompletionStage<Void> ready = parts.subscriptions.joined("lobby", alice);
        assertNotNull(ready);
        assertFalse(ready.toCompletableFuture().isDone());
        assertEquals(List.of(), parts.redis.published, "nobody hears of alice before this node receives the room");
        assertFalse(parts.redis.rooms.containsKey("lobby"));

        parts.subscriptions.subscribed("sb:r:lobby");
        assertTrue(ready.toCompletableFuture().isDone());
        assertEquals(List.of("sb:r:lobby"), parts.redis.channels());
        assertEquals(Envelope.JOINED + "@" + SELF, Parts.head(parts.redis.published.get(0).message()));
        assertEquals("alice", parts.redis.rooms.get("lobby").get(alice.id()).name());
        assertNull(parts.subscriptions.joined("lobby", bob), "once received, a join completes at once");
    }

    @Test
    void writesHeldForARoomGoOutInOrderWhenItClosesFirst() {
        parts.subscriptions.opened("lobby");
        CompletionStage<Void> ready = parts.subscriptions.joined("lobby", alice);
        parts.subscriptions.left("lobby", alice);
        parts.subscriptions.closed("lobby");
        assertTrue(ready.toCompletableFuture().isDone());
        List<String> kinds = new ArrayList<>();
        parts.redis.published.forEach(p -> kinds.add(Parts.head(p.message())));
        assertEquals(List.of(Envelope.JOINED + "@" + SELF, Envelope.LEFT + "@" + SELF), kinds);
        assertEquals(Set.of(), parts.redis.subscribed);
        assertEquals(Set.of(), parts.redis.nodeRooms.get(SELF));
        assertFalse(parts.redis.rooms.containsKey("lobby"), "the entry went with the LEFT");
    }

    @Test
    void theFirstLoadAnnouncesOnlyWhoJoinedAfterThisNodeOpenedTheRoom() {
        parts.nodes.nodeUp(OTHER);
        long early = session(OTHER, 1);
        long late = session(OTHER, 2);
        parts.redis.announce("lobby", early, "early", false);
        parts.subscriptions.opened("lobby"); // reads the sequence: 1
        parts.redis.announce("lobby", late, "late", false); // joined before the subscription: no notice seen
        parts.subscriptions.joined("lobby", alice);
        parts.subscriptions.subscribed("sb:r:lobby");
        assertEquals(List.of("JOINED lobby " + late + " late"), parts.inbound.calls);
        List<MemberInfo> members = new ArrayList<>();
        parts.subscriptions.remoteMembers("lobby", members);
        assertEquals(Set.of(early, late), Set.copyOf(members.stream().map(MemberInfo::sessionId).toList()),
                "both are members; this node's own are the hub's");
    }

    @Test
    void membersOfDeadNodesAreNotLoadedAndArePrunedWhenTheirNodeDies() {
        parts.nodes.nodeUp(OTHER);
        parts.redis.announce("lobby", session(OTHER, 1), "far", false);
        parts.redis.announce("lobby", session(8, 1), "ghost", false); // node 8 never seen
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        List<MemberInfo> members = new ArrayList<>();
        parts.subscriptions.remoteMembers("lobby", members);
        assertEquals(1, members.size());

        parts.now += Parts.TTL.toNanos() * 2;
        parts.subscriptions.prune();
        assertEquals(List.of("LEFT lobby " + session(OTHER, 1) + " far"), parts.inbound.calls);
        members.clear();
        parts.subscriptions.remoteMembers("lobby", members);
        assertEquals(List.of(), members);
        assertEquals(1, parts.nodes.nodesAlive(), "and the registry forgot the node");
    }

    @Test
    void aReloadTellsWhoJoinedMeanwhileAndSuspectsWhoIsMissing() {
        parts.nodes.nodeUp(OTHER);
        long stays = session(OTHER, 1);
        long goes = session(OTHER, 2);
        long comes = session(OTHER, 3);
        parts.redis.announce("lobby", stays, "stays", false);
        parts.redis.announce("lobby", goes, "goes", false);
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        parts.redis.retract("lobby", goes);
        parts.redis.announce("lobby", comes, "comes", false);

        parts.subscriptions.subscribed("sb:r:lobby"); // resubscribed after an outage
        assertEquals(List.of("JOINED lobby " + comes + " comes"), parts.inbound.calls);
        parts.nodes.scanned(java.util.Map.of(OTHER, true, SELF, true));
        parts.subscriptions.confirmSuspects();
        assertEquals(List.of("JOINED lobby " + comes + " comes", "LEFT lobby " + goes + " goes"), parts.inbound.calls);
    }

    @Test
    void withTheLinkDownChangesAreLeftToTheResync() {
        parts.state.up = false;
        parts.subscriptions.opened("lobby");
        assertTrue(parts.state.resync);
        assertNull(parts.subscriptions.joined("lobby", alice), "nothing to wait for while the link is down");
        parts.subscriptions.left("lobby", bob);
        assertEquals(List.of(), parts.redis.published);
        RoomSubscriptions.Presence unsent = parts.subscriptions.nextUnsentLeft();
        assertEquals(new RoomSubscriptions.Presence("lobby", bob.id(), "bob"), unsent);
        assertNull(parts.subscriptions.nextUnsentLeft());
    }

    @Test
    void aLeftThatCannotBeWrittenIsKeptForTheResync() {
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        parts.redis.down = true;
        parts.subscriptions.left("lobby", alice);
        assertTrue(parts.state.resync);
        assertEquals(new RoomSubscriptions.Presence("lobby", alice.id(), "alice"), parts.subscriptions.nextUnsentLeft());
    }

    @Test
    void ownMembersNoticesAreNotMirrored() {
        parts.subscriptions.opened("lobby");
        parts.subscriptions.subscribed("sb:r:lobby");
        parts.subscriptions.presence(Envelope.JOINED, new Envelope.PresenceNotice("lobby", alice.id(), "alice"));
        assertEquals(List.of(), parts.inbound.calls);
    }

    @Test
    void theJoinStageCompletesWithinTheLimitEvenIfRedisNeverConfirms() {
        parts.subscriptions.opened("lobby");
        CompletableFuture<Void> ready = parts.subscriptions.joined("lobby", alice).toCompletableFuture();
        assertFalse(ready.isDone());
        ready.orTimeout(RoomSubscriptions.READY_LIMIT_MILLIS + 2000, java.util.concurrent.TimeUnit.MILLISECONDS).join();
    }
}
