package io.switchboard.server.settings;

import io.switchboard.server.session.AccessPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Who may connect and what a session may do: where the accepted static auth tokens come from
 * (HELLO's token, the WebSocket upgrade's, the Socket.IO handshake's), the keys signed tokens are
 * verified with, and the policy for sessions without a signed token ({@code docs/security.md}).
 * Its {@link #toString()} never shows the token.
 *
 * @param token the token of {@code auth.token}, or empty for none
 * @param tokenFile a file of tokens, one per line, or {@code null} for none
 * @param reloadInterval how often the token and key files are checked for changes; zero means never
 * @param jwtSecretFile the file holding the HS256 secret of signed tokens, or {@code null} for none
 * @param jwtKeys the PEM or JWKS file of public keys (RS256, ES256) of signed tokens, or {@code null}
 * @param defaultPolicy what sessions without a signed token may do
 * @param clock what signed tokens' times are compared with (the system's clock; a test's own)
 */
public record AuthConfig(String token, Path tokenFile, Duration reloadInterval, Path jwtSecretFile, Path jwtKeys,
        AccessPolicy defaultPolicy, Clock clock) {
    public AuthConfig {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        Objects.requireNonNull(defaultPolicy, "defaultPolicy");
        Objects.requireNonNull(clock, "clock");
    }

    /** With the system's clock. */
    public AuthConfig(String token, Path tokenFile, Duration reloadInterval, Path jwtSecretFile, Path jwtKeys,
            AccessPolicy defaultPolicy) {
        this(token, tokenFile, reloadInterval, jwtSecretFile, jwtKeys, defaultPolicy, Clock.systemUTC());
    }

    @Override
    public String toString() {
        return "AuthConfig[token=" + (token.isEmpty() ? "none" : "(set)") + ", tokenFile=" + tokenFile
                + ", reloadInterval=" + reloadInterval + ", jwtSecretFile=" + jwtSecretFile + ", jwtKeys=" + jwtKeys
                + ", defaultPolicy=" + defaultPolicy.label() + "]";
    }
}
