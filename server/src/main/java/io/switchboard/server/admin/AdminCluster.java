package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.server.rooms.NodeMessageHandler;
import io.switchboard.server.rooms.RoomHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin API across the nodes of a cluster, over the hub's messages between nodes (JSON bodies
 * on topics {@code admin.req} and {@code admin.reply}, docs/cluster.md): a request goes to every
 * other node alive, each answers with {@link LocalView}'s answer, and the wait is bounded. Every
 * node runs one, so that it answers the others whether or not its own admin listener is on.
 */
final class AdminCluster {
    private static final Logger log = LogManager.getLogger(AdminCluster.class);
    static final String REQUEST = "admin.req";
    static final String REPLY = "admin.reply";

    /** What the other nodes answered, and which did not answer in time. */
    record Gathered(List<JsonNode> answers, Set<Integer> missing) {
        static final Gathered NONE = new Gathered(List.of(), Set.of());
    }

    private final RoomHub hub;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, Gather> pending = new ConcurrentHashMap<>();

    AdminCluster(RoomHub hub, LocalView local) {
        this.hub = hub;
        hub.onNodeMessage(REQUEST, handler((request, origin) -> {
            long req = request.path("req").asLong();
            String who = request.path("by").asText("?") + " via node " + origin;
            local.answer(request, who).whenComplete((answer, failure) -> {
                ObjectNode reply = answer != null ? answer : AdminJson.object().put("error", String.valueOf(failure));
                reply.put("req", req);
                hub.sendToNode(origin, REPLY, AdminJson.write(reply));
            });
        }));
        hub.onNodeMessage(REPLY, handler((reply, origin) -> {
            Gather g = pending.get(reply.path("req").asLong());
            if (g != null) {
                g.answer(origin, reply);
            }
        }));
    }

    private static NodeMessageHandler handler(java.util.function.ObjIntConsumer<JsonNode> handler) {
        return (origin, body) -> {
            JsonNode m = AdminJson.read(body);
            if (m == null || !m.isObject()) {
                log.debug("cluster: unreadable admin message from node {}", origin);
                return;
            }
            try {
                handler.accept(m, origin);
            } catch (RuntimeException e) {
                log.debug("cluster: admin message from node {} not handled: {}", origin, e.toString());
            }
        };
    }

    /**
     * Sends {@code request} to every other node alive and gathers their answers: complete when
     * each answered, or one answer is {@code enough}, or at {@code timeout} with what came.
     */
    CompletableFuture<Gathered> ask(ObjectNode request, Duration timeout, Predicate<JsonNode> enough) {
        Set<Integer> nodes = hub.otherNodes();
        if (nodes.isEmpty()) {
            return CompletableFuture.completedFuture(Gathered.NONE);
        }
        long id = ids.incrementAndGet();
        Gather g = new Gather(id, nodes, enough);
        pending.put(id, g);
        ObjectNode sent = request.deepCopy().put("req", id);
        if (!hub.sendToAllNodes(REQUEST, AdminJson.write(sent))) {
            g.expire(); // the link is down: no node will answer
            return g.done;
        }
        CompletableFuture.delayedExecutor(timeout.toMillis(), TimeUnit.MILLISECONDS).execute(g::expire);
        return g.done;
    }

    private final class Gather {
        final long id;
        final Set<Integer> waiting = ConcurrentHashMap.newKeySet();
        final List<JsonNode> answers = new ArrayList<>();
        final Predicate<JsonNode> enough;
        final CompletableFuture<Gathered> done = new CompletableFuture<>();

        Gather(long id, Set<Integer> nodes, Predicate<JsonNode> enough) {
            this.id = id;
            this.waiting.addAll(nodes);
            this.enough = enough;
        }

        synchronized void answer(int node, JsonNode a) {
            if (done.isDone() || !waiting.remove(node)) {
                return;
            }
            answers.add(a);
            if (enough.test(a) || waiting.isEmpty()) {
                pending.remove(id, this);
                done.complete(new Gathered(List.copyOf(answers), Set.of()));
            }
        }

        synchronized void expire() {
            if (pending.remove(id, this)) {
                done.complete(new Gathered(List.copyOf(answers), Set.copyOf(waiting)));
            }
        }
    }
}
