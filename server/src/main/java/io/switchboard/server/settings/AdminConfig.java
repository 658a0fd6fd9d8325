package io.switchboard.server.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the admin API uses besides its listener ({@code listeners.admin.*}): where its tokens come
 * from, how long a cluster-wide request waits for the other nodes, and how often the token file is
 * checked for changes ({@code auth.reload-interval}). docs/admin-api.md.
 *
 * @param tokenFile the file of admin tokens, one per line ({@code TOKEN} or {@code NAME TOKEN}), or {@code null}
 * @param clusterTimeout how long a listing or an action waits for the other nodes' answers
 * @param reloadInterval how often the token file is checked for changes; zero means never
 */
public record AdminConfig(Path tokenFile, Duration clusterTimeout, Duration reloadInterval) {
    public AdminConfig {
        Objects.requireNonNull(clusterTimeout, "clusterTimeout");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
    }
}
