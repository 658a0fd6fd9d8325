package io.switchboard.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Grant;
import io.switchboard.server.session.Session;
import java.util.Locale;

/**
 * Which sessions a listing shows: each field {@code null} for any. {@code name} is contained in
 * the display name (case-insensitive), {@code user} is the signed token's subject exactly,
 * {@code address} a prefix of {@code ip:port}.
 */
record SessionFilter(String protocol, String room, String name, String user, String address) {
    static final SessionFilter ANY = new SessionFilter(null, null, null, null, null);

    boolean admits(RoomHub hub, Session s) {
        if (protocol != null && !protocol.equals(s.info().protocol())) {
            return false;
        }
        if (room != null && !hub.isMember(s, room)) {
            return false;
        }
        if (name != null && !s.name().toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT))) {
            return false;
        }
        if (user != null) {
            Grant grant = s.grant();
            if (grant == null || !user.equals(grant.subject())) {
                return false;
            }
        }
        return address == null || s.info().address().startsWith(address);
    }

    void writeTo(ObjectNode o) {
        putIf(o, "protocol", protocol);
        putIf(o, "room", room);
        putIf(o, "name", name);
        putIf(o, "user", user);
        putIf(o, "address", address);
    }

    static SessionFilter from(JsonNode o) {
        return new SessionFilter(text(o, "protocol"), text(o, "room"), text(o, "name"), text(o, "user"),
                text(o, "address"));
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }
}
