package io.switchboard.server.settings;

import io.switchboard.server.session.SessionConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * What the framed listener uses: its codec's frame limit, the idle timeout of its sessions, and
 * the session core's rules.
 *
 * @param maxFrameLength the largest length field the frame decoder accepts (announced in WELCOME)
 * @param idleTimeout a session that sends nothing for this long is closed; zero means never
 * @param session the rules of the session core
 */
public record FramedConfig(int maxFrameLength, Duration idleTimeout, SessionConfig session) {
    public FramedConfig {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(session, "session");
    }
}
