package io.switchboard.server.socketio;

import io.switchboard.server.socketio.settings.SocketIoOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Frame;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.session.Grant;
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
 * <p>Every method may be called from any thread; the work is done on the socket's event loop (the
 * loop of the connection it was made on, for its whole life). Handlers run there too, or on the
 * application's executor, one at a time and in order.
 *
 * <h2>Connection state recovery</h2>
 * With recovery on for its namespace, a socket whose transport is lost ({@code transport close},
 * {@code transport error}, {@code ping timeout}) is <em>detached</em> rather than ended: the
 * application sees a disconnect, but its session stays in the rooms under the same id and what
 * it would have received is held (bounded, {@link Replay}). A client that reconnects with the
 * socket's private id and its last offset within the time allowed gets the same socket back,
 * attached to its new connection: CONNECT with the same sid and pid, then the missed packets in
 * order; connection handlers run again with {@link #recovered()} true. Otherwise the socket ends
 * when the time is up, or at once when what it holds outgrows the bounds. (docs/socketio-recovery.md)
 */
public final class SioSocket {
    private static final Logger log = LogManager.getLogger(SioSocket.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Acknowledgement ids of the server's own emits start here, above every relay id (32 bits). */
    private static final long SERVER_ACK_BASE = 1L << 32;

    /** Causes of a transport loss a socket may recover from, as Engine.IO names them. */
    private static final Set<String> RECOVERABLE = Set.of("transport close", "transport error", "ping timeout");

    /** The connection it is (or was last) attached to; replaced on recovery. */
    private volatile Connection connection;
    private final EventExecutor home;
    private final Namespace namespace;
    private final Session session;
    private final String id;
    private volatile JsonNode auth;
    /** Recovery: the private id the client reconnects with, the bound, what is kept; null when off. */
    private final String pid;
    private final SocketIoOptions.Recovery recovery;
    private final Replay replay;
    /** Guards {@link #replay} and the attached/detached switch, so that what is sent and what is kept agree. */
    private final Object outLock = new Object();
    private volatile boolean detached;
    /** Whether, while detached, a packet could not be held: no recovery then; under {@link #outLock}. */
    private boolean overflowed;
    private volatile boolean recovered;
    private ScheduledFuture<?> expiry;
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
        this(connection, namespace, sessionId, auth, null);
    }

    /** With {@code pid} given: a socket taken over from another node (recovery there), with its private id. */
    SioSocket(Connection connection, Namespace namespace, long sessionId, JsonNode auth, String takenPid) {
        this.connection = connection;
        this.home = connection.eventLoop();
        this.namespace = namespace;
        this.id = Long.toUnsignedString(sessionId);
        this.auth = auth;
        this.recovery = namespace.recoveryOptions();
        if (recovery.enabled()) {
            byte[] secret = new byte[18];
            RANDOM.nextBytes(secret);
            this.pid = takenPid != null ? takenPid : java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            this.replay = new Replay(recovery.maxEvents(), recovery.maxBytes());
        } else {
            this.pid = null;
            this.replay = null;
        }
        this.session = new Session(sessionId, namespace.server().hub(), namespace.server().sessionConfig(), new Wire(),
                namespace.server().auth());
        this.session.countInto(connection.engine().counters());
        this.session.describe(new io.switchboard.server.session.SessionInfo("socket.io",
                io.switchboard.server.session.SessionInfo.format(connection.engine().handshake().remoteAddress()),
                java.time.Instant.now(), "namespace " + namespace.name()));
        this.handlerExecutor = new OrderedExecutor(home, namespace.server().options().handlerExecutor());
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

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

    /**
     * What the client's verified signed token (the handshake's {@code auth.token}) says: its
     * subject, name, expiry and rights; {@code null} when it presented none (or a static token).
     * Set before the middleware runs, so a middleware can decide on it.
     */
    public Grant grant() {
        return session.grant();
    }

    /** The auth payload the client sent with its CONNECT (an empty object when none). */
    public JsonNode auth() {
        return auth;
    }

    /** Whether the socket is connected (after middleware, before disconnect; not while it waits to recover). */
    public boolean connected() {
        return connected;
    }

    /** Whether this connection recovered an earlier one's state (same id, rooms, missed events). */
    public boolean recovered() {
        return recovered;
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
            if (replay != null && (connected || detached)) {
                long offset = namespace.nextOffset();
                data.add(Long.toString(offset));
                try (SioEncoded encoded = namespace.server().encoder().encode(
                        SioPacket.event(namespace.name(), data, SioPacket.NO_ACK))) {
                    output(encoded, offset);
                }
            } else if (connected) {
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
            ack.timer = home.schedule(() -> {
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
                session.joinAsServer(namespace.hubRoom(room), false, () -> done.complete(null));
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
        onLoop(this::disconnect0);
    }

    private void disconnect0() {
        if (connected) {
            connection.send(SioPacket.disconnect(namespace.name()));
            end("server namespace disconnect");
        } else if (detached) {
            end("server namespace disconnect"); // waiting to recover: it will not
        }
    }

    // ---- from the connection (on the event loop) ----

    /** The recovered socket's client presented a fresh signed token: it replaces the old one. */
    void regrant(Grant grant) {
        if (grant == null) {
            return;
        }
        onLoop(() -> {
            try {
                session.refresh(grant);
            } catch (Refused e) {
                log.debug("socket {} on {}: recovered with a token refused ({})", id, namespace.name(), e.getMessage());
                disconnect0();
            }
        });
    }

    Session session() {
        return session;
    }

    EventExecutor eventLoop() {
        return home;
    }

    private void onLoop(Runnable task) {
        EventExecutor loop = home;
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
        if (pid != null) {
            payload.put("pid", pid);
        }
        connection.send(SioPacket.connect(namespace.name(), payload));
        // The handlers run CONNECT_PACING after the CONNECT is flushed, so that what they emit
        // reaches the client in a read of its own. The Node reference server behaves alike (its
        // next packet waits for the previous write's callback); a client that handles one
        // WebSocket message per read (the official test suite's) otherwise misses the first
        // event: measured 27-31 of 32 per run without the pause, 31-32 with it (docs/socketio.md).
        // Packets that arrive meanwhile wait, so that the handlers see every one, in order.
        early = new java.util.ArrayDeque<>();
        home.schedule(this::runConnectionHandlers, CONNECT_PACING_MICROS, TimeUnit.MICROSECONDS);
    }

    /**
     * Runs the connection handlers, then the packets that waited for them; once (at the end of
     * the pacing, or earlier when the transport closes first, so that a DISCONNECT the client sent
     * right after connecting still counts as the client's). On the socket's loop.
     */
    private void runConnectionHandlers() {
        java.util.ArrayDeque<SioPacket> waiting = early;
        if (waiting == null) {
            return;
        }
        early = null;
        if (connected) {
            namespace.fireConnection(this);
        }
        for (SioPacket p; (p = waiting.poll()) != null; ) {
            if (connected) {
                onPacket(connection, p);
            }
        }
    }

    /** A packet for this namespace (after CONNECT), from {@code from}'s loop. */
    void onPacket(Connection from, SioPacket packet) {
        if (!home.inEventLoop()) {
            home.execute(() -> onPacket(from, packet)); // a recovered socket on another loop: in order
            return;
        }
        if (from != connection || !connected) {
            return;
        }
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

    /**
     * The connection {@code from} closed for {@code reason} (Engine.IO's): the socket detaches
     * when it may recover, else ends. From {@code from}'s loop.
     */
    void transportClosed(Connection from, String reason) {
        onLoop(() -> {
            if (ended || from != connection || detached) {
                return;
            }
            runConnectionHandlers(); // packets that arrived before the loss come first
            if (ended) {
                return; // one of them was the client's DISCONNECT
            }
            if (connected && replay != null && RECOVERABLE.contains(reason)) {
                detach(reason);
            } else {
                end(reason);
            }
        });
    }

    /** Keeps the session in the rooms and its output held for a client that may come back. */
    private void detach(String reason) {
        synchronized (outLock) {
            detached = true;
            connected = false;
        }
        namespace.removed(this);
        namespace.detached(pid, this);
        namespace.server().count("recovery_detached");
        expiry = home.schedule(() -> expire("recovery time elapsed"), recovery.maxDisconnection().toMillis(),
                TimeUnit.MILLISECONDS);
        log.debug("socket {} on {} detached ({}): recoverable for {} ms", id, namespace.name(), reason,
                recovery.maxDisconnection().toMillis());
        disconnected(reason);
        // What the application registered on this connection goes with it: a recovered socket is set up afresh.
        handlers.clear();
        disconnectHandlers.clear();
    }

    /** A detached socket that can no longer recover ends: it leaves the rooms (peers see it go). */
    private void expire(String why) {
        if (detached && !ended) {
            log.debug("socket {} on {}: no recovery ({})", id, namespace.name(), why);
            namespace.server().count("recovery_expired");
            end(why);
        }
    }

    /**
     * A client asks to recover this socket, now detached, on {@code to}: from the packets after
     * {@code offset} (its last one; {@code null} when it had none). {@code done} gets whether it
     * did, on this socket's loop; on success the CONNECT and the missed packets are on their way.
     * A failed attempt ends the socket (its client gets a new one).
     */
    void recover(Connection to, JsonNode newAuth, String offset, java.util.function.Consumer<Boolean> done) {
        onLoop(() -> {
            if (!detached || ended) {
                done.accept(false);
                return;
            }
            boolean refused = false;
            synchronized (outLock) {
                List<Replay.Entry> missed = replay.recover(offset);
                if (missed == null) {
                    refused = true;
                } else {
                    attach(to, newAuth, missed);
                }
            }
            if (refused) {
                namespace.server().count("recovery_refused");
                expire("missed events no longer held (offset " + offset + ")");
                done.accept(false);
                return;
            }
            done.accept(true);
            home.execute(() -> {
                if (connected) {
                    namespace.fireConnection(this);
                }
            });
        });
    }

    /**
     * Another node asks for this socket, detached here, because its client reconnected there
     * (docs/socketio-recovery.md, "Cluster"). When the packets after {@code offset} are all held,
     * {@code answer} gets the socket's state (sid, pid, rooms, the missed packets) with
     * {@code ok: true} and the socket ends here without a disconnect (its rooms are left, so that
     * the other node joins them in its place; events for its id go on to {@code toNode});
     * otherwise {@code ok: false} and the socket ends as it would on a refused recovery here.
     */
    void handOver(String offset, int toNode, java.util.function.Consumer<ObjectNode> answer) {
        onLoop(() -> {
            ObjectNode out = NODES.objectNode();
            if (!detached || ended) {
                answer.accept(out.put("ok", false).put("why", ended ? "ended" : "still connected"));
                return;
            }
            boolean refused = false;
            synchronized (outLock) {
                List<Replay.Entry> missed = replay.recover(offset);
                if (missed == null) {
                    refused = true;
                } else {
                    out.put("ok", true).put("sid", id).put("pid", pid);
                    ArrayNode rooms = out.putArray("rooms");
                    session.rooms().forEach(rooms::add);
                    ArrayNode packets = out.putArray("packets");
                    for (Replay.Entry e : missed) {
                        ObjectNode p = packets.addObject().put("offset", e.offset()).put("text", e.text());
                        ArrayNode attachments = p.putArray("attachments");
                        for (ByteBuf b : e.attachments()) {
                            attachments.add(io.netty.buffer.ByteBufUtil.getBytes(b));
                        }
                    }
                }
            }
            if (refused) {
                namespace.server().count("recovery_refused");
                expire("missed events no longer held (offset " + offset + ")");
                answer.accept(out.put("ok", false).put("why", "offset " + offset + " not held"));
                return;
            }
            namespace.server().hub().movedTo(session.id(), toNode);
            namespace.server().count("recovery_handed_over");
            log.debug("socket {} on {}: handed over to node {}", id, namespace.name(), toNode);
            end("recovered on node " + toNode);
            // The session left its rooms above: those LEFT writes go to Redis before this answer,
            // so the other node's joins come after them.
            answer.accept(out);
        });
    }

    /**
     * Takes over a socket another node held for its client ({@link #handOver} there): the same
     * id and pid, its rooms, and the packets it missed, then the connection handlers with
     * {@link #recovered()} true. On the socket's loop.
     */
    void adopt(JsonNode state) {
        connected = true;
        recovered = true;
        boolean main = "/".equals(namespace.name());
        session.register(main);
        if (!main) {
            session.enter(namespace.everyoneRoom());
        }
        for (JsonNode room : state.path("rooms")) {
            try {
                session.joinAsServer(room.asText(), false, () -> { });
            } catch (Refused e) {
                log.debug("socket {}: room {} not joined again on this node: {}", id, room.asText(), e.getMessage());
            }
        }
        namespace.added(this);
        connection.send(SioPacket.connect(namespace.name(), NODES.objectNode().put("sid", id).put("pid", pid)));
        int n = 0;
        synchronized (outLock) {
            for (JsonNode p : state.path("packets")) {
                List<ByteBuf> attachments = new ArrayList<>();
                long bytes = p.path("text").asText().length();
                for (JsonNode a : p.path("attachments")) {
                    try {
                        byte[] data = a.binaryValue();
                        attachments.add(io.netty.buffer.Unpooled.wrappedBuffer(data));
                        bytes += data.length;
                    } catch (java.io.IOException e) {
                        throw new IllegalArgumentException("attachment is not base64", e);
                    }
                }
                Replay.Entry e = new Replay.Entry(p.path("offset").asLong(), p.path("text").asText(), attachments, bytes, true);
                connection.engine().send(e.text());
                for (ByteBuf b : attachments) {
                    connection.engine().send(b.retainedDuplicate());
                }
                replay.kept(e);
                n++;
            }
        }
        namespace.server().count("recovery_succeeded");
        log.debug("socket {} on {} recovered from another node: {} packets replayed", id, namespace.name(), n);
        home.execute(() -> {
            if (connected) {
                namespace.fireConnection(this);
            }
        });
    }

    /** Attaches the socket to {@code to}: CONNECT with the same sid and pid, then the missed packets. Under the lock. */
    private void attach(Connection to, JsonNode newAuth, List<Replay.Entry> missed) {
        expiry.cancel(false);
        expiry = null;
        connection = to;
        session.countInto(to.engine().counters());
        auth = newAuth;
        detached = false;
        connected = true;
        recovered = true;
        namespace.reattached(pid, this);
        namespace.added(this);
        ObjectNode payload = NODES.objectNode().put("sid", id).put("pid", pid);
        to.send(SioPacket.connect(namespace.name(), payload));
        for (Replay.Entry e : missed) {
            to.engine().send(e.text());
            for (ByteBuf b : e.attachments()) {
                to.engine().send(b.retainedDuplicate());
            }
        }
        namespace.server().count("recovery_succeeded");
        log.debug("socket {} on {} recovered: {} packets replayed", id, namespace.name(), missed.size());
    }

    /**
     * Sends a packet to the client now (an event with {@code offset} is kept for a replay), or,
     * while detached, holds it; when it cannot be held the socket is beyond recovery. Recovery on only.
     */
    private void output(SioEncoded packet, long offset) {
        boolean overflow = false;
        synchronized (outLock) {
            if (ended) {
                return;
            }
            if (detached) {
                if (overflowed) {
                    return; // beyond recovery: it ends as soon as its loop gets to it
                }
                overflow = overflowed = !replay.hold(offset, packet);
            } else {
                if (offset != 0) {
                    replay.sent(offset, packet);
                }
                connection.send(packet);
            }
        }
        if (overflow) {
            namespace.server().count("recovery_overflow");
            onLoop(() -> expire("more missed events than socketio.recovery-max-buffered-* allow"));
        }
    }

    /** Sends a packet that is not kept for a replay (CONNECT, DISCONNECT...), or holds one (an ACK) while detached. */
    private void output(SioPacket packet) {
        if (replay == null) {
            if (connected) {
                connection.send(packet);
            }
            return;
        }
        try (SioEncoded encoded = namespace.server().encoder().encode(packet)) {
            output(encoded, 0);
        }
    }

    /** Leaves the rooms, fails what waits on this socket, tells the handlers. Idempotent. */
    void end(String reason) {
        if (ended) {
            return;
        }
        boolean wasConnected;
        synchronized (outLock) {
            ended = true;
            wasConnected = connected;
            connected = false;
            detached = false;
            if (replay != null) {
                replay.release();
            }
        }
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        if (pid != null) {
            namespace.reattached(pid, this);
        }
        session.end();
        namespace.removed(this);
        connection.forget(this);
        if (wasConnected) {
            disconnected(reason);
        }
    }

    /** Fails the server's emits waiting for an acknowledgement and tells the disconnect handlers. */
    private void disconnected(String reason) {
        for (PendingAck ack : pending.values()) {
            ack.timer.cancel(false);
            ack.result.completeExceptionally(new IllegalStateException("socket " + id + " disconnected: " + reason));
        }
        pending.clear();
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

    /** The arguments of an error acknowledgement: {@code [{code, name, message}]}. */
    static ArrayNode errorArgs(ErrorCode code, String message) {
        ObjectNode error = NODES.objectNode();
        error.put("code", code.code());
        error.put("name", code.name());
        error.put("message", message);
        return NODES.arrayNode(1).add(error);
    }

    /** A client's acknowledgement request. */
    final class ClientAck implements Ack {
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
                if (!requested() || sent || !(connected || detached)) {
                    return;
                }
                sent = true;
                output(SioPacket.ack(namespace.name(), ackId, args));
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
            // With recovery on, output goes on being taken between the transport's loss and the
            // socket's detaching (kept for a replay as sent), and while detached (held).
            return detached || connected && (replay != null || connection.engine().isOpen());
        }

        @Override
        public boolean isWritable() {
            return true; // Engine.IO bounds what a session holds unsent and closes it ("buffer full")
        }

        @Override
        public boolean write(Outbound message) {
            Namespace.Rendered rendered = message.rendered(namespace.rendering());
            if (rendered == null) {
                return false;
            }
            if (replay != null) {
                output(rendered.packet(), rendered.offset());
            } else {
                connection.send(rendered.packet());
            }
            return true;
        }

        @Override
        public void reply(Frame reply) {
            try {
                if (reply instanceof io.switchboard.common.protocol.Ack ack) {
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
                if (connected || detached) {
                    output(SioPacket.ack(namespace.name(), ackId, args)); // held while detached
                }
            });
        }

        @Override
        public void closeSlowConsumer() {
            disconnect("slow consumer");
        }

        @Override
        public void disconnect(String reason) {
            SioSocket.this.disconnect0();
        }

        @Override
        public void kick(String reason) {
            // Socket.IO's DISCONNECT carries no reason: the client hears it first, in an sb:disconnect event.
            if (connected) {
                ArrayNode data = NODES.arrayNode().add("sb:disconnect");
                data.addObject().put("reason", reason);
                connection.send(SioPacket.event(namespace.name(), data, SioPacket.NO_ACK));
            }
            SioSocket.this.disconnect0();
        }

        @Override
        public void closeWithError(ErrorCode code, String message) {
            // The client hears why before the DISCONNECT: an sb:error event with the code and message.
            if (connected) {
                ArrayNode data = NODES.arrayNode().add("sb:error");
                data.addObject().put("code", code.code()).put("message", message);
                connection.send(SioPacket.event(namespace.name(), data, SioPacket.NO_ACK));
            }
            SioSocket.this.disconnect0();
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
