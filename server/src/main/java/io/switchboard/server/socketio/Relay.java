package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.Session.Publication;
import java.util.List;

/**
 * The reserved {@code sb:} events: what a Socket.IO client does with the rooms on a server without
 * application code, under the same rules and limits as framed and WebSocket clients
 * (docs/socketio.md, "Relay events"). Each answers its acknowledgement, when asked for, with
 * {@code [null, result]} on success or {@code [{code, name, message}]} on a refusal.
 */
final class Relay {
    static final String PREFIX = "sb:";
    static final String JOINED = "sb:joined";
    static final String LEFT = "sb:left";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Relay() {
    }

    static void handle(SioSocket socket, String event, ArrayNode args, SioSocket.ClientAck ack) {
        Session session = socket.session();
        Namespace nsp = socket.namespace();
        try {
            switch (event) {
                case "sb:join" -> {
                    String room = string(args, 0, "room");
                    boolean presence = args.size() > 1 && args.get(1).path("presence").asBoolean(false);
                    session.join(nsp.hubRoom(room), presence, () -> ok(ack, null));
                }
                case "sb:leave" -> {
                    session.leave(nsp.hubRoom(string(args, 0, "room")));
                    ok(ack, null);
                }
                case "sb:members" -> {
                    String room = nsp.hubRoom(string(args, 0, "room"));
                    JsonNode options = args.get(1);
                    if (options == null || !options.hasNonNull("limit")) {
                        ok(ack, memberList(session.members(room)));
                    } else {
                        Session.MemberPage page = session.members(room, after(options), limit(options));
                        ObjectNode result = NODES.objectNode();
                        result.set("members", memberList(page.members()));
                        result.put("next", Long.toUnsignedString(page.next()));
                        ok(ack, result);
                    }
                }
                case "sb:publish" -> {
                    String room = string(args, 0, "room");
                    String name = string(args, 1, "event");
                    Payloads.Payload p = Payloads.fromArgs(rest(args, 2));
                    session.publish(Publication.toRoom(nsp.hubRoom(room), name, false, ack.requested(), p.format()), p.bytes());
                    ok(ack, null);
                }
                case "sb:broadcast" -> {
                    String name = string(args, 0, "event");
                    Payloads.Payload p = Payloads.fromArgs(rest(args, 1));
                    if ("/".equals(nsp.name())) {
                        session.publish(Publication.toAll(name, false, ack.requested(), p.format()), p.bytes());
                    } else {
                        session.publish(Publication.toRoom(nsp.everyoneRoom(), name, false, ack.requested(), p.format()),
                                p.bytes());
                    }
                    ok(ack, null);
                }
                case "sb:send" -> {
                    long to = session(args, 0);
                    String name = string(args, 1, "event");
                    Payloads.Payload p = Payloads.fromArgs(rest(args, 2));
                    boolean peerAck = ack.requested();
                    if (peerAck && ack.ackId() > 0xFFFF_FFFFL) {
                        throw new Refused(ErrorCode.INVALID_ARGUMENT, "acknowledgement id " + ack.ackId() + " is too large");
                    }
                    boolean fromPeer = session.publish(Publication.toSession(to, name, false, peerAck,
                            peerAck ? (int) ack.ackId() : 0, p.format()), p.bytes());
                    if (!fromPeer) {
                        ok(ack, null);
                    }
                    // else: the recipient's answer comes back as this acknowledgement: [null, ...its args]
                }
                case "sb:refresh" -> {
                    session.refresh(nsp.server().auth().refresh(string(args, 0, "token")));
                    ok(ack, null);
                }
                default -> throw new Refused(ErrorCode.UNKNOWN_OPCODE, "unknown relay event '" + event + "'");
            }
        } catch (Refused e) {
            socket.namespace().server().count("relay_refused");
            ack.fail(e.code(), e.getMessage());
        }
    }

    private static ArrayNode memberList(List<MemberInfo> members) {
        ArrayNode list = NODES.arrayNode();
        for (MemberInfo m : members) {
            ObjectNode o = list.addObject();
            o.put("session", Long.toUnsignedString(m.sessionId()));
            o.put("name", m.name());
        }
        return list;
    }

    /** The page limit of {@code sb:members}' options, 1..{@link Members#MAX_LIMIT}. */
    private static int limit(JsonNode options) throws Refused {
        JsonNode limit = options.get("limit");
        if (!limit.isIntegralNumber() || !limit.canConvertToInt() || limit.intValue() < 1
                || limit.intValue() > Members.MAX_LIMIT) {
            throw new Refused(ErrorCode.MALFORMED_BODY, "limit must be an integer 1.." + Members.MAX_LIMIT);
        }
        return limit.intValue();
    }

    /** The page cursor of {@code sb:members}' options: a session id as a decimal string, 0 when absent. */
    private static long after(JsonNode options) throws Refused {
        JsonNode after = options.get("after");
        if (after == null || after.isNull()) {
            return 0;
        }
        try {
            if (after.isTextual()) {
                return Long.parseUnsignedLong(after.textValue());
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refused(ErrorCode.MALFORMED_BODY, "after must be a session id (a decimal string)");
    }

    private static void ok(SioSocket.ClientAck ack, JsonNode result) {
        ArrayNode args = NODES.arrayNode(2).addNull(); // sized: the default list grows at its first element
        if (result != null) {
            args.add(result);
        }
        ack.sendArgs(args);
    }

    private static String string(ArrayNode args, int index, String what) throws Refused {
        JsonNode node = args.get(index);
        if (node == null || !node.isTextual()) {
            throw new Refused(ErrorCode.MALFORMED_BODY, "argument " + (index + 1) + " must be the " + what + " (a string)");
        }
        return node.textValue();
    }

    private static long session(ArrayNode args, int index) throws Refused {
        JsonNode node = args.get(index);
        try {
            if (node != null && node.isTextual()) {
                return Long.parseUnsignedLong(node.textValue());
            }
            if (node != null && node.canConvertToLong() && node.longValue() > 0) {
                return node.longValue();
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new Refused(ErrorCode.MALFORMED_BODY, "argument " + (index + 1) + " must be a session id (a decimal string)");
    }

    private static ArrayNode rest(ArrayNode args, int from) {
        ArrayNode out = NODES.arrayNode();
        for (int i = from; i < args.size(); i++) {
            out.add(args.get(i));
        }
        return out;
    }
}
