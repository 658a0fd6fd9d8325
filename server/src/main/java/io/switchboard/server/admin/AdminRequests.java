package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The admin API's routes: a request's method, path, query and body checked and turned into an
 * {@link AdminApi} call (docs/admin-api.md). Bad input is an {@link AdminException}: 400 for a bad
 * parameter or body, 404 for an unknown path, 405 for a method a path does not take.
 */
final class AdminRequests {
    /** The largest page. */
    static final int MAX_LIMIT = 1000;
    /** The page size without {@code limit}. */
    static final int DEFAULT_LIMIT = 100;
    /** The longest reason, in UTF-8 bytes: what a WebSocket close frame has room for. */
    static final int MAX_REASON_BYTES = 120;
    /** The longest notice, in UTF-8 bytes. */
    static final int MAX_MESSAGE_BYTES = 4096;
    /** The longest room name or filter value, in UTF-8 bytes. */
    static final int MAX_NAME_BYTES = 1024;

    static final String DEFAULT_KICK_REASON = "disconnected by an operator";
    static final String DEFAULT_REMOVE_REASON = "removed by an operator";
    static final String DEFAULT_CLOSE_REASON = "room closed by an operator";

    private final AdminApi api;

    AdminRequests(AdminApi api) {
        this.api = api;
    }

    /**
     * Handles one request. {@code by} is who asked, for the log.
     *
     * @throws AdminException for a bad request, an unknown path or a wrong method
     */
    CompletableFuture<ObjectNode> handle(HttpMethod method, String uri, ByteBuf body, String by) {
        QueryStringDecoder decoder;
        try {
            decoder = new QueryStringDecoder(uri, StandardCharsets.UTF_8, true, 64);
        } catch (IllegalArgumentException e) {
            throw AdminException.badRequest("malformed URI: " + e.getMessage());
        }
        String rawPath = decoder.rawPath();
        List<String> segments = segments(rawPath);
        Map<String, List<String>> query = decoder.parameters();
        if (segments.size() == 1 && segments.get(0).equals("rooms")) {
            allow(method, HttpMethod.GET);
            known(query, "after", "limit");
            return api.rooms(single(query, "after"), limit(query));
        }
        if (segments.size() == 2 && segments.get(0).equals("rooms")) {
            allow(method, HttpMethod.GET);
            known(query, "after", "limit");
            return api.room(name(segments.get(1), "room"), id(single(query, "after"), "after"), limit(query));
        }
        if (segments.size() == 3 && segments.get(0).equals("rooms") && segments.get(2).equals("close")) {
            allow(method, HttpMethod.POST);
            known(query);
            JsonNode b = body(body);
            return api.closeRoom(name(segments.get(1), "room"), reason(b, DEFAULT_CLOSE_REASON), by);
        }
        if (segments.size() == 1 && segments.get(0).equals("sessions")) {
            allow(method, HttpMethod.GET);
            known(query, "after", "limit", "protocol", "room", "name", "user", "address");
            SessionFilter filter = new SessionFilter(filterValue(query, "protocol"), filterValue(query, "room"),
                    filterValue(query, "name"), filterValue(query, "user"), filterValue(query, "address"));
            return api.sessions(filter, id(single(query, "after"), "after"), limit(query));
        }
        if (segments.size() == 2 && segments.get(0).equals("sessions")) {
            allow(method, HttpMethod.GET);
            known(query);
            return api.session(sessionId(segments.get(1)));
        }
        if (segments.size() == 3 && segments.get(0).equals("sessions") && segments.get(2).equals("kick")) {
            allow(method, HttpMethod.POST);
            known(query);
            long id = sessionId(segments.get(1));
            return api.kick(id, reason(body(body), DEFAULT_KICK_REASON), by);
        }
        if (segments.size() == 3 && segments.get(0).equals("sessions") && segments.get(2).equals("remove")) {
            allow(method, HttpMethod.POST);
            known(query);
            long id = sessionId(segments.get(1));
            JsonNode b = body(body);
            String room = requiredText(b, "room", MAX_NAME_BYTES);
            return api.remove(id, room, reason(b, DEFAULT_REMOVE_REASON), by);
        }
        if (segments.size() == 1 && segments.get(0).equals("notice")) {
            allow(method, HttpMethod.POST);
            known(query);
            JsonNode b = body(body);
            String message = requiredText(b, "message", MAX_MESSAGE_BYTES);
            JsonNode room = b.get("room");
            if (room != null && !room.isNull() && (!room.isTextual() || room.textValue().isEmpty()
                    || utf8(room.textValue()) > MAX_NAME_BYTES)) {
                throw AdminException.badRequest("room: expected a non-empty string of at most " + MAX_NAME_BYTES
                        + " bytes, or none for everyone");
            }
            return api.notice(room == null || room.isNull() ? null : room.textValue(), message, by);
        }
        throw AdminException.notFound("no such endpoint: " + rawPath
                + " (expected: /rooms, /rooms/NAME, /rooms/NAME/close, /sessions, /sessions/ID, /sessions/ID/kick, "
                + "/sessions/ID/remove, /notice)");
    }

    // ---- checks ----

    private static List<String> segments(String rawPath) {
        String p = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return List.of();
        }
        String[] parts = p.split("/", -1);
        String[] decoded = new String[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                decoded[i] = QueryStringDecoder.decodeComponent(parts[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw AdminException.badRequest("malformed path segment '" + parts[i] + "': " + e.getMessage());
            }
        }
        return List.of(decoded);
    }

    /** A wrong method is 405, with the one allowed in the error and the {@code Allow} header. */
    private static void allow(HttpMethod method, HttpMethod allowed) {
        if (!method.equals(allowed)) {
            throw new MethodNotAllowed(allowed);
        }
    }

    /** 405 with the method the path takes. */
    static final class MethodNotAllowed extends AdminException {
        private static final long serialVersionUID = 1L;
        private final transient HttpMethod allowed;

        MethodNotAllowed(HttpMethod allowed) {
            super(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed here (expected: " + allowed.name() + ")");
            this.allowed = allowed;
        }

        HttpMethod allowed() {
            return allowed;
        }
    }

    private static void known(Map<String, List<String>> query, String... names) {
        Set<String> allowed = Set.of(names);
        for (String name : query.keySet()) {
            if (!allowed.contains(name)) {
                throw AdminException.badRequest("unknown parameter '" + name + "'"
                        + (names.length == 0 ? " (this endpoint takes none)" : " (expected: " + String.join(", ", names) + ")"));
            }
        }
    }

    private static String single(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        if (values == null) {
            return null;
        }
        if (values.size() > 1) {
            throw AdminException.badRequest("parameter '" + name + "' given " + values.size() + " times (expected: once)");
        }
        return values.get(0);
    }

    private static String filterValue(Map<String, List<String>> query, String name) {
        String v = single(query, name);
        if (v != null && (v.isEmpty() || utf8(v) > MAX_NAME_BYTES)) {
            throw AdminException.badRequest(name + ": expected a non-empty value of at most " + MAX_NAME_BYTES + " bytes");
        }
        return v;
    }

    static int limit(Map<String, List<String>> query) {
        String v = single(query, "limit");
        if (v == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(v);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw AdminException.badRequest("limit: '" + v + "' (expected: 1.." + MAX_LIMIT + ")");
    }

    private static Long id(String v, String what) {
        if (v == null) {
            return null;
        }
        try {
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw AdminException.badRequest(what + ": '" + v + "' (expected: a session id, an unsigned decimal number)");
        }
    }

    private static long sessionId(String v) {
        Long id = id(v, "session id");
        if (id == 0) {
            throw AdminException.badRequest("session id: 0 (expected: a session id, an unsigned decimal number)");
        }
        return id;
    }

    private static String name(String v, String what) {
        if (v.isEmpty() || utf8(v) > MAX_NAME_BYTES) {
            throw AdminException.badRequest(what + ": expected a non-empty name of at most " + MAX_NAME_BYTES + " bytes");
        }
        return v;
    }

    /** The request body as a JSON object; an empty body is an empty object. */
    private static JsonNode body(ByteBuf body) {
        if (!body.isReadable()) {
            return AdminJson.object();
        }
        JsonNode node = AdminJson.read(body);
        if (node == null || !node.isObject()) {
            throw AdminException.badRequest("the body is not a JSON object");
        }
        return node;
    }

    private static String reason(JsonNode body, String otherwise) {
        JsonNode v = body.get("reason");
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isTextual() || v.textValue().isEmpty() || utf8(v.textValue()) > MAX_REASON_BYTES) {
            throw AdminException.badRequest("reason: expected a non-empty string of at most " + MAX_REASON_BYTES
                    + " bytes (the client sees it: a WebSocket close reason has room for no more)");
        }
        return v.textValue();
    }

    private static String requiredText(JsonNode body, String field, int maxBytes) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty() || utf8(v.textValue()) > maxBytes) {
            throw AdminException.badRequest(field + ": expected a non-empty string of at most " + maxBytes + " bytes");
        }
        return v.textValue();
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
