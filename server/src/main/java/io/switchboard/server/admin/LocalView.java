package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufAllocator;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Page;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.SessionCounters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What this node answers to an admin request, whether it came from this node's admin listener or
 * from another node's ({@link AdminCluster}): its own rooms, members and sessions, one page of
 * them cut at the request's limit, and the actions on its own sessions. A request and its answer
 * are JSON objects (docs/cluster.md, "Admin API"). Session state is read and changed on each
 * session's event loop; what crosses threads is the answer's future.
 */
final class LocalView {
    private static final Logger log = LogManager.getLogger(LocalView.class);
    /**
     * The event a session removed from a room gets. Its payload, like the notice's, is JSON
     * (flag JSON: an array of arguments, as a Socket.IO emit's), one object {@code {"room", "reason"}}.
     */
    static final String REMOVED_EVENT = "sb:removed";
    /** The event of a server notice, {@code {"message", "room"?}}. */
    static final String NOTICE_EVENT = "sb:notice";

    private final RoomHub hub;
    private final ByteBufAllocator alloc;
    private final String transport;
    private final String epollMode;

    LocalView(RoomHub hub, ByteBufAllocator alloc, String transport, String epollMode) {
        this.hub = hub;
        this.alloc = alloc;
        this.transport = transport;
        this.epollMode = epollMode;
    }

    /** This node's answer to {@code request}; {@code origin} names who asked, for the log. */
    CompletableFuture<ObjectNode> answer(JsonNode request, String origin) {
        String op = request.path("op").asText();
        int limit = Math.max(1, Math.min(AdminRequests.MAX_LIMIT, request.path("limit").asInt(AdminRequests.MAX_LIMIT)));
        return switch (op) {
            case "rooms" -> CompletableFuture.completedFuture(rooms(text(request, "after"), limit));
            case "room" -> CompletableFuture.completedFuture(sessions(hub.localMembers(request.path("room").asText()),
                    SessionFilter.ANY, id(request, "after"), limit));
            case "sessions" -> CompletableFuture.completedFuture(sessions(hub.registeredSessions(),
                    SessionFilter.from(request.path("filter")), id(request, "after"), limit));
            case "session" -> session(id(request, "session"));
            case "kick" -> kick(id(request, "session"), request.path("reason").asText(), origin);
            case "remove" -> remove(id(request, "session"), request.path("room").asText(),
                    request.path("reason").asText(), origin);
            case "close" -> close(request.path("room").asText(), request.path("reason").asText(), origin);
            default -> CompletableFuture.failedFuture(new IllegalArgumentException("unknown admin op " + op));
        };
    }

    // ---- listings ----

    private ObjectNode rooms(String after, int limit) {
        Map<String, Integer> sizes = hub.localRoomSizes();
        Page<Map.Entry<String, Integer>, String> page = Page.of(sizes.entrySet(), Map.Entry::getKey,
                Comparator.naturalOrder(), after, limit);
        ObjectNode answer = AdminJson.object();
        ArrayNode items = answer.putArray("items");
        for (Map.Entry<String, Integer> e : page.items()) {
            items.addObject().put("name", e.getKey()).put("members", e.getValue());
        }
        return answer.put("more", page.next() != null);
    }

    private ObjectNode sessions(List<Member> members, SessionFilter filter, Long after, int limit) {
        List<Session> picked = new ArrayList<>(members.size());
        for (Member m : members) {
            if (m instanceof Session s && filter.admits(hub, s)) {
                picked.add(s);
            }
        }
        Page<Session, Long> page = Page.of(picked, Session::id, Long::compareUnsigned, after, limit);
        ObjectNode answer = AdminJson.object().put("count", picked.size());
        ArrayNode items = answer.putArray("items");
        for (Session s : page.items()) {
            items.add(summary(s));
        }
        return answer.put("more", page.next() != null);
    }

    /** What a listing shows of a session: read off its loop from fields safe to read anywhere. */
    ObjectNode summary(Session s) {
        ObjectNode o = AdminJson.object()
                .put("id", Long.toUnsignedString(s.id()))
                .put("name", s.name())
                .put("protocol", s.info().protocol())
                .put("address", s.info().address())
                .put("node", hub.nodeId())
                .put("connectedSince", s.info().connectedSince().toString());
        if (s.grant() != null) {
            o.put("user", s.grant().subject());
        } else {
            o.putNull("user");
        }
        return o;
    }

    // ---- one session ----

    private CompletableFuture<ObjectNode> session(Long id) {
        Session s = local(id);
        if (s == null) {
            return CompletableFuture.completedFuture(notFound());
        }
        return onLoop(s, () -> {
            ObjectNode o = summary(s);
            o.put("detail", s.info().detail());
            o.put("transport", transport);
            if (epollMode != null) {
                o.put("epollMode", epollMode);
            } else {
                o.putNull("epollMode");
            }
            ArrayNode rooms = o.putArray("rooms");
            s.rooms().forEach(rooms::add);
            SessionCounters.Snapshot c = s.counters().snapshot();
            o.put("messagesIn", c.messagesIn()).put("messagesOut", c.messagesOut())
                    .put("bytesIn", c.bytesIn()).put("bytesOut", c.bytesOut());
            ObjectNode answer = AdminJson.object().put("found", true);
            answer.set("session", o);
            return answer;
        });
    }

    // ---- actions ----

    private CompletableFuture<ObjectNode> kick(Long id, String reason, String origin) {
        Session s = local(id);
        if (s == null) {
            return CompletableFuture.completedFuture(notFound());
        }
        return onLoop(s, () -> {
            log.info("admin: {} disconnects session {} ({} {}): {}", origin, Long.toUnsignedString(s.id()),
                    s.info().protocol(), s.info().address(), reason);
            s.wire().kick(reason);
            return AdminJson.object().put("found", true);
        });
    }

    private CompletableFuture<ObjectNode> remove(Long id, String room, String reason, String origin) {
        Session s = local(id);
        if (s == null) {
            return CompletableFuture.completedFuture(notFound());
        }
        return onLoop(s, () -> {
            boolean member = s.rooms().contains(room);
            if (member) {
                log.info("admin: {} removes session {} from room {}: {}", origin, Long.toUnsignedString(s.id()), room,
                        reason);
                removeFromRoom(s, room, reason);
            }
            return AdminJson.object().put("found", true).put("member", member);
        });
    }

    private CompletableFuture<ObjectNode> close(String room, String reason, String origin) {
        List<Member> members = hub.localMembers(room);
        int removed = 0;
        for (Member m : members) {
            if (m instanceof Session s) {
                removed++;
                try {
                    s.executor().execute(() -> {
                        if (!s.isEnded() && s.rooms().contains(room)) {
                            removeFromRoom(s, room, reason);
                        }
                    });
                } catch (RejectedExecutionException e) {
                    // Its loop is shutting down: the session is closing, and leaves every room with it.
                }
            }
        }
        if (removed > 0) {
            log.info("admin: {} closes room {}: {} member(s) on this node removed: {}", origin, room, removed, reason);
        }
        return CompletableFuture.completedFuture(AdminJson.object().put("removed", removed));
    }

    /** Tells {@code s} it is removed from {@code room} and why, then takes it out; on its loop. */
    private void removeFromRoom(Session s, String room, String reason) {
        ObjectNode body = AdminJson.object().put("room", room).put("reason", reason);
        Outbound told = Outbound.of(alloc, new Event(0, Flags.JSON, 0, Target.SESSION, "", REMOVED_EVENT,
                AdminJson.write(AdminJson.NODES.arrayNode().add(body))));
        try {
            s.deliver(told);
        } finally {
            told.release();
        }
        try {
            s.leave(room);
        } catch (Refused e) {
            log.debug("admin: session {} leaving {}: {}", Long.toUnsignedString(s.id()), room, e.getMessage());
        }
    }

    /** A notice event for a room or (room {@code null}) everyone, as the server sends it: sender 0. */
    static Event notice(String room, String message) {
        ObjectNode body = AdminJson.object().put("message", message);
        if (room != null) {
            body.put("room", room);
        }
        return new Event(0, Flags.JSON, 0, room == null ? Target.ALL : Target.ROOM, room == null ? "" : room,
                NOTICE_EVENT, AdminJson.write(AdminJson.NODES.arrayNode().add(body)));
    }

    // ---- helpers ----

    private Session local(Long id) {
        return id != null && hub.session(id) instanceof Session s && !s.isEnded() ? s : null;
    }

    private static ObjectNode notFound() {
        return AdminJson.object().put("found", false);
    }

    private interface LoopWork {
        ObjectNode run();
    }

    /** Runs {@code work} on the session's loop; a session ended meanwhile is not found. */
    private static CompletableFuture<ObjectNode> onLoop(Session s, LoopWork work) {
        CompletableFuture<ObjectNode> done = new CompletableFuture<>();
        try {
            s.executor().execute(() -> {
                try {
                    done.complete(s.isEnded() ? notFound() : work.run());
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            done.complete(notFound());
        }
        return done;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    /** An unsigned decimal session id field, or {@code null}. */
    private static Long id(JsonNode o, String field) {
        String v = text(o, field);
        if (v == null) {
            return null;
        }
        try {
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
