package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.server.rooms.NodeMessageHandler;
import io.switchboard.server.rooms.NodeRequests;
import io.switchboard.server.rooms.NodeRequests.Gathered;
import io.switchboard.server.rooms.RoomHub;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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

    private final RoomHub hub;
    private final NodeRequests<JsonNode> requests = new NodeRequests<>();

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
        hub.onNodeMessage(REPLY, handler((reply, origin) -> requests.answer(reply.path("req").asLong(), origin, reply)));
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
    CompletableFuture<Gathered<JsonNode>> ask(ObjectNode request, Duration timeout, Predicate<JsonNode> enough) {
        return requests.ask(hub.otherNodes(),
                id -> hub.sendToAllNodes(REQUEST, AdminJson.write(request.deepCopy().put("req", id))), timeout, enough);
    }
}
