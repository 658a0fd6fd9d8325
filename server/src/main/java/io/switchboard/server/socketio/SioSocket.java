package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.SessionWire;
import io.switchboard.server.socketio.engine.Handshake;
import io.switchboard.server.socketio.protocol.SioArgs;
import io.switchboard.server.socketio.protocol.SioEncoded;
import io.switchboard.server.socketio.protocol.SioPacket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client's connection to one namespace: socket.io's {@code socket}. Its id is its session id
 * in the rooms (decimal), so framed and WebSocket clients address it by the same number, and a
 * broadcast to a room named by a socket id reaches that socket (as in python-socketio).
 *
 * <p>Every method may be called from any thread; the work is done on the socket's event loop.
 * Handlers run there too, or on the application's executor, one at a time and in order.
 */
public final class SioSocket {
    private static final Logger log = LogManager.getLogger(SioSocket.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Acknowledgement ids of the server's own emits start here, above every relay id (32 bits). */
    private static final long SERVER_ACK_BASE = 1L << 32;

    private final Connection connection;
    private final Namespace namespace;
    private final Session session;
    private final String id;
    private final JsonNode auth;
    private final Map<String, EventHandler> handlers = new ConcurrentHashMap<>();
    private final List<BiConsumer<SioSocket, String>> disconnectHandlers = Collections.synchronizedList(new ArrayList<>());
    /** The server's emits awaiting the client's acknowledgement; on the event loop only. */
    private final Map<Long, PendingAck> pending = new HashMap<>();
    private final OrderedExecutor handlerExecutor;
    private long nextAckId = SERVER_ACK_BASE;
    /** Packets that arrived before the connection handlers ran; on the event loop only. */
    private java.util.ArrayDeque<SioPacket> early;
    private static final int MAX_EARLY = 1024;
    /** The pause between the CONNECT reply and the connection handlers (see {@link #accepted}). */
    static final long CONNECT_PACING_MICROS = 2000;
    private volatile boolean connected;
    private volatile boolean ended;

    SioSocket(Connection connection, Namespace namespace, long sessionId, JsonNode auth) {
        this.connection = connection;
        this.namespace = namespace;
        this.id = Long.toUnsignedString(sessionId);
        this.auth = auth;
        this.session = new Session(sessionId, namespace.server().hub(), namespace.server().sessionConfig(), new Wire());
        this.handlerExecutor = new OrderedExecutor(connection.eventLoop(), namespace.server().options().handlerExecutor());
    }

    /** The socket id, also its session id in the rooms (unsigned decimal). */
    public String id() {
        return id;
    }

    /** The session id in the rooms. */
    public long sessionId() {
        return session.id();
    }

    /** The namespace this socket is connected to. */
    public Namespace namespace() {
        return namespace;
    }

    /** The HTTP request that opened the underlying Engine.IO session: query, headers, address. */
    public Handshake handshake() {
        return connection.engine().handshake();
    }

    /** The auth payload the client sent with its CONNECT (an empty object when none). */
    public JsonNode auth() {
        return auth;
    }

    /** Whether the socket is connected (after middleware, before disconnect). */
    public boolean connected() {
        return connected;
    }

    /** The Engine.IO transport now: {@code polling} or {@code websocket}. */
    public String transport() {
        return connection.engine().transport();
    }

    /** Handles {@code event} from this socket (before the namespace's handler for it). */
    public SioSocket on(String event, EventHandler handler) {
        handlers.put(event, handler);
        return this;
    }

    /** Called once when the socket disconnects, with the reason as socket.io names it. */
    public SioSocket onDisconnect(BiConsumer<SioSocket, String> handler) {
        disconnectHandlers.add(handler);
        return this;
    }

    /** Sends {@code event} with {@code args} (any values {@code SioArgs} accepts) to this client. */
    public void emit(String event, Object... args) {
        emitArgs(event, SioArgs.args(args));
    }

    /** Sends {@code event} with these arguments, as received by a handler for instance. */
    public void emitArgs(String event, ArrayNode args) {
        ArrayNode data = NODES.arrayNode(args.size() + 1).add(event);
        data.addAll(args);
        onLoop(() -> {
            if (connected) {
                connection.send(SioPacket.event(namespace.name(), data, SioPacket.NO_ACK));
            }
        });
    }

    /**
     * Sends {@code event} and waits for the client's acknowledgement: the future completes with
     * its arguments, or fails with a {@link TimeoutException} after {@code timeout}, or with
     * {@link IllegalStateException} when the socket disconnects first.
     */
    public CompletableFuture<ArrayNode> emitWithAck(String event, Duration timeout, Object... args) {
        ArrayNode data = SioArgs.event(event, args);
        CompletableFuture<ArrayNode> result = new CompletableFuture<>();
        onLoop(() -> {
            if (!connected) {
                result.completeExceptionally(new IllegalStateException("socket " + id + " is not connected"));
                return;
            }
            long ackId = nextAckId++;
            PendingAck ack = new PendingAck(result);
            pending.put(ackId, ack);
            ack.timer = connection.eventLoop().schedule(() -> {
                if (pending.remove(ackId) != null) {
                    result.completeExceptionally(new TimeoutException("socket " + id + " did not acknowledge '"
                            + event + "' within " + timeout.toMillis() + " ms"));
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            connection.send(SioPacket.event(namespace.name(), data, ackId));
        });
        return result;
    }

    /** {@link #emitWithAck(String, Duration, Object...)} with the server's default timeout. */
    public CompletableFuture<ArrayNode> emitWithAck(String event, Object... args) {
        return emitWithAck(event, namespace.server().options().ackTimeout(), args);
    }

    /** Joins a room of this namespace (shared with framed and WebSocket clients for the main namespace). */
    public CompletableFuture<Void> join(String room) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> {
            try {
                session.join(namespace.hubRoom(room), false, () -> done.complete(null));
            } catch (Refused e) {
                done.completeExceptionally(new IllegalArgumentException(e.getMessage()));
            }
        });
        return done;
    }

    /** Leaves a room of this namespace. */
    public CompletableFuture<Void> leave(String room) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> {
            try {
                session.leave(namespace.hubRoom(room));
                done.complete(null);
            } catch (Refused e) {
                done.completeExceptionally(new IllegalArgumentException(e.getMessage()));
            }
        });
        return done;
    }

    /** The rooms this socket is in, its own id first (as socket.io lists them); call on the event loop for an exact answer. */
    public Set<String> rooms() {
        Set<String> rooms = new LinkedHashSet<>();
        rooms.add(id);
        for (String hubRoom : List.copyOf(session.rooms())) {
            String room = namespace.roomOf(hubRoom);
            if (room != null) {
                rooms.add(room);
            }
        }
        return rooms;
    }

    /** Every other socket of the namespace (or of {@link Broadcast#to} rooms), not this one. */
    public Broadcast broadcast() {
        return namespace.broadcast().exceptSession(session.id());
    }

    /** Like socket.io's {@code socket.to(room)}: the room's members, except this socket. */
    public Broadcast to(String... rooms) {
        return broadcast().to(rooms);
    }

    /** Disconnects the socket from its namespace: the client gets a DISCONNECT packet ({@code io server disconnect}). */
    public void disconnect() {
        onLoop(() -> {
            if (connected) {
                connection.send(SioPacket.disconnect(namespace.name()));
                end("server namespace disconnect");
            }
        });
    }

    // ---- from the connection (on the event loop) ----

    Session session() {
        return session;
    }

    EventExecutor eventLoop() {
        return connection.eventLoop();
    }

    private void onLoop(Runnable task) {
        EventExecutor loop = connection.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** The middleware said yes: the socket is in the rooms and the client is told. */
    void accepted() {
        connected = true;
        boolean main = "/".equals(namespace.name());
        session.register(main);
        if (!main) {
            session.enter(namespace.everyoneRoom());
        }
        namespace.added(this);
        ObjectNode payload = NODES.objectNode().put("sid", id);
        connection.send(SioPacket.connect(namespace.name(), payload));
        // The handlers run CONNECT_PACING after the CONNECT is flushed, so that what they emit
        // reaches the client in a read of its own. The Node reference server behaves alike (its
        // next packet waits for the previous write's callback); a client that handles one
        // WebSocket message per read (the official test suite's) otherwise misses the first
        // event: measured 27-31 of 32 per run without the pause, 31-32 with it (docs/socketio.md).
        // Packets that arrive meanwhile wait, so that the handlers see every one, in order.
        early = new java.util.ArrayDeque<>();
        connection.eventLoop().schedule(() -> {
            if (connected) {
                namespace.fireConnection(this);
            }
            java.util.ArrayDeque<SioPacket> waiting = early;
            early = null;
            for (SioPacket p; (p = waiting.poll()) != null; ) {
                if (connected) {
                    onPacket(p);
                }
            }
        }, CONNECT_PACING_MICROS, TimeUnit.MICROSECONDS);
    }

    /** A packet for this namespace (after CONNECT). */
    void onPacket(SioPacket packet) {
        if (early != null) {
            if (early.size() >= MAX_EARLY) {
                connection.protocolError(MAX_EARLY + " packets before the connection handlers ran");
                return;
            }
            early.add(packet);
            return;
        }
        try {
            if (session.park(packet)) {
                return;
            }
        } catch (Refused e) {
            if (packet.hasAckId()) {
                connection.send(SioPacket.ack(namespace.name(), packet.ackId(), errorArgs(e.code(), e.getMessage())));
            }
            return;
        }
        handle(packet);
    }

    private void handle(SioPacket packet) {
        switch (packet.type()) {
            case EVENT, BINARY_EVENT -> onEvent(packet);
            case ACK, BINARY_ACK -> onAck(packet);
            case DISCONNECT -> end("client namespace disconnect");
            default -> connection.protocolError("unexpected " + packet.type() + " from a client");
        }
    }

    private void onEvent(SioPacket packet) {
        ArrayNode data = (ArrayNode) packet.data();
        String event = data.get(0).textValue();
        ArrayNode args = NODES.arrayNode(data.size() - 1);
        for (int i = 1; i < data.size(); i++) {
            args.add(data.get(i));
        }
        ClientAck ack = new ClientAck(packet.hasAckId() ? packet.ackId() : SioPacket.NO_ACK);
        if (namespace.relays() && event.startsWith(Relay.PREFIX)) {
            Relay.handle(this, event, args, ack);
            return;
        }
        EventHandler handler = handlers.get(event);
        if (handler == null) {
            handler = namespace.handler(event);
        }
        if (handler == null) {
            log.debug("socket {} on {}: no handler for '{}'", id, namespace.name(), event);
            return;
        }
        EventHandler h = handler;
        handlerExecutor.execute(() -> {
            try {
                h.onEvent(this, args, ack);
            } catch (Exception e) {
                log.warn("socket {} on {}: handler for '{}' failed", id, namespace.name(), event, e);
                ack.fail(ErrorCode.INTERNAL_ERROR, "the handler failed");
            }
        });
    }

    private void onAck(SioPacket packet) {
        long ackId = packet.ackId();
        ArrayNode args = packet.data() instanceof ArrayNode a ? a : NODES.arrayNode();
        PendingAck ack = pending.remove(ackId);
        if (ack != null) {
            ack.timer.cancel(false);
            ack.result.complete(args);
            return;
        }
        if (ackId >= 0 && ackId < SERVER_ACK_BASE) {
            // The answer to an event a peer sent with PEER_ACK (the relay id is the ack id).
            Payloads.Payload payload = Payloads.fromArgs(args);
            try {
                session.peerAck((int) ackId, payload.bytes());
            } catch (Refused e) {
                log.debug("socket {}: {}", id, e.getMessage());
            }
            return;
        }
        log.debug("socket {}: no acknowledgement {} is awaited", id, ackId);
    }

    /** Leaves the rooms, fails what waits on this socket, tells the handlers. Idempotent. */
    void end(String reason) {
        if (ended) {
            return;
        }
        ended = true;
        boolean wasConnected = connected;
        connected = false;
        session.end();
        namespace.removed(this);
        connection.forget(this);
        for (PendingAck ack : pending.values()) {
            ack.timer.cancel(false);
            ack.result.completeExceptionally(new IllegalStateException("socket " + id + " disconnected: " + reason));
        }
        pending.clear();
        if (wasConnected) {
            List<BiConsumer<SioSocket, String>> all = new ArrayList<>(disconnectHandlers);
            handlerExecutor.execute(() -> {
                namespace.fireDisconnect(this, reason);
                for (BiConsumer<SioSocket, String> h : all) {
                    try {
                        h.accept(this, reason);
                    } catch (RuntimeException e) {
                        log.warn("socket {}: disconnect handler failed", id, e);
                    }
                }
            });
        }
    }

    /** The arguments of an error acknowledgement: {@code [{code, name, message}]}. */
    static ArrayNode errorArgs(ErrorCode code, String message) {
        ObjectNode error = NODES.objectNode();
        error.put("code", code.code());
        error.put("name", code.name());
        error.put("message", message);
        return NODES.arrayNode(1).add(error);
    }

    /** A client's acknowledgement request. */
    final class ClientAck implements io.switchboard.server.socketio.Ack {
        private final long ackId;
        private boolean sent;

        ClientAck(long ackId) {
            this.ackId = ackId;
        }

        long ackId() {
            return ackId;
        }

        @Override
        public boolean requested() {
            return ackId != SioPacket.NO_ACK;
        }

        @Override
        public void send(Object... args) {
            sendArgs(SioArgs.args(args));
        }

        @Override
        public void sendArgs(ArrayNode args) {
            onLoop(() -> {
                if (!requested() || sent || !connected) {
                    return;
                }
                sent = true;
                connection.send(SioPacket.ack(namespace.name(), ackId, args));
            });
        }

        void fail(ErrorCode code, String message) {
            sendArgs(errorArgs(code, message));
        }
    }

    private static final class PendingAck {
        final CompletableFuture<ArrayNode> result;
        ScheduledFuture<?> timer;

        PendingAck(CompletableFuture<ArrayNode> result) {
            this.result = result;
        }
    }

    /** The session core's view of this socket. */
    private final class Wire implements SessionWire {
        @Override
        public EventExecutor executor() {
            return connection.eventLoop();
        }

        @Override
        public boolean isOpen() {
            return connected && connection.engine().isOpen();
        }

        @Override
        public boolean isWritable() {
            return true; // Engine.IO bounds what a session holds unsent and closes it ("buffer full")
        }

        @Override
        public boolean write(Outbound message) {
            SioEncoded encoded = message.rendered(namespace.rendering());
            if (encoded == null) {
                return false;
            }
            connection.send(encoded);
            return true;
        }

        @Override
        public void reply(Frame reply) {
            try {
                if (reply instanceof Ack ack) {
                    ArrayNode args = NODES.arrayNode().addNull();
                    args.addAll(Payloads.toArgs(ack.content(), 0));
                    sendAck(Integer.toUnsignedLong(ack.requestId()), args);
                } else if (reply instanceof ErrorFrame error) {
                    ErrorCode code = error.errorCode() != null ? error.errorCode() : ErrorCode.INTERNAL_ERROR;
                    sendAck(Integer.toUnsignedLong(error.requestId()), errorArgs(code, error.message()));
                }
            } finally {
                ReferenceCountUtil.release(reply);
            }
        }

        private void sendAck(long ackId, ArrayNode args) {
            onLoop(() -> {
                if (connected) {
                    connection.send(SioPacket.ack(namespace.name(), ackId, args));
                }
            });
        }

        @Override
        public void closeSlowConsumer() {
            disconnect("slow consumer");
        }

        @Override
        public void disconnect(String reason) {
            if (connected) {
                connection.send(SioPacket.disconnect(namespace.name()));
                end("server namespace disconnect");
            }
        }

        @Override
        public void pauseInput(boolean paused) {
            // Engine.IO input is not paused: parked packets are bounded by the session core.
        }

        @Override
        public void dispatch(Object message) {
            if (connected) {
                handle((SioPacket) message);
            }
        }
    }

    /** Runs handlers one at a time, in order: on the event loop, or on the application's executor. */
    static final class OrderedExecutor {
        private final EventExecutor loop;
        private final java.util.concurrent.Executor executor;
        private final java.util.ArrayDeque<Runnable> queue = new java.util.ArrayDeque<>();
        private boolean running;

        OrderedExecutor(EventExecutor loop, java.util.concurrent.Executor executor) {
            this.loop = loop;
            this.executor = executor;
        }

        void execute(Runnable task) {
            if (executor == null) {
                if (loop.inEventLoop()) {
                    task.run();
                } else {
                    loop.execute(task);
                }
                return;
            }
            synchronized (queue) {
                queue.add(task);
                if (running) {
                    return;
                }
                running = true;
            }
            executor.execute(this::drain);
        }

        private void drain() {
            for (;;) {
                Runnable next;
                synchronized (queue) {
                    next = queue.poll();
                    if (next == null) {
                        running = false;
                        return;
                    }
                }
                try {
                    next.run();
                } catch (RuntimeException e) {
                    log.warn("socket handler failed", e);
                }
            }
        }
    }
}
