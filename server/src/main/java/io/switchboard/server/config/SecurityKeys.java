package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.switchboard.server.ServerConfig;
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
        keys.add(key("auth.token", Types.string("TOKEN"))
                .flag("--auth-token")
                .description("Token every framed HELLO and WebSocket upgrade must carry; empty = no auth. "
                        + "Prefer auth.token-file: a flag is visible in the process list.")
                .apply(ServerConfig.Builder::authToken)
                .read(ServerConfig::authToken)
                .secret()
                .build());
        return keys;
    }
}
