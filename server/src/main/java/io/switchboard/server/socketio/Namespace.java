package io.switchboard.server.socketio;

import io.switchboard.server.socketio.settings.SocketIoOptions;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.socketio.protocol.SioArgs;
import io.switchboard.server.socketio.protocol.SioEncoded;
import io.switchboard.server.socketio.protocol.SioPacket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A Socket.IO namespace: its middleware, its handlers, and the broadcasts to its rooms.
 *
 * <p>Rooms: the main namespace {@code /} shares its rooms with framed and WebSocket clients (room
 * {@code lobby} is the same room for all of them). Another namespace {@code /chat} keeps its rooms
 * apart: its room {@code lobby} is the room {@code /chat#lobby} for other protocols. Events for
 * everyone reach every framed and WebSocket client and the sockets of {@code /}; a namespace's
 * own broadcast reaches only its sockets.
 */
public final class Namespace {
    private static final Logger log = LogManager.getLogger(Namespace.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final SocketIoServer server;
    private final String name;
    private final String prefix;
    private final List<Middleware> middlewares = new CopyOnWriteArrayList<>();
    private final List<Consumer<SioSocket>> connectionHandlers = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<SioSocket, String>> disconnectHandlers = new CopyOnWriteArrayList<>();
    private final Map<String, EventHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, SioSocket> sockets = new ConcurrentHashMap<>();
    private final Outbound.Rendering<Rendered> rendering = this::render;
    /** Detached sockets (connection state recovery) by private id. */
    private final Map<String, SioSocket> detached = new ConcurrentHashMap<>();
    /** The offsets of the events this namespace sends while recovery is on; shared by every recipient of one message. */
    private final java.util.concurrent.atomic.AtomicLong offsets;
    private volatile boolean relay;
    private volatile SocketIoOptions.Recovery recovery;

    /** A message of the rooms as this namespace sends it: the packet, and its offset (0: none). */
    record Rendered(SioEncoded packet, long offset) implements AutoCloseable {
        @Override
        public void close() {
            packet.close();
        }
    }

    Namespace(SocketIoServer server, String name) {
        this.server = server;
        this.name = name;
        this.prefix = "/".equals(name) ? "" : name + "#";
        this.relay = server.options().relay();
        this.recovery = server.options().recovery();
        // Offsets start at the node id times 2^32, so that those of two nodes differ: a socket
        // recovered on another node keeps the offsets it got from the first in its history.
        this.offsets = new java.util.concurrent.atomic.AtomicLong((long) server.hub().nodeId() << 32);
    }

    /** The namespace's name, such as {@code /} or {@code /chat}. */
    public String name() {
        return name;
    }

    /** Adds a middleware, run for each connection before it is accepted. */
    public Namespace use(Middleware middleware) {
        middlewares.add(middleware);
        return this;
    }

    /** Called with each socket once connected. */
    public Namespace onConnection(Consumer<SioSocket> handler) {
        connectionHandlers.add(handler);
        return this;
    }

    /** Called with each socket and the reason when it disconnects. */
    public Namespace onDisconnect(BiConsumer<SioSocket, String> handler) {
        disconnectHandlers.add(handler);
        return this;
    }

    /** Handles {@code event} from every socket of the namespace (a socket's own handler comes first). */
    public Namespace on(String event, EventHandler handler) {
        handlers.put(event, handler);
        return this;
    }

    /** Serves the reserved {@code sb:*} relay events on this namespace, or not. */
    public Namespace relay(boolean on) {
        this.relay = on;
        return this;
    }

    /**
     * Turns connection state recovery on for this namespace ({@code maxDisconnection} above zero)
     * or off (zero), with the server's buffer limits; sockets connected before keep what they had.
     */
    public Namespace recovery(java.time.Duration maxDisconnection) {
        this.recovery = recovery.withMaxDisconnection(maxDisconnection);
        return this;
    }

    /**
     * The namespace's sockets on every node, described (connected ones: not those waiting to
     * recover); see {@link Broadcast#fetchSockets()} for the wait on the other nodes.
     */
    public java.util.concurrent.CompletableFuture<List<RemoteSocket>> fetchSockets() {
        return broadcast().fetchSockets();
    }

    /** The namespace's sockets on this node (connected ones: not those waiting to recover). */
    public List<SioSocket> localSockets() {
        return new ArrayList<>(sockets.values());
    }

    /** The socket with this id on this node, or {@code null}. */
    public SioSocket socket(String id) {
        return sockets.get(id);
    }

    /** Every member of the namespace (for {@code /}: every client, whatever its protocol). */
    public Broadcast broadcast() {
        return new Broadcast(this);
    }

    /** The members of these rooms (a socket id as a room name is that one socket). */
    public Broadcast to(String... rooms) {
        return broadcast().to(rooms);
    }

    /** Same as {@link #to}. */
    public Broadcast in(String... rooms) {
        return to(rooms);
    }

    /** Everyone in the namespace except the members of these rooms. */
    public Broadcast except(String... rooms) {
        return broadcast().except(rooms);
    }

    /** Sends {@code event} to every member of the namespace. */
    public void emit(String event, Object... args) {
        broadcast().emit(event, args);
    }

    // ---- for the layer ----

    SocketIoServer server() {
        return server;
    }

    boolean relays() {
        return relay;
    }

    EventHandler handler(String event) {
        return handlers.get(event);
    }

    Outbound.Rendering<Rendered> rendering() {
        return rendering;
    }

    SocketIoOptions.Recovery recoveryOptions() {
        return recovery;
    }

    /** The next event offset (connection state recovery). */
    long nextOffset() {
        return offsets.incrementAndGet();
    }

    void detached(String pid, SioSocket socket) {
        detached.put(pid, socket);
    }

    /** The detached socket with this private id, or {@code null}. */
    SioSocket detachedSocket(String pid) {
        return detached.get(pid);
    }

    void reattached(String pid, SioSocket socket) {
        detached.remove(pid, socket);
    }

    /** Sockets waiting to recover on this node. */
    int detachedCount() {
        return detached.size();
    }

    /** The room every socket of a namespace other than {@code /} is in. */
    String everyoneRoom() {
        return prefix;
    }

    /** The rooms' name for a room of this namespace. */
    String hubRoom(String room) {
        return prefix + room;
    }

    /** This namespace's name for a room of the hub, or {@code null} if the room is not this namespace's. */
    String roomOf(String hubRoom) {
        if (prefix.isEmpty()) {
            return hubRoom.indexOf('#') > 0 && hubRoom.startsWith("/") ? null : hubRoom;
        }
        return hubRoom.startsWith(prefix) && hubRoom.length() > prefix.length() ? hubRoom.substring(prefix.length()) : null;
    }

    void added(SioSocket socket) {
        sockets.put(socket.id(), socket);
    }

    void removed(SioSocket socket) {
        sockets.remove(socket.id(), socket);
    }

    /** Runs the middleware chain, then connects the socket or refuses it with a CONNECT_ERROR payload. */
    void admit(SioSocket socket, Consumer<ObjectNode> refuse) {
        step(socket, 0, refuse);
    }

    private void step(SioSocket socket, int index, Consumer<ObjectNode> refuse) {
        if (index == middlewares.size()) {
            socket.accepted();
            return;
        }
        Middleware m = middlewares.get(index);
        java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
        Middleware.Next next = new Middleware.Next() {
            @Override
            public void accept() {
                if (answered.compareAndSet(false, true)) {
                    onLoop(socket, () -> step(socket, index + 1, refuse));
                }
            }

            @Override
            public void refuse(String message, Object data) {
                // The refusal is checked before it counts as given: data that cannot be sent (a
                // MissingNode, a non-finite number, binary, which CONNECT_ERROR cannot carry) must
                // not leave the client unanswered until its connect timeout. It then goes out
                // without the data, and the caller still gets the exception.
                ObjectNode payload = NODES.objectNode();
                payload.put("message", message);
                IllegalArgumentException unsendable = null;
                if (data != null) {
                    try {
                        payload.set("data", SioArgs.toJson(data));
                        server.encoder().encode(SioPacket.connectError(name, payload)).close();
                    } catch (IllegalArgumentException e) {
                        unsendable = e;
                        payload.remove("data");
                    }
                }
                if (answered.compareAndSet(false, true)) {
                    onLoop(socket, () -> refuse.accept(payload));
                }
                if (unsendable != null) {
                    throw new IllegalArgumentException("namespace " + name + ": the refusal's data cannot be sent ("
                            + unsendable.getMessage() + "); refused without it", unsendable);
                }
            }
        };
        try {
            m.handle(socket, next);
        } catch (Exception e) {
            log.warn("namespace {}: middleware failed", name, e);
            next.refuse("middleware error", null);
        }
    }

    private static void onLoop(SioSocket socket, Runnable task) {
        if (socket.eventLoop().inEventLoop()) {
            task.run();
        } else {
            socket.eventLoop().execute(task);
        }
    }

    void fireConnection(SioSocket socket) {
        for (Consumer<SioSocket> h : connectionHandlers) {
            try {
                h.accept(socket);
            } catch (RuntimeException e) {
                log.warn("namespace {}: connection handler failed", name, e);
            }
        }
    }

    void fireDisconnect(SioSocket socket, String reason) {
        for (BiConsumer<SioSocket, String> h : disconnectHandlers) {
            try {
                h.accept(socket, reason);
            } catch (RuntimeException e) {
                log.warn("namespace {}: disconnect handler failed", name, e);
            }
        }
    }

    /** An event or presence notice of the rooms as this namespace's EVENT packet; once per message. */
    private Rendered render(Outbound message) {
        Frame frame = message.frame();
        ArrayNode data;
        long ackId = SioPacket.NO_ACK;
        if (frame instanceof Event event) {
            data = NODES.arrayNode().add(event.event());
            data.addAll(Payloads.toArgs(event.content(), event.flags()));
            if (Flags.has(event.flags(), Flags.PEER_ACK)) {
                ackId = Integer.toUnsignedLong(event.requestId());
            }
        } else if (frame instanceof Presence presence) {
            String room = roomOf(presence.room());
            if (room == null) {
                return null;
            }
            ObjectNode notice = NODES.objectNode();
            notice.put("room", room);
            notice.put("session", Long.toUnsignedString(presence.sessionId()));
            notice.put("name", presence.name());
            data = NODES.arrayNode().add(presence.opcode() == Opcode.JOINED ? Relay.JOINED : Relay.LEFT).add(notice);
        } else {
            return null;
        }
        if (RESERVED.contains(data.get(0).textValue())) {
            return null; // a name Socket.IO clients keep for themselves ("connect", ...): not shown to them
        }
        long offset = 0;
        if (recovery.enabled() && ackId == SioPacket.NO_ACK) {
            // Every recipient in this namespace shares the encoding, hence the offset.
            offset = nextOffset();
            data.add(Long.toString(offset));
        }
        try {
            return new Rendered(server.encoder().encode(SioPacket.event(name, data, ackId)), offset);
        } catch (IllegalArgumentException e) {
            log.debug("namespace {}: event '{}' cannot be sent to Socket.IO clients: {}", name, data.get(0), e.getMessage());
            return null;
        }
    }

    private static final java.util.Set<String> RESERVED = java.util.Set.of("connect", "connect_error", "disconnect",
            "disconnecting", "newListener", "removeListener");
}
