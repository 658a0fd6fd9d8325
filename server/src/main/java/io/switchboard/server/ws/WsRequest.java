package io.switchboard.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.switchboard.server.ws.WsJson.BadMessage;
import java.util.List;

/**
 * One client message of the WebSocket bridge, parsed: its JSON object, its {@code id} and
 * {@code type}; or, when it could not be read that far, why ({@link #malformed}), with the id if
 * it was read. Made by {@link Decoder}, in front of the session.
 */
record WsRequest(JsonNode body, Long id, String type, BadMessage malformed) {
    /** Parses one text message; never throws. */
    static WsRequest parse(String text) {
        Long id = null;
        try {
            JsonNode message = WsJson.parse(text);
            id = WsJson.id(message);
            return new WsRequest(message, id, WsJson.string(message, "type", null), null);
        } catch (BadMessage e) {
            return new WsRequest(null, id, null, e);
        }
    }

    /** Text frames to {@link WsRequest}s; everything else (binary, plain HTTP) passes untouched. Shared. */
    @Sharable
    static final class Decoder extends MessageToMessageDecoder<TextWebSocketFrame> {
        static final Decoder INSTANCE = new Decoder();

        @Override
        protected void decode(ChannelHandlerContext ctx, TextWebSocketFrame frame, List<Object> out) {
            out.add(parse(frame.text()));
        }
    }
}
