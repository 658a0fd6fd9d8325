package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.session.AccessPolicy;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys of TLS and authentication (sections {@code tls}, {@code auth}, and the per-listener
 * {@code listeners.<name>.tls}); kept apart from {@link ConfigKeys} so that their owner edits only
 * this file. See {@link ConfigKey} for how to declare one.
 */
final class SecurityKeys {
    private SecurityKeys() {
    }

    static List<ConfigKey<?>> keys() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        for (Listener listener : new Listener[] {Listener.FRAMED, Listener.HTTP, Listener.ADMIN}) {
            keys.add(key("listeners." + listener.id() + ".tls", Types.bool())
                    .flag("--" + listener.id() + "-tls")
                    .description(switch (listener) {
                        case FRAMED -> "Speak TLS on the framed listener (needs tls.cert and tls.key).";
                        case HTTP -> "Speak TLS on the HTTP listener: HTTPS and WSS (needs tls.cert and tls.key).";
                        default -> "Speak TLS on the admin API listener: HTTPS (needs tls.cert and tls.key).";
                    })
                    .apply((b, on) -> b.tls(listener, on))
                    .read(c -> c.tls(listener))
                    .build());
        }
        keys.add(key("tls.cert", Types.path("FILE"))
                .flag("--tls-cert")
                .description("PEM certificate chain, leaf first (may be the same file as tls.key).")
                .apply(ServerConfig.Builder::tlsCertificate)
                .read(ServerConfig::tlsCertificate)
                .build());
        keys.add(key("tls.key", Types.path("FILE"))
                .flag("--tls-key")
                .description("PEM private key of the certificate, unencrypted PKCS#8 ('BEGIN PRIVATE KEY').")
                .apply(ServerConfig.Builder::tlsKey)
                .read(ServerConfig::tlsKey)
                .build());
        keys.add(key("tls.reload-interval", Types.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofDays(1)))
                .flag("--tls-reload-interval")
                .description("How often tls.cert and tls.key are checked for changes (then reloaded for new "
                        + "connections); 0 = never, else at least 100ms.")
                .apply(ServerConfig.Builder::tlsReloadInterval)
                .read(ServerConfig::tlsReloadInterval)
                .build());
        keys.add(key("tls.handshake-timeout", Types.duration(ChronoUnit.SECONDS, Duration.ofMillis(100),
                        Duration.ofMinutes(5)))
                .flag("--tls-handshake-timeout")
                .description("Close a connection whose TLS handshake has not completed in this time.")
                .apply(ServerConfig.Builder::tlsHandshakeTimeout)
                .read(ServerConfig::tlsHandshakeTimeout)
                .build());
        keys.add(key("auth.token", Types.string("TOKEN"))
                .flag("--auth-token")
                .description("Token every framed HELLO and WebSocket upgrade must carry; empty = no auth. "
                        + "Prefer auth.token-file: a flag is visible in the process list.")
                .apply(ServerConfig.Builder::authToken)
                .read(ServerConfig::authToken)
                .secret()
                .build());
        keys.add(key("auth.token-file", Types.path("FILE"))
                .flag("--auth-token-file")
                .description("File of accepted tokens, one per line ('#' starts a comment line), reloaded on "
                        + "change; accepted alongside auth.token.")
                .apply(ServerConfig.Builder::authTokenFile)
                .read(ServerConfig::authTokenFile)
                .build());
        keys.add(key("auth.reload-interval", Types.duration(ChronoUnit.SECONDS, Duration.ZERO, Duration.ofDays(1)))
                .flag("--auth-reload-interval")
                .description("How often auth.token-file is checked for changes; 0 = never, else at least 100ms.")
                .apply(ServerConfig.Builder::authReloadInterval)
                .read(ServerConfig::authReloadInterval)
                .build());
        keys.add(key("auth.jwt-secret-file", Types.path("FILE"))
                .flag("--auth-jwt-secret-file")
                .description("File holding the shared secret (at least 32 bytes) of HS256 signed tokens "
                        + "(docs/security.md); reloaded on change.")
                .apply(ServerConfig.Builder::authJwtSecretFile)
                .read(ServerConfig::authJwtSecretFile)
                .build());
        keys.add(key("auth.jwt-keys", Types.path("FILE"))
                .flag("--auth-jwt-keys")
                .description("PEM file of public keys, or a JWKS file, for RS256 and ES256 signed tokens; "
                        + "reloaded on change.")
                .apply(ServerConfig.Builder::authJwtKeys)
                .read(ServerConfig::authJwtKeys)
                .build());
        keys.add(key("auth.default-policy", Types.choice(AccessPolicy::label, AccessPolicy.values()))
                .flag("--auth-default-policy")
                .description("What sessions without a signed token may do: open (everything), members-only "
                        + "(publish only into rooms joined), token-required (nothing: no session).")
                .apply(ServerConfig.Builder::authDefaultPolicy)
                .read(ServerConfig::authDefaultPolicy)
                .build());
        return keys;
    }
}
