package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Rooms, their members and the routing of events between sessions. Thread-safe: every session
 * calls in from its own event loop. A room exists while it has members.
 *
 * <p>Ordering: a publisher's events are handed to each recipient's channel in the order
 * published, because one publisher publishes from one thread and each channel's event loop runs
 * its tasks in order.
 */
public final class RoomHub {
    private final Map<String, Room> rooms = new ConcurrentHashMap<>();
    private final Map<Long, Member> sessions = new ConcurrentHashMap<>();
    private final Map<Integer, PeerAck> peerAcks = new ConcurrentHashMap<>();
    private final AtomicInteger relayIds = new AtomicInteger();
    /**
     * Session ids for every kind of member (framed, WebSocket): a random prefix per server start in
     * the high bits, a counter in the low 40, so that ids are not reused across restarts and leave
     * room for a node id when clustering.
     */
    private final AtomicLong sessionIds = new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1 << 22) << 40);
    private final ByteBufAllocator alloc;
    private final LongAdder delivered = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    public RoomHub(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** A room: its name and its members, each with whether it wants presence notices. */
    private static final class Room {
        final Map<Member, Boolean> members = new ConcurrentHashMap<>();
    }

    /** A new session id, unique among this hub's members whatever protocol they speak. */
    public long newSessionId() {
        return sessionIds.incrementAndGet();
    }

    /** Makes a session reachable by id (for direct events and peer acks). */
    public void register(Member member) {
        sessions.put(member.id(), member);
    }

    /** Removes a session from every room in {@code joined} (sending LEFT notices) and from the registry. */
    public void unregister(Member member, Iterable<String> joined) {
        sessions.remove(member.id(), member);
        for (String room : joined) {
            leave(member, room);
        }
    }

    /** The session with this id, or {@code null}. */
    public Member session(long id) {
        return sessions.get(id);
    }

    /**
     * Adds {@code member} to {@code room}, creating it if needed. Joining again only updates the
     * presence choice. Members that asked for presence get a JOINED notice.
     */
    public void join(Member member, String room, boolean presence) {
        boolean[] added = {false};
        rooms.compute(room, (name, existing) -> {
            Room r = existing == null ? new Room() : existing;
            added[0] = r.members.put(member, presence) == null;
            return r;
        });
        if (added[0]) {
            notifyPresence(Opcode.JOINED, room, member);
        }
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
            return r.members.isEmpty() ? null : r;
        });
        if (!removed[0]) {
            return after == null && !rooms.containsKey(room) ? ErrorCode.UNKNOWN_ROOM : ErrorCode.NOT_JOINED;
        }
        if (after != null) {
            notifyPresence(Opcode.LEFT, room, member);
        }
        return null;
    }

    /** The members of a room, or an empty list when it does not exist. */
    public List<MemberInfo> members(String room) {
        Room r = rooms.get(room);
        List<MemberInfo> list = new ArrayList<>();
        if (r != null) {
            for (Member m : r.members.keySet()) {
                list.add(new MemberInfo(m.id(), m.name()));
            }
        }
        return list;
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

    /** Events dropped for slow consumers since start. */
    public long dropped() {
        return dropped.sum();
    }

    /**
     * Hands {@code event} (an EVENT frame, owned by this call from now on) to every member of
     * {@code room}, skipping {@code from} unless {@code includeSelf}. Returns the recipients.
     */
    public int publishToRoom(Member from, String room, Frame event, boolean includeSelf) {
        Outbound message = new Outbound(alloc, event);
        try {
            Room r = rooms.get(room);
            return r == null ? 0 : fanOut(from, r.members.keySet(), message, includeSelf);
        } finally {
            message.release();
        }
    }

    /** Hands {@code event} (owned by this call) to every registered session. */
    public int publishToAll(Member from, Frame event, boolean includeSelf) {
        Outbound message = new Outbound(alloc, event);
        try {
            return fanOut(from, sessions.values(), message, includeSelf);
        } finally {
            message.release();
        }
    }

    /**
     * Hands {@code event} (owned by this call) to one session.
     *
     * @return {@code false} if there is no such session
     */
    public boolean publishToSession(long sessionId, Frame event) {
        Outbound message = new Outbound(alloc, event);
        try {
            Member target = sessions.get(sessionId);
            if (target == null) {
                return false;
            }
            count(target.deliver(message));
            return true;
        } finally {
            message.release();
        }
    }

    private int fanOut(Member from, Iterable<Member> recipients, Outbound message, boolean includeSelf) {
        int n = 0;
        for (Member m : recipients) {
            if (m == from && !includeSelf) {
                continue;
            }
            count(m.deliver(message));
            n++;
        }
        return n;
    }

    private void count(boolean wasDelivered) {
        (wasDelivered ? delivered : dropped).increment();
    }

    private void notifyPresence(Opcode opcode, String room, Member subject) {
        Room r = rooms.get(room);
        if (r == null) {
            return;
        }
        Outbound message = new Outbound(alloc, new Presence(opcode, room, subject.id(), subject.name()));
        try {
            for (Map.Entry<Member, Boolean> e : r.members.entrySet()) {
                if (e.getValue() && e.getKey() != subject) {
                    e.getKey().deliver(message);
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
            if (peerAcks.remove(id, pending)) {
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

    private static void cancelTimer(PeerAck pending) {
        ScheduledFuture<?> timer = pending.timeout;
        if (timer != null) {
            timer.cancel(false);
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
