package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.socketio.protocol.SioArgs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A set of recipients in a namespace, built like socket.io's broadcast operator:
 * {@code nsp.to("a", "b").except("c").emit(...)}. Immutable; every call returns a new one.
 *
 * <p>Recipients are sessions of every protocol: Socket.IO sockets, framed and WebSocket clients.
 * One room, or the whole namespace, with no exceptions: the event goes through the rooms like any
 * publish, to every cluster node. Several rooms or exceptions: computed on this node, each
 * recipient once, and not forwarded to other nodes (docs/socketio.md).
 */
public final class Broadcast {
    private static final Logger log = LogManager.getLogger(Broadcast.class);

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
        int n = 0;
        for (Member m : recipients(hub)) {
            Event e = event(Target.SESSION, "", event, data);
            if (hub.publishToSession(m.id(), e)) {
                n++;
            }
        }
        return n;
    }

    /** Puts every recipient on this node into {@code room} (any protocol: its client is not told). */
    public void socketsJoin(String room) {
        String hubRoom = namespace.hubRoom(room);
        forEachSession(s -> {
            try {
                s.join(hubRoom, false, () -> { });
            } catch (Refused e) {
                log.debug("socketsJoin {}: session {} refused: {}", room, s.id(), e.getMessage());
            }
        });
    }

    /** Takes every recipient on this node out of {@code room}. */
    public void socketsLeave(String room) {
        String hubRoom = namespace.hubRoom(room);
        forEachSession(s -> {
            try {
                s.leave(hubRoom);
            } catch (Refused e) {
                log.debug("socketsLeave {}: session {}: {}", room, s.id(), e.getMessage());
            }
        });
    }

    /** Disconnects every recipient on this node (socket.io's {@code close_room} is {@code in(room).disconnectSockets()}). */
    public void disconnectSockets() {
        forEachSession(s -> s.wire().disconnect("disconnected by the server"));
    }

    /** The Socket.IO sockets among the recipients on this node. */
    public List<SioSocket> fetchSockets() {
        RoomHub hub = namespace.server().hub();
        List<SioSocket> out = new ArrayList<>();
        for (Member m : recipients(hub)) {
            SioSocket socket = namespace.socket(Long.toUnsignedString(m.id()));
            if (socket != null) {
                out.add(socket);
            }
        }
        return out;
    }

    private void forEachSession(java.util.function.Consumer<Session> action) {
        for (Member m : recipients(namespace.server().hub())) {
            if (m instanceof Session s) {
                s.executor().execute(() -> {
                    if (!s.isEnded()) {
                        action.accept(s);
                    }
                });
            }
        }
    }

    /** The recipients on this node, each once. */
    private List<Member> recipients(RoomHub hub) {
        Map<Long, Member> all = new LinkedHashMap<>();
        if (rooms.isEmpty()) {
            if ("/".equals(namespace.name())) {
                for (Member m : hub.localSessions()) {
                    all.put(m.id(), m);
                }
            } else {
                for (Member m : hub.localMembers(namespace.everyoneRoom())) {
                    all.put(m.id(), m);
                }
            }
        }
        for (String room : rooms) {
            long session = sessionOf(room);
            if (session != 0) {
                Member m = hub.session(session);
                if (m != null) {
                    all.put(m.id(), m);
                }
            } else {
                for (Member m : hub.localMembers(namespace.hubRoom(room))) {
                    all.put(m.id(), m);
                }
            }
        }
        for (String room : except) {
            long session = sessionOf(room);
            if (session != 0) {
                all.remove(session);
            } else {
                for (Member m : hub.localMembers(namespace.hubRoom(room))) {
                    all.remove(m.id());
                }
            }
        }
        if (exceptSession != 0) {
            all.remove(exceptSession);
        }
        return new ArrayList<>(all.values());
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
