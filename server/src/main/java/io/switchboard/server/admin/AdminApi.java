package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.switchboard.server.rooms.NodeRequests.Gathered;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Page;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin API's operations, cluster-wide when clustered: this node's answer ({@link LocalView})
 * merged with the other nodes' ({@link AdminCluster}). Listings are paged like {@code MEMBERS}
 * ({@link Page}: each node answers its first {@code limit} after the cursor, the merge keeps the
 * first {@code limit} of all, so the page is exact and room counts are summed over the nodes).
 * Every result is a JSON body; errors complete the future with an {@link AdminException}.
 * Never blocks: futures complete on session loops, the broker's thread or the timeout's.
 */
public final class AdminApi {
    private static final Logger log = LogManager.getLogger(AdminApi.class);

    private final RoomHub hub;
    private final LocalView local;
    private final AdminCluster cluster;
    private final Duration timeout;

    /**
     * The API over {@code hub}; in a cluster, it answers the other nodes' admin requests from now on.
     *
     * @param transport the transport this node's sessions use ({@code epoll}, {@code nio} ...)
     * @param epollMode the epoll mode, or {@code null} without epoll
     * @param timeout how long a request waits for the other nodes
     */
    public AdminApi(RoomHub hub, io.netty.buffer.ByteBufAllocator alloc, String transport, String epollMode,
            Duration timeout) {
        this.hub = hub;
        this.local = new LocalView(hub, alloc, transport, epollMode);
        this.cluster = hub.clustered() ? new AdminCluster(hub, local) : null;
        this.timeout = timeout;
    }

    // ---- listings ----

    CompletableFuture<ObjectNode> rooms(String after, int limit) {
        ObjectNode request = request("rooms").put("limit", limit);
        if (after != null) {
            request.put("after", after);
        }
        return everywhere(request, a -> false).thenApply(all -> {
            Map<String, Long> sizes = new LinkedHashMap<>();
            boolean more = false;
            for (JsonNode a : all.answers) {
                more |= a.path("more").asBoolean();
                for (JsonNode r : a.path("items")) {
                    sizes.merge(r.path("name").asText(), r.path("members").asLong(), Long::sum);
                }
            }
            Page<Map.Entry<String, Long>, String> page = Page.of(sizes.entrySet(), Map.Entry::getKey,
                    Comparator.naturalOrder(), after, limit, more);
            ObjectNode body = AdminJson.object();
            ArrayNode rooms = body.putArray("rooms");
            for (Map.Entry<String, Long> e : page.items()) {
                rooms.addObject().put("name", e.getKey()).put("members", e.getValue());
            }
            body.put("next", page.next());
            return all.decorate(body);
        });
    }

    CompletableFuture<ObjectNode> room(String room, Long after, int limit) {
        ObjectNode request = request("room").put("room", room).put("limit", limit);
        putId(request, "after", after);
        return everywhere(request, a -> false).thenApply(all -> {
            ObjectNode body = sessionPage(all, after, limit, "sessions");
            long count = all.count();
            if (count == 0) {
                throw AdminException.notFound("no room named '" + room + "'" + all.missingNote());
            }
            ObjectNode out = AdminJson.object().put("name", room).put("members", count);
            out.setAll(body);
            return out;
        });
    }

    CompletableFuture<ObjectNode> sessions(SessionFilter filter, Long after, int limit) {
        ObjectNode request = request("sessions").put("limit", limit);
        putId(request, "after", after);
        filter.writeTo(request.putObject("filter"));
        return everywhere(request, a -> false).thenApply(all -> {
            ObjectNode body = AdminJson.object().put("count", all.count());
            body.setAll(sessionPage(all, after, limit, "sessions"));
            return body;
        });
    }

    private static ObjectNode sessionPage(All all, Long after, int limit, String field) {
        List<JsonNode> items = new ArrayList<>();
        boolean more = false;
        for (JsonNode a : all.answers) {
            more |= a.path("more").asBoolean();
            a.path("items").forEach(items::add);
        }
        Page<JsonNode, Long> page = Page.of(items, s -> Long.parseUnsignedLong(s.path("id").asText()),
                Long::compareUnsigned, after, limit, more);
        ObjectNode body = AdminJson.object();
        ArrayNode list = body.putArray(field);
        page.items().forEach(list::add);
        body.put("next", page.next() == null ? null : Long.toUnsignedString(page.next()));
        return all.decorate(body);
    }

    // ---- one session, and actions on one ----

    CompletableFuture<ObjectNode> session(long id) {
        return onSession(request("session"), id).thenApply(a -> (ObjectNode) a.get("session"));
    }

    CompletableFuture<ObjectNode> kick(long id, String reason, String by) {
        log.info("admin: {} asks to disconnect session {}: {}", by, Long.toUnsignedString(id), reason);
        return onSession(request("kick").put("reason", reason).put("by", by), id)
                .thenApply(a -> AdminJson.object().put("session", Long.toUnsignedString(id)).put("disconnected", true)
                        .put("reason", reason));
    }

    CompletableFuture<ObjectNode> remove(long id, String room, String reason, String by) {
        log.info("admin: {} asks to remove session {} from room {}: {}", by, Long.toUnsignedString(id), room, reason);
        return onSession(request("remove").put("room", room).put("reason", reason).put("by", by), id).thenApply(a -> {
            if (!a.path("member").asBoolean()) {
                throw AdminException.notFound("session " + Long.toUnsignedString(id) + " is not in room '" + room + "'");
            }
            return AdminJson.object().put("session", Long.toUnsignedString(id)).put("room", room).put("removed", true);
        });
    }

    CompletableFuture<ObjectNode> closeRoom(String room, String reason, String by) {
        log.info("admin: {} asks to close room {}: {}", by, room, reason);
        return everywhere(request("close").put("room", room).put("reason", reason).put("by", by), a -> false)
                .thenApply(all -> {
                    long removed = 0;
                    for (JsonNode a : all.answers) {
                        removed += a.path("removed").asLong();
                    }
                    if (removed == 0) {
                        throw AdminException.notFound("no room named '" + room + "'" + all.missingNote());
                    }
                    return all.decorate(AdminJson.object().put("room", room).put("removed", removed));
                });
    }

    /** A notice to {@code room}'s members on every node, or (room {@code null}) to every session. */
    CompletableFuture<ObjectNode> notice(String room, String message, String by) {
        if (room == null) {
            log.info("admin: {} sends a notice to everyone: {}", by, message);
            int here = hub.publishToAll(null, LocalView.notice(null, message), true);
            return CompletableFuture.completedFuture(AdminJson.object().put("room", (String) null)
                    .put("recipientsOnThisNode", here));
        }
        return everywhere(request("room").put("room", room).put("limit", 1), a -> false).thenApply(all -> {
            long members = all.count();
            if (members == 0) {
                throw AdminException.notFound("no room named '" + room + "'" + all.missingNote());
            }
            log.info("admin: {} sends a notice to room {} ({} members): {}", by, room, members, message);
            hub.publishToRoom(null, room, LocalView.notice(room, message), true);
            return all.decorate(AdminJson.object().put("room", room).put("members", members));
        });
    }

    // ---- gathering ----

    private static ObjectNode request(String op) {
        return AdminJson.object().put("op", op);
    }

    private static void putId(ObjectNode o, String field, Long id) {
        if (id != null) {
            o.put(field, Long.toUnsignedString(id));
        }
    }

    /** This node's answer and every other node's. */
    private final class All {
        final List<JsonNode> answers;
        final Set<Integer> missing;

        All(List<JsonNode> answers, Set<Integer> missing) {
            this.answers = answers;
            this.missing = missing;
        }

        long count() {
            long n = 0;
            for (JsonNode a : answers) {
                n += a.path("count").asLong();
            }
            return n;
        }

        String missingNote() {
            return missing.isEmpty() ? "" : " (nodes " + new TreeSet<>(missing) + " did not answer within "
                    + timeout.toMillis() + " ms)";
        }

        /** Adds which nodes answered and which did not, in a cluster. */
        ObjectNode decorate(ObjectNode body) {
            if (cluster != null) {
                ArrayNode missed = body.putArray("missingNodes");
                new TreeSet<>(missing).forEach(missed::add);
            }
            return body;
        }
    }

    private CompletableFuture<All> everywhere(ObjectNode request, Predicate<JsonNode> enough) {
        CompletableFuture<ObjectNode> mine = local.answer(request, request.path("by").asText("?"));
        CompletableFuture<Gathered<JsonNode>> theirs = cluster == null
                ? CompletableFuture.completedFuture(new Gathered<>(List.of(), Set.of())) : cluster.ask(request, timeout, enough);
        return mine.thenCombine(theirs, (a, others) -> {
            List<JsonNode> answers = new ArrayList<>();
            answers.add(a);
            answers.addAll(others.answers());
            return new All(answers, others.missing());
        });
    }

    /**
     * Runs a one-session request where the session is: this node first, then the other nodes
     * (the first that has it answers). Completes with that answer, or fails with 404 (no node has
     * it) or 504 (none that answered has it, and some did not answer).
     */
    private CompletableFuture<JsonNode> onSession(ObjectNode request, long id) {
        request.put("session", Long.toUnsignedString(id));
        return local.answer(request, request.path("by").asText("?")).thenCompose(mine -> {
            if (mine.path("found").asBoolean()) {
                return CompletableFuture.completedFuture((JsonNode) mine);
            }
            if (cluster == null) {
                throw AdminException.notFound("no session with id " + Long.toUnsignedString(id));
            }
            return cluster.ask(request, timeout, a -> a.path("found").asBoolean()).thenApply(others -> {
                for (JsonNode a : others.answers()) {
                    if (a.path("found").asBoolean()) {
                        return a;
                    }
                }
                if (!others.missing().isEmpty()) {
                    throw new AdminException(HttpResponseStatus.GATEWAY_TIMEOUT, "session "
                            + Long.toUnsignedString(id) + " not found on the nodes that answered; nodes "
                            + new TreeSet<>(others.missing()) + " did not answer within " + timeout.toMillis() + " ms");
                }
                throw AdminException.notFound("no session with id " + Long.toUnsignedString(id));
            });
        });
    }
}
