package io.switchboard.server.settings;

import io.switchboard.server.session.SessionConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * What the WebSocket bridge at {@code /ws} uses: its message limit (the HTTP body limit), the idle
 * timeout of its sessions (the framed one), and the session core's rules.
 *
 * @param maxMessageBytes the largest WebSocket message, frame or reassembled; larger closes with 1009
 * @param idleTimeout a session that sends nothing for this long is closed; zero means never
 * @param session the rules of the session core
 */
public record WsConfig(int maxMessageBytes, Duration idleTimeout, SessionConfig session) {
    public WsConfig {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(session, "session");
    }
}
