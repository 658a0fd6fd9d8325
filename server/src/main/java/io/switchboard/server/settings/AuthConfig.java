package io.switchboard.server.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the accepted auth tokens come from (HELLO's token, the WebSocket upgrade's). Its
 * {@link #toString()} never shows the token.
 *
 * @param token the token of {@code auth.token}, or empty for none
 * @param tokenFile a file of tokens, one per line, or {@code null} for none
 * @param reloadInterval how often the file is checked for changes; zero means never
 */
public record AuthConfig(String token, Path tokenFile, Duration reloadInterval) {
    public AuthConfig {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
    }

    @Override
    public String toString() {
        return "AuthConfig[token=" + (token.isEmpty() ? "none" : "(set)") + ", tokenFile=" + tokenFile
                + ", reloadInterval=" + reloadInterval + "]";
    }
}
