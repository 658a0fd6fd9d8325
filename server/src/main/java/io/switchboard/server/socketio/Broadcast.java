package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.rooms.Selection;
import io.switchboard.server.socketio.protocol.SioArgs;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of recipients in a namespace, built like socket.io's broadcast operator:
 * {@code nsp.to("a", "b").except("c").emit(...)}. Immutable; every call returns a new one.
 *
 * <p>Recipients are sessions of every protocol: Socket.IO sockets, framed and WebSocket clients,
 * on every node of a cluster. One room, or the whole namespace, with no exceptions: the event goes
 * through the rooms like any publish. Several rooms or exceptions: a {@link Selection} that each
 * node applies to its own members (the union of the rooms, minus the members of the except rooms,
 * minus the excepted sessions), so every recipient gets the event once. The sockets operations
 * ({@link #socketsJoin}, {@link #socketsLeave}, {@link #disconnectSockets}, {@link #fetchSockets})
 * apply the same selection on every node (docs/socketio.md).
 */
public final class Broadcast {
    private final Namespace namespace;
    private final Set<String> rooms;
    private final Set<String> except;
    private final long exceptSession;

    Broadcast(Namespace namespace) {
        this(namespace, Set.of(), Set.of(), 0);
    }

    private Broadcast(Namespace namespace, Set<String> rooms, Set<String> except, long exceptSession) {
        this.namespace = namespace;
        this.rooms = rooms;
        this.except = except;
        this.exceptSession = exceptSession;
    }

    /** Adds rooms (a socket id stands for that socket). */
    public Broadcast to(String... more) {
        Set<String> all = new LinkedHashSet<>(rooms);
        all.addAll(List.of(more));
        return new Broadcast(namespace, Set.copyOf(all), except, exceptSession);
    }

    /** Same as {@link #to}. */
    public Broadcast in(String... more) {
        return to(more);
    }

    /** Leaves out the members of these rooms (a socket id stands for that socket). */
    public Broadcast except(String... more) {
        Set<String> all = new LinkedHashSet<>(except);
        all.addAll(List.of(more));
        return new Broadcast(namespace, rooms, Set.copyOf(all), exceptSession);
    }

    Broadcast exceptSession(long session) {
        return new Broadcast(namespace, rooms, except, session);
    }

    /** Sends {@code event} with {@code args} to every recipient. Returns the recipients on this node. */
    public int emit(String event, Object... args) {
        ArrayNode data = SioArgs.args(args);
        RoomHub hub = namespace.server().hub();
        long sender = exceptSession;
        if (except.isEmpty() && rooms.size() <= 1) {
            if (rooms.isEmpty()) {
                if ("/".equals(namespace.name())) {
                    return hub.publishToAll(sender(hub), event(Target.ALL, "", event, data), exceptSession == 0);
                }
                String room = namespace.everyoneRoom();
                return hub.publishToRoom(sender(hub), room, event(Target.ROOM, room, event, data), exceptSession == 0);
            }
            String room = rooms.iterator().next();
            long session = sessionOf(room);
            if (session != 0) {
                return session == sender || !hub.publishToSession(session, event(Target.SESSION, "", event, data)) ? 0 : 1;
            }
            String hubRoom = namespace.hubRoom(room);
            return hub.publishToRoom(sender(hub), hubRoom, event(Target.ROOM, hubRoom, event, data), exceptSession == 0);
        }
        return hub.publishToSelection(selection(), event(Target.SESSION, "", event, data));
    }

    /**
     * Puts every recipient into {@code room} (any protocol: its client is not told), on every
     * node. Returns without waiting; a node the request does not reach (link down) is not told.
     */
    public void socketsJoin(String room) {
        namespace.server().clusterOps().apply(ClusterOps.Op.JOIN, selection(), namespace.hubRoom(room));
    }

    /** Takes every recipient out of {@code room}, on every node; like {@link #socketsJoin}. */
    public void socketsLeave(String room) {
        namespace.server().clusterOps().apply(ClusterOps.Op.LEAVE, selection(), namespace.hubRoom(room));
    }

    /**
     * Disconnects every recipient, on every node (socket.io's {@code close_room} is
     * {@code in(room).disconnectSockets()}); like {@link #socketsJoin}.
     */
    public void disconnectSockets() {
        namespace.server().clusterOps().apply(ClusterOps.Op.DISCONNECT, selection(), "");
    }

    /**
     * The Socket.IO sockets among the recipients on every node, described (id, rooms, handshake,
     * auth), waiting up to {@link ClusterOps#FETCH_TIMEOUT} for the other nodes' answers.
     *
     * @return a future of the sockets of this node then of each node that answered; when a node
     *     alive at the call does not answer in time it fails with a {@link FetchTimeoutException}
     *     that carries the sockets gathered and the nodes missing
     */
    public java.util.concurrent.CompletableFuture<List<RemoteSocket>> fetchSockets() {
        return fetchSockets(ClusterOps.FETCH_TIMEOUT);
    }

    /** {@link #fetchSockets()} with another bound on the wait for the other nodes. */
    public java.util.concurrent.CompletableFuture<List<RemoteSocket>> fetchSockets(java.time.Duration timeout) {
        return namespace.server().clusterOps().fetch(namespace, selection(), timeout);
    }

    /** The Socket.IO sockets among the recipients on this node only, now. */
    public List<SioSocket> localSockets() {
        RoomHub hub = namespace.server().hub();
        List<SioSocket> out = new ArrayList<>();
        for (Member m : hub.localRecipients(selection())) {
            SioSocket socket = namespace.socket(Long.toUnsignedString(m.id()));
            if (socket != null) {
                out.add(socket);
            }
        }
        return out;
    }

    /** The recipients as a rule every node applies to its own members. */
    Selection selection() {
        boolean everyone = rooms.isEmpty() && "/".equals(namespace.name());
        Set<String> hubRooms = new LinkedHashSet<>();
        Set<Long> sessions = new LinkedHashSet<>();
        if (rooms.isEmpty() && !everyone) {
            hubRooms.add(namespace.everyoneRoom());
        }
        for (String room : rooms) {
            long session = sessionOf(room);
            if (session != 0) {
                sessions.add(session);
            } else {
                hubRooms.add(namespace.hubRoom(room));
            }
        }
        Set<String> exceptRooms = new LinkedHashSet<>();
        Set<Long> exceptSessions = new LinkedHashSet<>();
        for (String room : except) {
            long session = sessionOf(room);
            if (session != 0) {
                exceptSessions.add(session);
            } else {
                exceptRooms.add(namespace.hubRoom(room));
            }
        }
        if (exceptSession != 0) {
            exceptSessions.add(exceptSession);
        }
        return new Selection(everyone, hubRooms, sessions, exceptRooms, exceptSessions);
    }

    private Member sender(RoomHub hub) {
        return exceptSession == 0 ? null : hub.session(exceptSession);
    }

    private Event event(Target target, String room, String event, ArrayNode args) {
        Payloads.Payload p = Payloads.fromArgs(args);
        return new Event(0, p.format(), exceptSession, target, room, event, p.bytes());
    }

    /** The session a room name stands for, when it is a session id (of a node of this cluster), else 0. */
    static long sessionOf(String room) {
        if (room.length() < 13 || room.length() > 20) {
            return 0;
        }
        for (int i = 0; i < room.length(); i++) {
            char c = room.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
        }
        try {
            long id = Long.parseUnsignedLong(room);
            return RoomHub.nodeOf(id) > 0 ? id : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
