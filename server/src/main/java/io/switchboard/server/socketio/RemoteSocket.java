package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.switchboard.server.socketio.engine.Handshake;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A socket found by {@link Broadcast#fetchSockets()}, on this node or another: a read-only
 * description taken when it was asked for (socket.io's {@code RemoteSocket}): its id, namespace,
 * rooms, handshake and auth payload, and the node serving it. To act on it, address it by id
 * ({@code nsp.to(socket.id()).emit(...)}, {@code nsp.in(socket.id()).socketsJoin(...)}), which
 * works from any node; {@link #local()} is the live socket when it is on this node.
 */
public final class RemoteSocket {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String id;
    private final String namespace;
    private final int node;
    private final Set<String> rooms;
    private final Handshake handshake;
    private final JsonNode auth;
    private final SioSocket local;

    private RemoteSocket(String id, String namespace, int node, Set<String> rooms, Handshake handshake, JsonNode auth,
            SioSocket local) {
        this.id = id;
        this.namespace = namespace;
        this.node = node;
        this.rooms = Collections.unmodifiableSet(rooms);
        this.handshake = handshake;
        this.auth = auth;
        this.local = local;
    }

    /** Describes a socket of this node; on its event loop. */
    static RemoteSocket of(SioSocket socket, int node) {
        return new RemoteSocket(socket.id(), socket.namespace().name(), node, socket.rooms(), socket.handshake(),
                socket.auth().deepCopy(), socket);
    }

    /** The socket id. */
    public String id() {
        return id;
    }

    /** Its namespace's name. */
    public String namespace() {
        return namespace;
    }

    /** The node serving it (the cluster's node id; on a single node, this node's). */
    public int node() {
        return node;
    }

    /** Its rooms when asked, its own id first (as {@link SioSocket#rooms()}). */
    public Set<String> rooms() {
        return rooms;
    }

    /** The request that opened its connection (from another node: URL, query, headers, address). */
    public Handshake handshake() {
        return handshake;
    }

    /** The auth payload of its CONNECT. */
    public JsonNode auth() {
        return auth.deepCopy();
    }

    /** The live socket when it is on this node, else {@code null}. */
    public SioSocket local() {
        return local;
    }

    @Override
    public String toString() {
        return "RemoteSocket[" + namespace + " " + id + " on node " + node + ", rooms " + rooms + "]";
    }

    // ---- between nodes ----

    ObjectNode toJson() {
        ObjectNode o = NODES.objectNode().put("id", id).put("node", node);
        ArrayNode r = o.putArray("rooms");
        rooms.forEach(r::add);
        ObjectNode h = o.putObject("handshake");
        h.put("url", handshake.url());
        ObjectNode q = h.putObject("query");
        handshake.query().forEach((k, values) -> values.forEach(q.withArray(k)::add));
        ArrayNode headers = h.putArray("headers");
        for (Iterator<Map.Entry<String, String>> it = handshake.headers().iteratorAsString(); it.hasNext();) {
            Map.Entry<String, String> e = it.next();
            headers.addArray().add(e.getKey()).add(e.getValue());
        }
        if (handshake.remoteAddress() instanceof InetSocketAddress a) {
            h.put("host", a.getHostString()).put("port", a.getPort());
        }
        h.put("issued", handshake.issuedMillis());
        o.set("auth", auth);
        return o;
    }

    static RemoteSocket fromJson(String namespace, JsonNode o) {
        Set<String> rooms = new LinkedHashSet<>();
        o.path("rooms").forEach(n -> rooms.add(n.asText()));
        JsonNode h = o.path("handshake");
        Map<String, List<String>> query = new LinkedHashMap<>();
        h.path("query").fields().forEachRemaining(e -> {
            List<String> values = new ArrayList<>();
            e.getValue().forEach(v -> values.add(v.asText()));
            query.put(e.getKey(), List.copyOf(values));
        });
        HttpHeaders headers = new DefaultHttpHeaders(false);
        h.path("headers").forEach(pair -> headers.add(pair.path(0).asText(), pair.path(1).asText()));
        SocketAddress address = h.has("host") ? InetSocketAddress.createUnresolved(h.path("host").asText(),
                h.path("port").asInt()) : null;
        Handshake handshake = new Handshake(h.path("url").asText(), Collections.unmodifiableMap(query),
                headers.copy(), address, h.path("issued").asLong());
        return new RemoteSocket(o.path("id").asText(), namespace, o.path("node").asInt(), rooms, handshake,
                o.path("auth").isMissingNode() ? NODES.objectNode() : o.path("auth"), null);
    }
}
