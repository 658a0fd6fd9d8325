package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.NodeRequests;
import io.switchboard.server.rooms.NodeRequests.Gathered;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.rooms.Selection;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Socket.IO's cluster-wide operations, over the hub's messages between nodes (JSON bodies on
 * topics {@code sio.*}, docs/cluster.md): {@code socketsJoin}, {@code socketsLeave} and
 * {@code disconnectSockets} (sent to every node, not answered), {@code fetchSockets} (every node
 * alive answers with its sockets; the wait is bounded) and connection state recovery on another
 * node (the node holding the detached socket hands it over). On a single node each is local.
 */
final class ClusterOps {
    private static final Logger log = LogManager.getLogger(ClusterOps.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** How long {@code fetchSockets()} waits for the other nodes by default (socket.io's Redis adapter: 5 s). */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);
    /** How long a recovery waits for the other nodes to say whether one holds the socket. */
    static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(2);

    static final String OP = "sio.op";
    static final String FETCH = "sio.fetch";
    static final String FETCH_REPLY = "sio.fetch.reply";
    static final String TAKE = "sio.take";
    static final String TAKE_REPLY = "sio.take.reply";

    /** What {@code socketsJoin}, {@code socketsLeave} and {@code disconnectSockets} do to each recipient. */
    enum Op {
        JOIN, LEAVE, DISCONNECT
    }

    private final SocketIoServer server;
    private final RoomHub hub;
    private final NodeRequests<JsonNode> requests = new NodeRequests<>();

    ClusterOps(SocketIoServer server) {
        this.server = server;
        this.hub = server.hub();
        hub.onNodeMessage(OP, handler((m, origin) -> applyLocally(Op.valueOf(m.path("op").asText()),
                selection(m.path("sel")), m.path("room").asText())));
        hub.onNodeMessage(FETCH, handler(this::answerFetch));
        hub.onNodeMessage(TAKE, handler(this::answerTakeOver));
        hub.onNodeMessage(FETCH_REPLY, handler(this::reply));
        hub.onNodeMessage(TAKE_REPLY, handler(this::reply));
    }

    /** A message's JSON to {@code handler}; one that cannot be read or handled is logged and dropped. */
    private static io.switchboard.server.rooms.NodeMessageHandler handler(
            java.util.function.ObjIntConsumer<JsonNode> handler) {
        return (origin, body) -> {
            JsonNode m = read(body);
            if (m == null) {
                return;
            }
            try {
                handler.accept(m, origin);
            } catch (RuntimeException e) {
                log.debug("cluster: Socket.IO message from node {} not handled: {}", origin, e.toString());
            }
        };
    }

    // ---- socketsJoin, socketsLeave, disconnectSockets ----

    void apply(Op op, Selection selection, String hubRoom) {
        applyLocally(op, selection, hubRoom);
        if (hub.clustered()) {
            ObjectNode m = NODES.objectNode().put("op", op.name()).put("room", hubRoom);
            m.set("sel", json(selection));
            if (!hub.sendToAllNodes(OP, write(m))) {
                log.debug("sockets {} {}: not sent to the other nodes (cluster link down)", op, hubRoom);
            }
        }
    }

    private void applyLocally(Op op, Selection selection, String hubRoom) {
        for (Member m : hub.localRecipients(selection)) {
            if (m instanceof Session s) {
                s.executor().execute(() -> {
                    if (s.isEnded()) {
                        return;
                    }
                    try {
                        switch (op) {
                            // The application's join (socketsJoin), not the client's: no grant check.
                            case JOIN -> s.joinAsServer(hubRoom, false, () -> { });
                            case LEAVE -> s.leave(hubRoom);
                            case DISCONNECT -> s.wire().disconnect("disconnected by the server");
                        }
                    } catch (Refused e) {
                        log.debug("sockets {} {}: session {}: {}", op, hubRoom, Long.toUnsignedString(s.id()), e.getMessage());
                    }
                });
            }
        }
    }

    // ---- fetchSockets ----

    CompletableFuture<List<RemoteSocket>> fetch(Namespace namespace, Selection selection, Duration timeout) {
        CompletableFuture<List<RemoteSocket>> local = describeLocal(namespace, selection);
        ObjectNode m = NODES.objectNode().put("ns", namespace.name());
        m.set("sel", json(selection));
        CompletableFuture<Gathered<JsonNode>> remote = gather(FETCH, m, timeout, a -> false);
        return local.thenCombine(remote, (mine, others) -> {
            List<RemoteSocket> all = new ArrayList<>(mine);
            for (JsonNode a : others.answers()) {
                for (JsonNode s : a.path("sockets")) {
                    all.add(RemoteSocket.fromJson(namespace.name(), s));
                }
            }
            if (!others.complete()) {
                throw new CompletionException(new FetchTimeoutException(timeout, all, others.missing()));
            }
            return all;
        });
    }

    /** The Socket.IO sockets {@code selection} picks on this node, described on their own loops. */
    private CompletableFuture<List<RemoteSocket>> describeLocal(Namespace namespace, Selection selection) {
        List<CompletableFuture<RemoteSocket>> each = new ArrayList<>();
        for (Member m : hub.localRecipients(selection)) {
            SioSocket socket = namespace.socket(Long.toUnsignedString(m.id()));
            if (socket != null) {
                CompletableFuture<RemoteSocket> d = new CompletableFuture<>();
                socket.eventLoop().execute(() -> d.complete(socket.connected() ? RemoteSocket.of(socket, hub.nodeId()) : null));
                each.add(d);
            }
        }
        return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            List<RemoteSocket> out = new ArrayList<>();
            for (CompletableFuture<RemoteSocket> d : each) {
                if (d.join() != null) {
                    out.add(d.join());
                }
            }
            return out;
        });
    }

    private void answerFetch(JsonNode m, int origin) {
        Namespace namespace = server.existing(m.path("ns").asText());
        CompletableFuture<List<RemoteSocket>> mine = namespace == null ? CompletableFuture.completedFuture(List.of())
                : describeLocal(namespace, selection(m.path("sel")));
        mine.thenAccept(list -> {
            ObjectNode answer = NODES.objectNode().put("req", m.path("req").asLong());
            ArrayNode sockets = answer.putArray("sockets");
            list.forEach(s -> sockets.add(s.toJson()));
            hub.sendToNode(origin, FETCH_REPLY, write(answer));
        });
    }

    // ---- connection state recovery on another node ----

    /**
     * Asks every other node to hand over the detached socket with private id {@code pid} of
     * {@code namespace}, from the packets after {@code offset}. Completes with the holder's
     * answer ({@code ok} true: the socket's state; false: it could not recover), or {@code null}
     * when no node holds it or none that does answered within {@link #TAKEOVER_TIMEOUT}.
     */
    CompletableFuture<JsonNode> takeOver(String namespace, String pid, String offset) {
        ObjectNode m = NODES.objectNode().put("ns", namespace).put("pid", pid);
        if (offset != null) {
            m.put("offset", offset);
        }
        return gather(TAKE, m, TAKEOVER_TIMEOUT, a -> a.path("found").asBoolean()).thenApply(others -> {
            for (JsonNode a : others.answers()) {
                if (a.path("found").asBoolean()) {
                    return a;
                }
            }
            return null;
        });
    }

    private void answerTakeOver(JsonNode m, int origin) {
        long req = m.path("req").asLong();
        Namespace namespace = server.existing(m.path("ns").asText());
        SioSocket socket = namespace == null ? null : namespace.detachedSocket(m.path("pid").asText());
        if (socket == null) {
            hub.sendToNode(origin, TAKE_REPLY, write(NODES.objectNode().put("req", req).put("found", false)));
            return;
        }
        JsonNode offset = m.get("offset");
        socket.handOver(offset != null && offset.isTextual() ? offset.textValue() : null, origin, answer -> {
            answer.put("req", req).put("found", true);
            hub.sendToNode(origin, TAKE_REPLY, write(answer));
        });
    }

    // ---- requests answered by every node ----

    /**
     * Sends {@code request} on {@code topic} to every other node alive and gathers their answers:
     * complete when each answered or one answer is {@code enough}, or after {@code timeout} with
     * what came and the nodes that did not answer.
     */
    private CompletableFuture<Gathered<JsonNode>> gather(String topic, ObjectNode request, Duration timeout,
            Predicate<JsonNode> enough) {
        return requests.ask(hub.otherNodes(), id -> hub.sendToAllNodes(topic, write(request.put("req", id))), timeout,
                enough);
    }

    private void reply(JsonNode a, int origin) {
        if (requests.answer(a.path("req").asLong(), origin, a)) {
            return;
        }
        if (a.path("found").asBoolean() && a.path("ok").asBoolean()) {
            // A node handed a socket over after the recovery stopped waiting: its state is lost.
            server.count("recovery_handover_late");
            log.info("recovery: node {} handed over socket {} too late; the client has a new socket", origin,
                    a.path("sid").asText());
        }
    }

    // ---- JSON ----

    static ObjectNode json(Selection s) {
        ObjectNode o = NODES.objectNode().put("everyone", s.everyone());
        s.rooms().forEach(o.putArray("rooms")::add);
        s.sessions().forEach(id -> o.withArray("sessions").add(Long.toUnsignedString(id)));
        s.exceptRooms().forEach(o.putArray("exceptRooms")::add);
        s.exceptSessions().forEach(id -> o.withArray("exceptSessions").add(Long.toUnsignedString(id)));
        return o;
    }

    static Selection selection(JsonNode o) {
        return new Selection(o.path("everyone").asBoolean(), strings(o.path("rooms")), ids(o.path("sessions")),
                strings(o.path("exceptRooms")), ids(o.path("exceptSessions")));
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Set<Long> ids(JsonNode array) {
        Set<Long> out = new HashSet<>();
        array.forEach(n -> out.add(Long.parseUnsignedLong(n.asText())));
        return out;
    }

    private static ByteBuf write(JsonNode m) {
        try {
            return Unpooled.wrappedBuffer(Payloads.MAPPER.writeValueAsBytes(m));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(ByteBuf body) {
        try {
            return Payloads.MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate()));
        } catch (IOException | RuntimeException e) {
            log.debug("cluster: unreadable Socket.IO message: {}", e.toString());
            return null;
        }
    }
}
