package io.switchboard.client.cli.admin;

import static io.switchboard.client.cli.admin.AdminHttpClient.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The admin subcommands, one request each (docs/admin-api.md lists the endpoints they call). */
final class AdminCommands {
    private AdminCommands() {
    }

    /** {@code --after} and {@code --limit} of a listing. */
    static final class PageOptions {
        @Option(names = "--after", paramLabel = "CURSOR", description = "Start after this cursor (the 'next' of the page before).")
        String after;

        @Option(names = "--limit", paramLabel = "N", description = "At most N items (1..1000; the server's default: 100).")
        Integer limit;

        String query(String... more) {
            StringBuilder q = new StringBuilder();
            for (int i = 0; i + 1 < more.length; i += 2) {
                if (more[i + 1] != null) {
                    q.append(q.length() == 0 ? '?' : '&').append(more[i]).append('=').append(AdminHttpClient.query(more[i + 1]));
                }
            }
            if (after != null) {
                q.append(q.length() == 0 ? '?' : '&').append("after=").append(AdminHttpClient.query(after));
            }
            if (limit != null) {
                q.append(q.length() == 0 ? '?' : '&').append("limit=").append(limit);
            }
            return q.toString();
        }
    }

    /** {@code --reason} of an action: what the clients are told, in the body only when given. */
    static final class ReasonOption {
        @Option(names = "--reason", paramLabel = "TEXT", description = "What the clients are told (at most 120 bytes).")
        String reason;

        /** {@code body} with the reason, when one was given. */
        ObjectNode addTo(ObjectNode body) {
            return reason == null ? body : body.put("reason", reason);
        }
    }

    private static ObjectNode body() {
        return AdminHttpClient.JSON.createObjectNode();
    }

    @Command(name = "rooms", mixinStandardHelpOptions = true,
            description = "Lists the rooms, cluster-wide, with their member counts, in name order.")
    static final class Rooms extends AdminCall {
        @Mixin
        PageOptions page;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.get("/rooms" + page.query());
        }

        @Override
        String table(JsonNode answer) {
            Tables t = new Tables("ROOM", "MEMBERS");
            answer.path("rooms").forEach(r -> t.row(r.path("name").asText(), r.path("members").asText()));
            return t + Tables.footer(answer, "rooms");
        }
    }

    @Command(name = "room", mixinStandardHelpOptions = true,
            description = "Lists one room's members (session id, name, protocol, address, node), in session id order.")
    static final class Room extends AdminCall {
        @Parameters(index = "0", paramLabel = "NAME", description = "The room.")
        String name;

        @Mixin
        PageOptions page;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.get("/rooms/" + segment(name) + page.query());
        }

        @Override
        String table(JsonNode answer) {
            return "room " + answer.path("name").asText() + ": " + answer.path("members").asText() + " members\n"
                    + Tables.sessions(answer.path("sessions")) + Tables.footer(answer, "members");
        }
    }

    @Command(name = "sessions", mixinStandardHelpOptions = true,
            description = "Lists the sessions, cluster-wide, in session id order; the filters combine.")
    static final class Sessions extends AdminCall {
        @Option(names = "--protocol", paramLabel = "PROTOCOL", description = "framed, websocket or socket.io.")
        String protocol;

        @Option(names = "--room", paramLabel = "ROOM", description = "Members of this room only.")
        String room;

        @Option(names = "--name", paramLabel = "TEXT", description = "Display names containing TEXT (any case).")
        String name;

        @Option(names = "--user", paramLabel = "SUBJECT", description = "Sessions whose signed token's subject is this.")
        String user;

        @Option(names = "--address", paramLabel = "PREFIX", description = "Client addresses (ip:port) starting with PREFIX.")
        String address;

        @Mixin
        PageOptions page;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.get("/sessions" + page.query("protocol", protocol, "room", room, "name", name, "user", user,
                    "address", address));
        }

        @Override
        String table(JsonNode answer) {
            return answer.path("count").asText() + " sessions\n" + Tables.sessions(answer.path("sessions"))
                    + Tables.footer(answer, "sessions");
        }
    }

    @Command(name = "session", mixinStandardHelpOptions = true,
            description = "Describes one session: rooms, messages and bytes in and out, connected since, transport.")
    static final class Session extends AdminCall {
        @Parameters(index = "0", paramLabel = "ID", description = "The session id.")
        String id;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.get("/sessions/" + segment(id));
        }

        @Override
        String table(JsonNode s) {
            Tables t = new Tables("FIELD", "VALUE");
            for (String field : new String[] {"id", "name", "protocol", "address", "node", "user", "connectedSince",
                    "transport", "epollMode", "detail", "messagesIn", "messagesOut", "bytesIn", "bytesOut"}) {
                JsonNode v = s.path(field);
                t.row(field, v.isNull() || v.isMissingNode() ? "-" : v.asText());
            }
            StringBuilder rooms = new StringBuilder();
            s.path("rooms").forEach(r -> rooms.append(rooms.length() == 0 ? "" : ", ").append(r.asText()));
            t.row("rooms", rooms.length() == 0 ? "-" : rooms.toString());
            return t.toString();
        }
    }

    @Command(name = "kick", mixinStandardHelpOptions = true,
            description = "Disconnects a session; its client is told the reason.")
    static final class Kick extends AdminCall {
        @Parameters(index = "0", paramLabel = "ID", description = "The session id.")
        String id;

        @Mixin
        ReasonOption reason;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.post("/sessions/" + segment(id) + "/kick", reason.addTo(body()));
        }

        @Override
        String table(JsonNode answer) {
            return "session " + answer.path("session").asText() + " disconnected: " + answer.path("reason").asText() + "\n";
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Removes a session from a room; its client is told (event sb:removed).")
    static final class Remove extends AdminCall {
        @Parameters(index = "0", paramLabel = "ID", description = "The session id.")
        String id;

        @Parameters(index = "1", paramLabel = "ROOM", description = "The room.")
        String room;

        @Mixin
        ReasonOption reason;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.post("/sessions/" + segment(id) + "/remove", reason.addTo(body().put("room", room)));
        }

        @Override
        String table(JsonNode answer) {
            return "session " + answer.path("session").asText() + " removed from " + answer.path("room").asText() + "\n";
        }
    }

    @Command(name = "close-room", mixinStandardHelpOptions = true,
            description = "Closes a room: every member, on every node, is told (event sb:removed) and leaves.")
    static final class CloseRoom extends AdminCall {
        @Parameters(index = "0", paramLabel = "NAME", description = "The room.")
        String name;

        @Mixin
        ReasonOption reason;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            return client.post("/rooms/" + segment(name) + "/close", reason.addTo(body()));
        }

        @Override
        String table(JsonNode answer) {
            return "room " + answer.path("room").asText() + " closed: " + answer.path("removed").asText()
                    + " members removed\n" + Tables.footer(answer, "");
        }
    }

    @Command(name = "notice", mixinStandardHelpOptions = true,
            description = "Sends a server notice (event sb:notice, sender 0) to a room's members or to everyone.")
    static final class Notice extends AdminCall {
        @Parameters(index = "0", paramLabel = "MESSAGE", description = "The notice (at most 4096 bytes).")
        String message;

        @Option(names = "--room", paramLabel = "ROOM", description = "To this room's members only (default: everyone).")
        String room;

        @Override
        JsonNode request(AdminHttpClient client) throws AdminHttpClient.AdminError {
            ObjectNode body = body().put("message", message);
            if (room != null) {
                body.put("room", room);
            }
            return client.post("/notice", body);
        }

        @Override
        String table(JsonNode answer) {
            return answer.path("room").isNull() ? "notice sent to everyone\n"
                    : "notice sent to room " + answer.path("room").asText() + " (" + answer.path("members").asText()
                            + " members)\n" + Tables.footer(answer, "");
        }
    }
}
