package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Rooms, their members and the routing of events between sessions. Thread-safe: every session
 * calls in from its own event loop. A room exists while it has members.
 *
 * <p>Ordering: a publisher's events are handed to each recipient's channel in the order
 * published, because one publisher publishes from one thread and each channel's event loop runs
 * its tasks in order.
 *
 * <p>Cluster mode: with a {@link ClusterBroker} the hub tells it about local membership changes
 * and forwards what is published here; the broker hands what other nodes published to the
 * hub's {@link ClusterInbound} side (the {@code deliverRemote...} methods). Without one (a
 * single node) none of that runs.
 */
public final class RoomHub implements ClusterInbound {
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final Map<Long, Member> sessions = new ConcurrentHashMap<>();
    /** The sessions that receive events for everyone. */
    private final java.util.Set<Member> everyone = ConcurrentHashMap.newKeySet();
    private final Map<Integer, PeerAck> peerAcks = new ConcurrentHashMap<>();
    private final AtomicInteger relayIds = new AtomicInteger();
    /**
     * Session ids for every kind of member (framed, WebSocket): a prefix in the high bits, a
     * counter in the low {@link #NODE_SHIFT}. The prefix is random per server start on a single
     * node, so that ids are not reused across restarts; in a cluster it is the node id, registered
     * uniquely in the cluster, so that a session id names its node.
     */
    private final AtomicLong sessionIds;
    private final ByteBufAllocator alloc;
    private final ClusterBroker cluster;
    private final LongAdder delivered = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    /** Handlers of the other nodes' messages by topic ({@link #onNodeMessage}). */
    private final Map<String, NodeMessageHandler> nodeHandlers = new ConcurrentHashMap<>();
    /**
     * Sessions of this node that another node took over (Socket.IO recovery on another node), by
     * id: the node that serves them now. Events for them are passed on there.
     */
    private final Map<Long, Integer> moved = new ConcurrentHashMap<>();
    /** Topic of "a session that moved here from your node ended" ({@link #unregister}). */
    static final String GONE_TOPIC = "hub.gone";

    /** Session ids carry their node id above this bit ({@link SessionIds#NODE_SHIFT}). */
    public static final int NODE_SHIFT = SessionIds.NODE_SHIFT;
    /** Node ids are 1 to this value (22 bits; {@link SessionIds#MAX_NODE_ID}). */
    public static final int MAX_NODE_ID = SessionIds.MAX_NODE_ID;

    /** A single-node hub. */
    public RoomHub(ByteBufAllocator alloc) {
        this(alloc, null);
    }

    /**
     * A hub that is one node of a cluster whose broker already exists (it gets this hub's inbound
     * side some other way, or none: tests), or a single node when {@code cluster} is {@code null}.
     */
    public RoomHub(ByteBufAllocator alloc, ClusterBroker cluster) {
        this(alloc, cluster, null);
    }

    /**
     * A hub that is one node of a cluster: {@code join} connects the broker, delivering into this
     * hub's {@link ClusterInbound} side, and returns it (its node id becomes the high bits of the
     * session ids). One step, no broker without a hub to deliver into. What {@code join} lets
     * through before it returns finds the hub empty (nothing can have joined it yet).
     *
     * @throws RuntimeException whatever {@code join} throws (the cluster could not be joined)
     */
    public static RoomHub joining(ByteBufAllocator alloc, Function<ClusterInbound, ClusterBroker> join) {
        return new RoomHub(alloc, null, join);
    }

    private RoomHub(ByteBufAllocator alloc, ClusterBroker cluster, Function<ClusterInbound, ClusterBroker> join) {
        this.alloc = alloc;
        // Every other field is initialized (field initializers run first): the broker may deliver at once.
        this.cluster = join != null ? join.apply(this) : cluster;
        long prefix = this.cluster != null ? this.cluster.nodeId() : ThreadLocalRandom.current().nextLong(1, MAX_NODE_ID + 1);
        this.sessionIds = new AtomicLong(prefix << NODE_SHIFT);
        onNodeMessage(GONE_TOPIC, (origin, body) -> {
            if (body.readableBytes() == Long.BYTES) {
                moved.remove(body.getLong(body.readerIndex()), origin);
            }
        });
    }

    /** This node's id: the high bits of the session ids it makes (random on a single node). */
    public int nodeId() {
        return nodeOf(sessionIds.get());
    }

    /** The node a session id belongs to. */
    public static int nodeOf(long sessionId) {
        return SessionIds.nodeOf(sessionId);
    }

    /**
     * A room's members, each with whether it wants presence notices, and those that do apart: a
     * JOINED or LEFT notice visits only them, so a join into a room of n members that nobody
     * watches costs O(1), not a scan of n (a room filled by n joins cost O(n^2)).
     */
    private static final class Room {
        final Map<Member, Boolean> members = new ConcurrentHashMap<>();
        final Set<Member> watchers = ConcurrentHashMap.newKeySet();
        /** Bumped after every change of {@link #members}. */
        private final AtomicInteger version = new AtomicInteger();
        private volatile Recipients recipients;

        /** Call after changing {@link #members}. */
        void changed() {
            version.incrementAndGet();
        }

        /**
         * The members as one array, for fan-outs: walking it touches no map node, only each
         * member (in a room of thousands, a cache miss less per member and event). Made again by
         * the first fan-out after a change; a fan-out that races a join sees the room as a walk of
         * the map would, with or without the newcomer.
         */
        List<Member> recipients() {
            int v = version.get();
            Recipients r = recipients;
            if (r != null && r.version == v) {
                return r.members;
            }
            List<Member> now = Arrays.asList(members.keySet().toArray(new Member[0]));
            recipients = new Recipients(v, now);
            return now;
        }

        private record Recipients(int version, List<Member> members) {
        }
    }

    /** A new session id, unique among this hub's members whatever protocol they speak. */
    public long newSessionId() {
        return sessionIds.incrementAndGet();
    }

    /** Makes a session reachable by id (for direct events and peer acks) and a recipient of events for everyone. */
    public void register(Member member) {
        register(member, true);
    }

    /**
     * Makes a session reachable by id (for direct events and peer acks); it receives events for
     * everyone only when {@code broadcasts} (a Socket.IO socket outside the main namespace does not).
     */
    public void register(Member member, boolean broadcasts) {
        sessions.put(member.id(), member);
        if (broadcasts) {
            everyone.add(member);
        }
    }

    /** Removes a session from every room in {@code joined} (sending LEFT notices) and from the registry. */
    public void unregister(Member member, Iterable<String> joined) {
        boolean removed = sessions.remove(member.id(), member);
        everyone.remove(member);
        for (String room : joined) {
            leave(member, room);
        }
        if (removed && cluster != null && !cluster.isLocal(member.id())) {
            // A session taken over from another node ended: that node stops passing events on.
            ByteBuf body = alloc.buffer(Long.BYTES).writeLong(member.id());
            cluster.sendToNode(nodeOf(member.id()), GONE_TOPIC, body);
        }
    }

    /** The session with this id, or {@code null}. */
    public Member session(long id) {
        return sessions.get(id);
    }

    /**
     * Adds {@code member} to {@code room}, creating it if needed. Joining again only updates the
     * presence choice. Members that asked for presence get a JOINED notice.
     *
     * @return {@code null} when the join is complete; in a cluster, while this node is not yet
     *     receiving the room's traffic from the other nodes, a stage that completes once it is
     *     (the session answers the JOIN then, so that whoever joins after that answer on another
     *     node is seen joining)
     */
    public CompletionStage<Void> join(Member member, String room, boolean presence) {
        boolean[] added = {false};
        @SuppressWarnings("unchecked")
        CompletionStage<Void>[] ready = new CompletionStage[1];
        rooms.compute(room, (name, existing) -> {
            Room r = existing == null ? new Room() : existing;
            added[0] = r.members.put(member, presence) == null;
            if (added[0]) {
                r.changed();
            }
            if (presence) {
                r.watchers.add(member);
            } else {
                r.watchers.remove(member);
            }
            if (cluster != null) {
                if (existing == null) {
                    cluster.roomOpened(room);
                }
                if (added[0]) {
                    ready[0] = cluster.joined(room, member);
                }
            }
            return r;
        });
        if (added[0]) {
            notifyPresence(Opcode.JOINED, room, member.id(), member.name());
        }
        return ready[0];
    }

    /**
     * Removes {@code member} from {@code room}; the room goes when its last member leaves.
     *
     * @return {@code null} on success, {@link ErrorCode#UNKNOWN_ROOM} or {@link ErrorCode#NOT_JOINED}
     */
    public ErrorCode leave(Member member, String room) {
        boolean[] removed = {false};
        Room after = rooms.computeIfPresent(room, (name, r) -> {
            removed[0] = r.members.remove(member) != null;
            if (removed[0]) {
                r.changed();
            }
            r.watchers.remove(member);
            if (cluster != null && removed[0]) {
                cluster.left(room, member);
                if (r.members.isEmpty()) {
                    cluster.roomClosed(room);
                }
            }
            return r.members.isEmpty() ? null : r;
        });
        if (!removed[0]) {
            return after == null && !rooms.containsKey(room) ? ErrorCode.UNKNOWN_ROOM : ErrorCode.NOT_JOINED;
        }
        if (after != null) {
            notifyPresence(Opcode.LEFT, room, member.id(), member.name());
        }
        return null;
    }

    /** The members of a room (on every node, in a cluster), or an empty list when it does not exist. */
    public List<MemberInfo> members(String room) {
        Room r = rooms.get(room);
        List<MemberInfo> list = new ArrayList<>();
        if (r != null) {
            for (Member m : r.members.keySet()) {
                list.add(new MemberInfo(m.id(), m.name()));
            }
            if (cluster != null) {
                cluster.remoteMembers(room, list);
            }
        }
        return list;
    }

    /** Calls {@code action} with every (room, local member) pair; for a cluster broker resyncing its state. */
    @Override
    public void forEachMembership(BiConsumer<String, Member> action) {
        for (Map.Entry<String, Room> e : rooms.entrySet()) {
            for (Member m : e.getValue().members.keySet()) {
                action.accept(e.getKey(), m);
            }
        }
    }

    /** Every session registered on this node, whatever it receives (a snapshot; the admin API). */
    public List<Member> registeredSessions() {
        return new ArrayList<>(sessions.values());
    }

    /** The rooms with members on this node and how many each has here (a snapshot; the admin API). */
    public Map<String, Integer> localRoomSizes() {
        Map<String, Integer> sizes = new java.util.HashMap<>();
        for (Map.Entry<String, Room> e : rooms.entrySet()) {
            int n = e.getValue().members.size();
            if (n > 0) {
                sizes.put(e.getKey(), n);
            }
        }
        return sizes;
    }

    /** The sessions on this node that receive events for everyone (a snapshot). */
    public List<Member> localSessions() {
        return new ArrayList<>(everyone);
    }

    /** The members of {@code room} on this node (a snapshot). */
    public List<Member> localMembers(String room) {
        Room r = rooms.get(room);
        return r == null ? List.of() : new ArrayList<>(r.members.keySet());
    }

    /**
     * Hands {@code event} (owned by this call) to the members of {@code room} on this node that
     * are in none of {@code exceptRooms} and are not {@code exceptSession}; for a broadcast with
     * exceptions, which other nodes do not see (docs/socketio.md). Returns the recipients.
     */
    public int publishToRoomLocally(String room, Frame event, java.util.Collection<String> exceptRooms,
            long exceptSession) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            Room r = rooms.get(room);
            if (r == null) {
                return 0;
            }
            int n = 0;
            for (Member m : r.members.keySet()) {
                if (m.id() == exceptSession || inAny(m, exceptRooms)) {
                    continue;
                }
                count(m.deliver(message));
                n++;
            }
            return n;
        } finally {
            message.release();
        }
    }

    private boolean inAny(Member m, java.util.Collection<String> exceptRooms) {
        for (String room : exceptRooms) {
            if (isMember(m, room)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this node has members in {@code room}. */
    public boolean hasRoom(String room) {
        return rooms.containsKey(room);
    }

    @Override
    public boolean isMember(String room, long sessionId) {
        Member m = sessions.get(sessionId);
        return m != null && isMember(m, room);
    }

    /** Whether {@code member} is in {@code room}. */
    public boolean isMember(Member member, String room) {
        Room r = rooms.get(room);
        return r != null && r.members.containsKey(member);
    }

    /** The number of rooms that exist now. */
    public int roomCount() {
        return rooms.size();
    }

    /** The number of (room, member) pairs now. */
    public long membershipCount() {
        long n = 0;
        for (Room r : rooms.values()) {
            n += r.members.size();
        }
        return n;
    }

    /** Events handed to a recipient's connection since start. */
    public long delivered() {
        return delivered.sum();
    }

    /** Events and presence notices dropped for slow consumers since start. */
    public long dropped() {
        return dropped.sum();
    }

    /**
     * Hands {@code event} (an EVENT frame, owned by this call from now on) to every member of
     * {@code room}, skipping {@code from} unless {@code includeSelf}, and forwards it to the other
     * nodes of a cluster. Returns the recipients on this node.
     */
    public int publishToRoom(Member from, String room, Frame event, boolean includeSelf) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            int n = fanOutRoom(from, room, message, includeSelf);
            if (cluster != null) {
                cluster.forwardToRoom(room, (Event) event);
            }
            return n;
        } finally {
            message.release();
        }
    }

    /**
     * Like {@link #publishToRoom}, for a session's PUBLISH: returns {@code null}, or
     * {@link ErrorCode#NOT_FORWARDED} when the event reached this node's members but could not be
     * forwarded to the other nodes.
     */
    public ErrorCode publishRoom(Member from, String room, Event event, boolean includeSelf) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            fanOutRoom(from, room, message, includeSelf);
            return cluster == null || cluster.forwardToRoom(room, event) ? null : ErrorCode.NOT_FORWARDED;
        } finally {
            message.release();
        }
    }

    /**
     * Like {@link #publishRoom(Member, String, Event, boolean)} for several events of {@code from}
     * (owned by this call) to one room, in order: each member takes them together
     * ({@link OutboundBatch}), so that a burst of k events costs a room of n members n handovers
     * instead of n × k. For a publisher's PUBLISHes read in one batch; never PEER_ACK events.
     */
    public ErrorCode publishRoom(Member from, String room, List<Event> events, boolean includeSelf) {
        Outbound[] messages = new Outbound[events.size()];
        for (int i = 0; i < messages.length; i++) {
            messages[i] = new Outbound(alloc, events.get(i), this);
        }
        OutboundBatch batch = new OutboundBatch(alloc, messages);
        try {
            Room r = rooms.get(room);
            if (r != null) {
                fanOut(from, r.recipients(), batch, includeSelf);
            }
            boolean forwarded = true;
            if (cluster != null) {
                for (Event event : events) {
                    forwarded &= cluster.forwardToRoom(room, event);
                }
            }
            return forwarded ? null : ErrorCode.NOT_FORWARDED;
        } finally {
            batch.release();
        }
    }

    private int fanOutRoom(Member from, String room, Outbound message, boolean includeSelf) {
        Room r = rooms.get(room);
        return r == null ? 0 : fanOut(from, r.recipients(), message, includeSelf);
    }

    /** Hands {@code event} (owned by this call) to every registered session, on every node. Returns the local recipients. */
    public int publishToAll(Member from, Frame event, boolean includeSelf) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            int n = fanOut(from, everyone, message, includeSelf);
            if (cluster != null) {
                cluster.forwardToAll((Event) event);
            }
            return n;
        } finally {
            message.release();
        }
    }

    /** Like {@link #publishToAll}, for a session's PUBLISH: {@code null} or {@link ErrorCode#NOT_FORWARDED}. */
    public ErrorCode publishAll(Member from, Event event, boolean includeSelf) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            fanOut(from, everyone, message, includeSelf);
            return cluster == null || cluster.forwardToAll(event) ? null : ErrorCode.NOT_FORWARDED;
        } finally {
            message.release();
        }
    }

    /**
     * Hands {@code event} (owned by this call) to one session.
     *
     * @return {@code false} if there is no such session, or it is on another node and the event
     *     could not be forwarded
     */
    public boolean publishToSession(long sessionId, Frame event) {
        return publishSession(sessionId, (Event) event) == null;
    }

    /**
     * Hands {@code event} (owned by this call) to one session, here or on another node.
     *
     * @return {@code null}, {@link ErrorCode#UNKNOWN_SESSION} or {@link ErrorCode#NOT_FORWARDED}
     */
    public ErrorCode publishSession(long sessionId, Event event) {
        if (cluster != null && !cluster.isLocal(sessionId) && !sessions.containsKey(sessionId)) {
            try {
                switch (cluster.forwardToSession(sessionId, event)) {
                    case FORWARDED:
                        return null;
                    case NO_SUCH_NODE:
                        return ErrorCode.UNKNOWN_SESSION;
                    default:
                        return ErrorCode.NOT_FORWARDED;
                }
            } finally {
                event.release();
            }
        }
        Outbound message = new Outbound(alloc, event, this);
        try {
            Member target = sessions.get(sessionId);
            if (target == null) {
                return passOn(sessionId, event, nodeId()) ? null : ErrorCode.UNKNOWN_SESSION;
            }
            count(target.deliver(message));
            return null;
        } finally {
            message.release();
        }
    }

    /**
     * An event for a session of this node that another node took over: passed on to that node
     * with its original publisher's node as origin (so that a peer ack goes straight back). The
     * caller keeps ownership of {@code event}.
     */
    private boolean passOn(long sessionId, Event event, int origin) {
        Integer node = cluster == null ? null : moved.get(sessionId);
        return node != null && cluster.forwardToSessionAt(node, sessionId, event, origin) == ClusterBroker.SessionRoute.FORWARDED;
    }

    // ---- selections: several rooms, exceptions (Socket.IO broadcasts), on every node ----

    /**
     * The members on this node that {@code selection} picks, each once, in no particular order
     * (a snapshot).
     */
    public List<Member> localRecipients(Selection selection) {
        Map<Long, Member> picked = new java.util.LinkedHashMap<>();
        if (selection.everyone()) {
            for (Member m : everyone) {
                picked.putIfAbsent(m.id(), m);
            }
        }
        for (String room : selection.rooms()) {
            Room r = rooms.get(room);
            if (r != null) {
                for (Member m : r.members.keySet()) {
                    picked.putIfAbsent(m.id(), m);
                }
            }
        }
        for (long id : selection.sessions()) {
            Member m = sessions.get(id);
            if (m != null) {
                picked.putIfAbsent(id, m);
            }
        }
        List<Member> out = new ArrayList<>(picked.size());
        for (Member m : picked.values()) {
            if (selection.admits(this, m)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Hands {@code event} (owned by this call) to the members {@code selection} picks on this
     * node, each once, and forwards it with the selection to every other node of a cluster, which
     * picks its own members by the same rule. Returns the recipients on this node.
     */
    public int publishToSelection(Selection selection, Event event) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            int n = fanOut(null, localRecipients(selection), message, true);
            if (cluster != null) {
                cluster.forwardSelected(selection, event);
            }
            return n;
        } finally {
            message.release();
        }
    }

    /** An event with a selection published on another node (owned by this call): to the members it picks here. */
    @Override
    public void deliverRemoteSelected(Selection selection, Event event) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            fanOut(null, localRecipients(selection), message, true);
        } finally {
            message.release();
        }
    }

    // ---- messages between nodes for the layers above (Socket.IO's cluster-wide operations) ----

    /** Whether this hub is a node of a cluster. */
    public boolean clustered() {
        return cluster != null;
    }

    /** The other nodes alive now (empty on a single node). */
    public java.util.Set<Integer> otherNodes() {
        return cluster == null ? java.util.Set.of() : cluster.otherNodes();
    }

    /**
     * Handles the messages other nodes send on {@code topic} ({@link #sendToAllNodes},
     * {@link #sendToNode}); one handler per topic, called from the broker's thread.
     */
    public void onNodeMessage(String topic, NodeMessageHandler handler) {
        nodeHandlers.put(topic, handler);
    }

    /** Sends {@code body} (owned by this call) on {@code topic} to every other node; {@code false} when it could not be. */
    public boolean sendToAllNodes(String topic, ByteBuf body) {
        if (cluster == null) {
            body.release();
            return false;
        }
        return cluster.sendToAll(topic, body);
    }

    /** Sends {@code body} (owned by this call) on {@code topic} to one node; {@code false} when it could not be. */
    public boolean sendToNode(int node, String topic, ByteBuf body) {
        if (cluster == null) {
            body.release();
            return false;
        }
        return cluster.sendToNode(node, topic, body);
    }

    @Override
    public void deliverRemoteMessage(int originNode, String topic, ByteBuf body) {
        NodeMessageHandler handler = nodeHandlers.get(topic);
        if (handler != null) {
            handler.onMessage(originNode, body);
        }
    }

    /**
     * A session of this node is served by {@code node} from now on (it took it over): events for
     * it are passed on there until that node reports it ended.
     */
    public void movedTo(long sessionId, int node) {
        moved.put(sessionId, node);
    }

    @Override
    public boolean movedAway(long sessionId) {
        return moved.containsKey(sessionId);
    }

    @Override
    public boolean adopted(long sessionId) {
        return sessions.containsKey(sessionId) && cluster != null && !cluster.isLocal(sessionId);
    }

    // ---- what other nodes publish (cluster mode; called by the broker) ----

    /** Hands an event published on another node (owned by this call) to the room's members here. */
    @Override
    public void deliverRemoteRoom(String room, Event event) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            fanOutRoom(null, room, message, true);
        } finally {
            message.release();
        }
    }

    /** Hands an event for everyone published on another node (owned by this call) to every session here. */
    @Override
    public void deliverRemoteAll(Event event) {
        Outbound message = new Outbound(alloc, event, this);
        try {
            fanOut(null, everyone, message, true);
        } finally {
            message.release();
        }
    }

    /**
     * Hands an event from another node (owned by this call) to one session here. A PEER_ACK event
     * carries the publisher node's relay id; it gets a relay id of this node, whose answer goes back
     * to {@code originNode} through {@link ClusterBroker#answerPeerAck}.
     *
     * @return {@code false} if there is no such session here
     */
    @Override
    public boolean deliverRemoteSession(long sessionId, Event event, int originNode, Duration timeout,
            EventExecutor timer) {
        Member target = sessions.get(sessionId);
        if (target == null) {
            boolean passed = passOn(sessionId, event, originNode);
            event.release();
            return passed;
        }
        Event local = event;
        if (Flags.has(event.flags(), Flags.PEER_ACK)) {
            int relayId = expectPeerAck(new RemotePublisher(originNode, event.requestId(), sessionId), 0, sessionId,
                    timeout, timer);
            local = new Event(relayId, event.flags(), event.senderId(), event.target(), event.room(), event.event(),
                    event.content());
        }
        Outbound message = new Outbound(alloc, local, this);
        try {
            count(target.deliver(message));
            return true;
        } finally {
            message.release();
        }
    }

    /** A JOINED or LEFT about a member on another node, for this node's members of {@code room}. */
    @Override
    public void deliverRemotePresence(Opcode opcode, String room, long sessionId, String name) {
        notifyPresence(opcode, room, sessionId, name);
    }

    /**
     * The answer of a recipient on another node to a PEER_ACK event published here; takes
     * ownership of {@code payload}. Ignored unless the relay id is awaited from that recipient.
     */
    @Override
    public boolean remotePeerAck(int relayId, long recipientId, ByteBuf payload) {
        PeerAck pending = peerAcks.get(relayId);
        if (pending == null || pending.recipientId != recipientId || !peerAcks.remove(relayId, pending)) {
            payload.release();
            return false;
        }
        cancelTimer(pending);
        pending.sender.deliverReply(new Ack(pending.requestId, payload));
        return true;
    }

    /**
     * A PEER_ACK event published here cannot be answered: the recipient's node has no such
     * session ({@link ErrorCode#UNKNOWN_SESSION}) or the event did not get there
     * ({@link ErrorCode#NOT_FORWARDED}). The publisher gets that error now instead of a timeout.
     */
    @Override
    public void remotePeerRefused(int relayId, long recipientId, ErrorCode code) {
        PeerAck pending = peerAcks.get(relayId);
        if (pending != null && pending.recipientId == recipientId && peerAcks.remove(relayId, pending)) {
            cancelTimer(pending);
            pending.sender.deliverReply(new ErrorFrame(pending.requestId, code, switch (code) {
                case UNKNOWN_SESSION -> "no session with id " + Long.toUnsignedString(recipientId);
                case ACK_TIMEOUT -> "session " + Long.toUnsignedString(recipientId)
                        + " ended or dropped the event before it acknowledged";
                default -> "the cluster link failed: not forwarded to session " + Long.toUnsignedString(recipientId);
            }));
        }
    }

    /**
     * Delivers to the recipients on the current thread's event loop (or that take any thread) at
     * once, and hands those of each other loop their deliveries as one task on that loop: with
     * several I/O threads, a room's members are served by their own threads in parallel, and a
     * member costs no cross-thread task of its own. Events from one thread reach a member in the
     * order they were published.
     */
    private int fanOut(Member from, Iterable<Member> recipients, Outbound message, boolean includeSelf) {
        message.retain();
        OutboundBatch batch = new OutboundBatch(alloc, message);
        try {
            return fanOut(from, recipients, batch, includeSelf);
        } finally {
            batch.release();
        }
    }

    /** Like {@link #fanOut(Member, Iterable, Outbound, boolean)} for every message of {@code batch}, each member taking them together. */
    private int fanOut(Member from, Iterable<Member> recipients, OutboundBatch batch, boolean includeSelf) {
        int n = 0;
        int here = 0;
        long handed = 0;
        LoopBatches batches = null;
        for (Member m : recipients) {
            if (m == from && !includeSelf) {
                continue;
            }
            n++;
            EventExecutor loop = m.executor();
            if (loop == null || loop.inEventLoop()) {
                here++;
                handed += m.deliver(batch);
            } else {
                if (batches == null) {
                    batches = new LoopBatches();
                }
                batches.add(loop, m);
            }
        }
        count(handed, (long) here * batch.size() - handed);
        if (batches != null) {
            batches.dispatch(batch);
        }
        return n;
    }

    /** The recipients of one fan-out that live on other event loops, by loop. */
    private final class LoopBatches {
        private final List<EventExecutor> loops = new ArrayList<>(4);
        private final List<List<Member>> members = new ArrayList<>(4);

        void add(EventExecutor loop, Member member) {
            for (int i = 0; i < loops.size(); i++) {
                if (loops.get(i) == loop) {
                    members.get(i).add(member);
                    return;
                }
            }
            loops.add(loop);
            List<Member> list = new ArrayList<>();
            list.add(member);
            members.add(list);
        }

        /**
         * One task per loop, each with its own {@link OutboundBatch} over the same frames: an
         * encoding is made once per loop and wire format, and no cache is shared between threads.
         */
        void dispatch(OutboundBatch batch) {
            for (int i = 0; i < loops.size(); i++) {
                List<Member> targets = members.get(i);
                OutboundBatch copy = batch.forAnotherThread();
                try {
                    loops.get(i).execute(() -> {
                        long handed = 0;
                        try {
                            for (Member m : targets) {
                                handed += m.deliver(copy);
                            }
                        } finally {
                            count(handed, (long) targets.size() * copy.size() - handed);
                            copy.release();
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // The loop is shutting down: its members are being closed and get nothing more.
                    copy.release();
                    count(0, (long) targets.size() * batch.size());
                }
            }
        }
    }

    private void count(long handed, long droppedHere) {
        if (handed != 0) {
            delivered.add(handed);
        }
        if (droppedHere != 0) {
            dropped.add(droppedHere);
        }
    }

    private void count(boolean wasDelivered) {
        (wasDelivered ? delivered : dropped).increment();
    }

    private void notifyPresence(Opcode opcode, String room, long subjectId, String subjectName) {
        Room r = rooms.get(room);
        if (r == null) {
            return;
        }
        Outbound message = new Outbound(alloc, new Presence(opcode, room, subjectId, subjectName), this);
        try {
            for (Member watcher : r.watchers) {
                if (watcher.id() != subjectId && !watcher.deliver(message)) {
                    dropped.increment(); // not an event delivered, but a message dropped all the same
                }
            }
        } finally {
            message.release();
        }
    }

    /**
     * Reserves a relay id for an event that asks its recipient for an acknowledgement. The
     * recipient's ACK is routed to {@code sender} as an ACK with {@code requestId}; after
     * {@code timeout} the sender gets ERROR {@link ErrorCode#ACK_TIMEOUT} instead.
     */
    public int expectPeerAck(Member sender, int requestId, long recipientId, Duration timeout, EventExecutor timer) {
        int relayId;
        do {
            relayId = relayIds.incrementAndGet();
        } while (relayId == 0 || peerAcks.containsKey(relayId));
        int id = relayId;
        PeerAck pending = new PeerAck(sender, requestId, recipientId);
        peerAcks.put(id, pending);
        pending.timeout = timer.schedule(() -> {
            // A publisher on another node has its own timer there: the entry here is only forgotten.
            if (peerAcks.remove(id, pending) && !(sender instanceof RemotePublisher)) {
                sender.deliverReply(new ErrorFrame(requestId, ErrorCode.ACK_TIMEOUT,
                        "session " + recipientId + " did not acknowledge within " + timeout.toMillis() + " ms"));
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        return id;
    }

    /** Forgets a relay id whose event could not be delivered. */
    public void cancelPeerAck(int relayId) {
        PeerAck pending = peerAcks.remove(relayId);
        if (pending != null) {
            cancelTimer(pending);
        }
    }

    /**
     * Routes a client's ACK for relay id {@code relayId} back to the publisher; takes ownership
     * of {@code payload}.
     *
     * @return {@code false} if no acknowledgement from {@code from} with that id is awaited
     */
    public boolean peerAck(Member from, int relayId, ByteBuf payload) {
        PeerAck pending = peerAcks.get(relayId);
        if (pending == null || pending.recipientId != from.id() || !peerAcks.remove(relayId, pending)) {
            payload.release();
            return false;
        }
        cancelTimer(pending);
        pending.sender.deliverReply(new Ack(pending.requestId, payload));
        return true;
    }

    /**
     * {@code recipient} ended while these relay ids awaited its acknowledgement: each publisher
     * gets ERROR {@link ErrorCode#ACK_TIMEOUT} now rather than at its timeout (a publisher on
     * another node through its node).
     */
    public void recipientGone(Member recipient, Iterable<Integer> relayIds) {
        for (int relayId : relayIds) {
            failPeerAck(relayId, recipient.id(), "session " + Long.toUnsignedString(recipient.id())
                    + " ended before it acknowledged");
        }
    }

    /** The slow-consumer policy dropped a PEER_ACK event for {@code recipient}: its publisher is told now. */
    public void peerAckDropped(int relayId, Member recipient) {
        failPeerAck(relayId, recipient.id(), "session " + Long.toUnsignedString(recipient.id())
                + " is not reading (slow consumer): the event was dropped");
    }

    private void failPeerAck(int relayId, long recipientId, String message) {
        PeerAck pending = peerAcks.get(relayId);
        if (pending != null && pending.recipientId == recipientId && peerAcks.remove(relayId, pending)) {
            cancelTimer(pending);
            pending.sender.deliverReply(new ErrorFrame(pending.requestId, ErrorCode.ACK_TIMEOUT, message));
        }
    }

    private static void cancelTimer(PeerAck pending) {
        ScheduledFuture<?> timer = pending.timeout;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /**
     * Stands for a publisher on another node while this node awaits the recipient's ACK: the ACK
     * goes back to the publisher's node; a local timeout is dropped (the publisher's node has its own).
     */
    private final class RemotePublisher implements Member {
        private final int node;
        private final int relayId;
        private final long recipientId;

        RemotePublisher(int node, int relayId, long recipientId) {
            this.node = node;
            this.relayId = relayId;
            this.recipientId = recipientId;
        }

        @Override
        public long id() {
            return 0;
        }

        @Override
        public String name() {
            return "";
        }

        @Override
        public boolean deliver(Outbound message) {
            return false;
        }

        @Override
        public void deliverReply(Frame reply) {
            if (reply instanceof Ack ack) {
                cluster.answerPeerAck(node, relayId, recipientId, ack.content());
            } else {
                // The recipient ended or dropped the event: the publisher's node fails it now. (The
                // local timeout never gets here: the publisher's node has its own.)
                cluster.refusePeerAck(node, relayId, recipientId, ErrorCode.ACK_TIMEOUT);
                ReferenceCountUtil.release(reply);
            }
        }
    }

    private static final class PeerAck {
        final Member sender;
        final int requestId;
        final long recipientId;
        volatile ScheduledFuture<?> timeout;

        PeerAck(Member sender, int requestId, long recipientId) {
            this.sender = sender;
            this.requestId = requestId;
            this.recipientId = recipientId;
        }
    }
}
