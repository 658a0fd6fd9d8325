package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.switchboard.server.ServerConfig;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Keys of the admin API (section {@code admin}; its listener's keys are {@code listeners.admin.*}
 * like every listener's). docs/admin-api.md.
 */
final class AdminKeys {
    private AdminKeys() {
    }

    static List<ConfigKey<?>> keys() {
        return List.of(
                key("admin.token-file", Types.path("FILE"))
                        .flag("--admin-token-file")
                        .description("File of the admin API's tokens, one per line: TOKEN, or NAME TOKEN to log "
                                + "actions under NAME (# starts a comment); reloaded on change "
                                + "(auth.reload-interval). Required with listeners.admin.enabled; a client token "
                                + "is refused there.")
                        .apply(ServerConfig.Builder::adminTokenFile)
                        .read(ServerConfig::adminTokenFile)
                        .build(),
                key("admin.cluster-timeout", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(100), Duration.ofSeconds(60)))
                        .flag("--admin-cluster-timeout")
                        .description("How long an admin listing or action waits for the other nodes of a cluster; "
                                + "a listing then answers with what came and names the nodes missing.")
                        .apply(ServerConfig.Builder::adminClusterTimeout)
                        .read(ServerConfig::adminClusterTimeout)
                        .build());
    }
}
