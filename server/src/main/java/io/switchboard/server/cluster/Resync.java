package io.switchboard.server.cluster;

import io.switchboard.server.rooms.ClusterInbound;
import io.switchboard.server.rooms.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts this node's state back after an outage (or after Redis lost its data): subscriptions whose
 * SUBSCRIBE was refused, the rooms set the reaper reads, the LEFT notices that could not be sent,
 * and every local membership (a JOINED for those the cluster had lost: Redis restarted empty, or a
 * reaper removed them).
 */
final class Resync {
    private final RedisOps redis;
    private final NodeRegistry nodes;
    private final LinkState state;
    private final RoomSubscriptions subscriptions;
    private final Forwarding forwarding;
    private final ClusterInbound inbound;

    Resync(RedisOps redis, NodeRegistry nodes, LinkState state, RoomSubscriptions subscriptions, Forwarding forwarding,
            ClusterInbound inbound) {
        this.redis = redis;
        this.nodes = nodes;
        this.state = state;
        this.subscriptions = subscriptions;
        this.forwarding = forwarding;
        this.inbound = inbound;
    }

    void run() {
        state.resync = false;
        for (RoomSubscriptions.RoomLink link : subscriptions.links()) {
            subscriptions.subscribe(link); // harmless if subscribed; reloads the mirror either way
            redis.nodeRoom(nodes.nodeId(), link.room, true);
        }
        for (RoomSubscriptions.Presence p; (p = subscriptions.nextUnsentLeft()) != null; ) {
            if (!inbound.isMember(p.room(), p.session())) {
                subscriptions.sendLeft(p);
            }
        }
        List<Map.Entry<String, Member>> memberships = new ArrayList<>();
        inbound.forEachMembership((room, member) -> memberships.add(Map.entry(room, member)));
        for (Map.Entry<String, Member> m : memberships) {
            String room = m.getKey();
            if (subscriptions.link(room) == null) {
                continue;
            }
            long id = m.getValue().id();
            String name = m.getValue().name();
            redis.announce(room, id, name, true).whenComplete((seq, e) -> {
                if (e != null) {
                    state.needResync();
                } else if (seq > 0) {
                    if (inbound.isMember(room, id)) {
                        forwarding.presence(Envelope.JOINED, room, id, name);
                    } else {
                        redis.retract(room, id); // left while we were writing
                    }
                }
            });
        }
    }
}
