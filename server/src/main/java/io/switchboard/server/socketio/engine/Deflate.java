package io.switchboard.server.socketio.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.util.HashMap;
import java.util.Map;

/** permessage-deflate negotiation for the Engine.IO WebSocket upgrade (Netty's handshaker, our header parsing). */
final class Deflate {
    private static final PerMessageDeflateServerExtensionHandshaker HANDSHAKER =
            new PerMessageDeflateServerExtensionHandshaker();

    private Deflate() {
    }

    /**
     * The accepted permessage-deflate offer among {@code offered} (a Sec-WebSocket-Extensions
     * value), with its response header added to {@code response}; {@code null} when none is acceptable.
     */
    static WebSocketServerExtension negotiate(String offered, HttpHeaders response) {
        if (offered == null) {
            return null;
        }
        for (String offer : offered.split(",")) {
            String[] parts = offer.split(";");
            String name = parts[0].trim();
            if (!"permessage-deflate".equalsIgnoreCase(name)) {
                continue;
            }
            Map<String, String> params = new HashMap<>();
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i].trim();
                if (part.isEmpty()) {
                    continue;
                }
                int eq = part.indexOf('=');
                if (eq < 0) {
                    params.put(part, null);
                } else {
                    String value = part.substring(eq + 1).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    params.put(part.substring(0, eq).trim(), value);
                }
            }
            WebSocketServerExtension extension =
                    HANDSHAKER.handshakeExtension(new WebSocketExtensionData("permessage-deflate", params));
            if (extension != null) {
                WebSocketExtensionData data = extension.newReponseData();
                StringBuilder header = new StringBuilder(data.name());
                for (Map.Entry<String, String> p : data.parameters().entrySet()) {
                    header.append("; ").append(p.getKey());
                    if (p.getValue() != null) {
                        header.append('=').append(p.getValue());
                    }
                }
                response.set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, header.toString());
                return extension;
            }
        }
        return null;
    }
}
