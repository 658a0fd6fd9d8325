package io.switchboard.server.cluster;

import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.server.rooms.ClusterInbound;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.SessionIds;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The rooms this node has members in: their channel subscriptions, the presence writes held until
 * a room's first SUBSCRIBE is confirmed (the pending-join stage a first JOIN waits on), and each
 * room's mirror of its members on other nodes, kept from presence notices and member-hash loads.
 *
 * <p>{@link #opened}, {@link #closed}, {@link #joined} and {@link #left} are called inside the
 * hub's per-room critical section: they only issue commands, never wait, and never call the hub.
 */
final class RoomSubscriptions {
    /** The longest a JOIN's answer waits for the room's subscription before it goes out regardless. */
    static final long READY_LIMIT_MILLIS = 2000;

    private final RedisOps redis;
    private final NodeRegistry nodes;
    private final LinkState state;
    private final ClusterInbound inbound;
    /** Set once, right after construction (forwarding needs the rooms' channels, and this needs forwarding). */
    private Forwarding forwarding;
    private final Map<String, RoomLink> links = new ConcurrentHashMap<>();
    private final Queue<Presence> unsentLefts = new ConcurrentLinkedQueue<>();

    /** A room this node has members in: its channel, and its members on other nodes. */
    static final class RoomLink {
        final String room;
        final byte[] channel;
        final Map<Long, String> remote = new ConcurrentHashMap<>();
        /** Set once the first load of the members hash after subscribing is applied. */
        volatile boolean loaded;
        /** Remote members missing from the last reload, removed if still missing at the next tick. */
        volatile Set<Long> suspects = Set.of();
        /**
         * Presence writes held until the first SUBSCRIBE is confirmed, in order; {@code null} from
         * then on. So a member's JOINED (and its entry in the hash) reaches the other nodes only once
         * this node receives the room's traffic: whoever sees it can reach it. Guarded by the link.
         */
        List<Runnable> held = new ArrayList<>();
        /** Completes when {@link #held} is released (or after {@link #READY_LIMIT_MILLIS} at most). */
        final CompletableFuture<Void> ready = new CompletableFuture<Void>()
                .completeOnTimeout(null, READY_LIMIT_MILLIS, TimeUnit.MILLISECONDS);
        /**
         * The room's join sequence number when this node opened the room: members of other nodes
         * above it joined after this node's first member did, and that member is told (JOINED)
         * about them even if their notice came before the subscription.
         */
        volatile long baseSeq;
        /** While a load of the members hash is in flight: who left meanwhile, not to be added back from it. */
        volatile boolean loading;
        final Set<Long> departed = ConcurrentHashMap.newKeySet();

        RoomLink(String room) {
            this.room = room;
            this.channel = Names.roomChannel(room);
        }
    }

    /** A local member's LEFT, held while it cannot be written. */
    record Presence(String room, long session, String name) {
    }

    RoomSubscriptions(RedisOps redis, NodeRegistry nodes, LinkState state, ClusterInbound inbound) {
        this.redis = redis;
        this.nodes = nodes;
        this.state = state;
        this.inbound = inbound;
    }

    void publishWith(Forwarding publisher) {
        this.forwarding = publisher;
    }

    /** The room's channel name (kept encoded while the room is open). */
    byte[] channel(String room) {
        RoomLink link = links.get(room);
        return link != null ? link.channel : Names.roomChannel(room);
    }

    RoomLink link(String room) {
        return links.get(room);
    }

    Iterable<RoomLink> links() {
        return links.values();
    }

    // ---- membership (inside the hub's per-room critical section) ----

    void opened(String room) {
        RoomLink link = new RoomLink(room);
        links.put(room, link);
        if (state.up) {
            subscribe(link);
            redis.nodeRoom(nodes.nodeId(), room, true);
        } else {
            state.needResync();
        }
    }

    void closed(String room) {
        RoomLink link = links.remove(room);
        if (link != null) {
            release(link); // whatever was held (at least the LEFT of the last member) goes out now
        }
        if (link != null && state.up) {
            redis.unsubscribe(link.channel);
            redis.nodeRoom(nodes.nodeId(), room, false);
        }
    }

    CompletionStage<Void> joined(String room, Member member) {
        if (!state.up) {
            state.needResync(); // announced by the resync once the link is back
            return null;
        }
        long id = member.id();
        String name = member.name();
        return whenSubscribed(room, () -> {
            redis.announce(room, id, name, false).whenComplete((seq, e) -> {
                if (e != null) {
                    state.needResync();
                }
            });
            forwarding.presence(Envelope.JOINED, room, id, name);
        });
    }

    void left(String room, Member member) {
        Presence p = new Presence(room, member.id(), member.name());
        if (!state.up) {
            unsentLefts.add(p);
            state.needResync();
            return;
        }
        whenSubscribed(room, () -> sendLeft(p));
    }

    /**
     * Runs a presence write now (returning {@code null}), or once the room's first SUBSCRIBE is
     * confirmed, in call order (returning the stage that completes then).
     */
    private CompletionStage<Void> whenSubscribed(String room, Runnable write) {
        RoomLink link = links.get(room);
        if (link != null) {
            synchronized (link) {
                if (link.held != null) {
                    link.held.add(write);
                    return link.ready;
                }
            }
        }
        write.run();
        return null;
    }

    /** The room's subscription is confirmed (or it closed): the held presence writes go out, in order. */
    static void release(RoomLink link) {
        synchronized (link) {
            List<Runnable> held = link.held;
            link.held = null;
            if (held != null) {
                held.forEach(Runnable::run);
            }
        }
        link.ready.complete(null);
    }

    void sendLeft(Presence p) {
        redis.retract(p.room(), p.session()).whenComplete((n, e) -> {
            if (e != null) {
                unsentLefts.add(p);
                state.needResync();
            }
        });
        forwarding.presence(Envelope.LEFT, p.room(), p.session(), p.name());
    }

    /** The LEFT notices that could not be written, oldest first; each taken once. */
    Presence nextUnsentLeft() {
        return unsentLefts.poll();
    }

    // ---- subscribing and loading ----

    /**
     * SUBSCRIBE to the room's channel; the first time, after reading the room's join sequence
     * number: whatever joins after it was read is either in the hash when it is loaded after the
     * subscription, or its JOINED arrives through the subscription. A failure leaves it to the
     * next resync.
     */
    void subscribe(RoomLink link) {
        if (link.loaded) {
            redis.subscribe(link.channel).whenComplete((ok, failed) -> {
                if (failed != null) {
                    state.needResync();
                }
            });
            return;
        }
        redis.joinSequence(link.room).whenComplete((seq, e) -> {
            if (e != null) {
                state.needResync();
                return;
            }
            link.baseSeq = seq;
            redis.subscribe(link.channel).whenComplete((ok, failed) -> {
                if (failed != null) {
                    state.needResync();
                }
            });
        });
    }

    /** Redis confirmed a SUBSCRIBE: for a room's channel, the held writes go out and the members are loaded. */
    void subscribed(String channel) {
        if (channel.startsWith(Names.ROOM_CHANNEL_PREFIX)) {
            RoomLink link = links.get(channel.substring(Names.ROOM_CHANNEL_PREFIX.length()));
            if (link != null) {
                release(link);
                load(link);
            }
        }
    }

    /**
     * Reads the room's members hash after (re)subscribing. The first load only fills the mirror
     * (a member is not told about those who were there before it joined); later loads, after an
     * outage, tell local members about who joined meanwhile, and mark who is missing as a suspect
     * to be removed at the next tick if still missing (so that a Redis restart, which empties the
     * hash until the nodes re-announce, does not make everybody leave and rejoin).
     */
    void load(RoomLink link) {
        link.departed.clear();
        link.loading = true;
        redis.members(link.room).whenComplete((found, e) -> {
            link.loading = false;
            if (e != null || links.get(link.room) != link) {
                return;
            }
            loaded(link, found);
        });
    }

    /** Applies a load of the room's members hash (see {@link #load}). */
    void loaded(RoomLink link, Map<Long, MemberEntry> found) {
        boolean reload = link.loaded;
        for (Map.Entry<Long, MemberEntry> m : found.entrySet()) {
            long session = m.getKey();
            String name = m.getValue().name();
            if (here(session) || !nodes.alive(SessionIds.nodeOf(session)) || link.departed.contains(session)) {
                continue;
            }
            // First load: only those who joined after this node's first member are news to it.
            boolean announce = reload || m.getValue().seq() > link.baseSeq;
            if (link.remote.putIfAbsent(session, name) == null && announce) {
                inbound.deliverRemotePresence(Opcode.JOINED, link.room, session, name);
            }
        }
        if (reload) {
            Set<Long> missing = new HashSet<>(link.remote.keySet());
            missing.removeAll(found.keySet());
            link.suspects = missing;
        }
        link.loaded = true;
    }

    // ---- what other nodes tell ----

    /** A JOINED or LEFT from another node: the room's mirror, and this node's members if it is news. */
    void presence(int kind, Envelope.PresenceNotice notice) {
        RoomLink link = links.get(notice.room());
        if (link == null || here(notice.session())) {
            return;
        }
        if (kind == Envelope.JOINED) {
            if (link.remote.put(notice.session(), notice.name()) == null) {
                inbound.deliverRemotePresence(Opcode.JOINED, notice.room(), notice.session(), notice.name());
            }
        } else {
            if (link.loading) {
                link.departed.add(notice.session());
            }
            if (link.remote.remove(notice.session()) != null) {
                inbound.deliverRemotePresence(Opcode.LEFT, notice.room(), notice.session(), notice.name());
            }
        }
    }

    /**
     * Whether a session is served by this node: its id names this node and no other node took it
     * over, or another node's session was taken over here (Socket.IO recovery on another node).
     */
    private boolean here(long session) {
        return nodes.isLocal(session) ? !inbound.movedAway(session) : inbound.adopted(session);
    }

    /** Adds the members of {@code room} on other nodes to {@code into}. */
    void remoteMembers(String room, List<MemberInfo> into) {
        RoomLink link = links.get(room);
        if (link != null) {
            for (Map.Entry<Long, String> e : link.remote.entrySet()) {
                into.add(new MemberInfo(e.getKey(), e.getValue()));
            }
        }
    }

    /** Removes from the mirrors the members of nodes no longer alive, telling local members. */
    void prune() {
        for (RoomLink link : links.values()) {
            for (Map.Entry<Long, String> m : link.remote.entrySet()) {
                if (!nodes.alive(SessionIds.nodeOf(m.getKey())) && link.remote.remove(m.getKey(), m.getValue())) {
                    inbound.deliverRemotePresence(Opcode.LEFT, link.room, m.getKey(), m.getValue());
                }
            }
        }
        nodes.forgetDead();
    }

    /**
     * Second look at members a reload did not find. One whose node is registered (again) and still
     * lacks its entry left while this node was away; one whose node is not registered yet (Redis
     * restarted empty and that node has not re-announced) stays a suspect, and goes with its node
     * if that node does not come back ({@link #prune}).
     */
    void confirmSuspects() {
        Set<Integer> live = nodes.registered();
        for (RoomLink link : links.values()) {
            Set<Long> suspects = link.suspects;
            if (suspects.isEmpty()) {
                continue;
            }
            Set<Long> decidable = new HashSet<>();
            Set<Long> pending = new HashSet<>();
            for (Long session : suspects) {
                if (!link.remote.containsKey(session)) {
                    continue; // resolved meanwhile
                }
                (live.contains(SessionIds.nodeOf(session)) ? decidable : pending).add(session);
            }
            link.suspects = pending;
            if (decidable.isEmpty()) {
                continue;
            }
            redis.members(link.room).whenComplete((present, e) -> {
                if (e != null) {
                    return;
                }
                for (Long session : decidable) {
                    String name = present.containsKey(session) ? null : link.remote.get(session);
                    if (name != null && link.remote.remove(session, name)) {
                        inbound.deliverRemotePresence(Opcode.LEFT, link.room, session, name);
                    }
                }
            });
        }
    }
}
