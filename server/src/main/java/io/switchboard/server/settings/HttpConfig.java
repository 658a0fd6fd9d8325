package io.switchboard.server.settings;

import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.socketio.settings.EngineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the HTTP listener uses: request limits and timeout, the access log, what the router
 * serves, and the sections of the WebSocket bridge and of Engine.IO that it wires in.
 *
 * @param maxInitialLine the longest request line; longer gets 414
 * @param maxHeaderBytes the most header bytes; more gets 431
 * @param maxBodyBytes the largest request body; larger gets 413
 * @param idleTimeout a keep-alive connection idle this long is closed
 * @param accessLog whether every request is logged on {@code io.switchboard.access}
 * @param staticRoot the directory files are served from, or {@code null} for the built-in page only
 * @param zeroCopy whether static files may go out as zero-copy file regions
 * @param metricsEnabled whether {@code /metrics} is served
 * @param socketIoEnabled whether Engine.IO is served at {@code socketIo}'s path
 * @param socketIo the Engine.IO settings
 * @param ws the WebSocket bridge's section
 * @param serving the file cache, compression, CORS and {@code /ws} origin settings
 */
public record HttpConfig(int maxInitialLine, int maxHeaderBytes, int maxBodyBytes, Duration idleTimeout,
        boolean accessLog, Path staticRoot, boolean zeroCopy, boolean metricsEnabled, boolean socketIoEnabled,
        EngineConfig socketIo, WsConfig ws, HttpServing serving) {
    public HttpConfig {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(serving, "serving");
        Objects.requireNonNull(socketIo, "socketIo");
        Objects.requireNonNull(ws, "ws");
    }
}
