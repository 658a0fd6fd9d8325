package io.switchboard.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Outbound;
import java.util.Locale;

/**
 * Events and presence notices as the WebSocket bridge's JSON ({@code docs/websocket.md}): rendered
 * once per message by {@link Outbound#encoded} and shared by every WebSocket recipient.
 */
final class WsEncoding implements Outbound.Encoding {
    static final WsEncoding INSTANCE = new WsEncoding();

    private WsEncoding() {
    }

    @Override
    public ByteBuf encode(ByteBufAllocator alloc, Outbound message) {
        Frame frame = message.frame();
        if (frame instanceof Event event) {
            String senderName = message.senderName();
            return WsJson.bytes(alloc, "event", json -> {
                json.writeStringField("target", event.target().name().toLowerCase(Locale.ROOT));
                if (event.target() == Target.ROOM) {
                    json.writeStringField("room", event.room());
                }
                json.writeStringField("event", event.event());
                WsJson.writeSession(json, "sender", event.senderId());
                if (senderName != null) {
                    json.writeStringField("name", senderName);
                }
                WsJson.writeData(json, event.content(), event.flags());
                if (Flags.has(event.flags(), Flags.PEER_ACK)) {
                    json.writeNumberField("ackId", Integer.toUnsignedLong(event.requestId()));
                }
            });
        }
        if (frame instanceof Presence presence) {
            return WsJson.bytes(alloc, presence.opcode() == Opcode.JOINED ? "joined" : "left", json -> {
                json.writeStringField("room", presence.room());
                WsJson.writeSession(json, "session", presence.sessionId());
                json.writeStringField("name", presence.name());
            });
        }
        return null;
    }
}
