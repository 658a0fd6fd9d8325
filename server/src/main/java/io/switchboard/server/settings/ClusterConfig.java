package io.switchboard.server.settings;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * What the cluster broker uses: the Redis server the nodes meet through, the heartbeat TTL, and
 * the peer-acknowledgement timeout of requests that cross nodes. Its {@link #toString()} and
 * {@link #redacted()} never show the Redis password.
 *
 * @param redis the Redis server ({@code redis://[:password@]host[:port][/db]}), or {@code null} for a single node
 * @param heartbeatTtl how long a node counts as alive after its last heartbeat
 * @param peerAckTimeout how long a publisher waits for a peer's acknowledgement
 */
public record ClusterConfig(URI redis, Duration heartbeatTtl, Duration peerAckTimeout) {
    public ClusterConfig {
        Objects.requireNonNull(heartbeatTtl, "heartbeatTtl");
        Objects.requireNonNull(peerAckTimeout, "peerAckTimeout");
    }

    /** The Redis address without credentials or database, for messages: {@code redis://host:port}. */
    public String redacted() {
        if (redis == null) {
            return "none";
        }
        return redis.getScheme() + "://" + redis.getHost() + (redis.getPort() > 0 ? ":" + redis.getPort() : "");
    }

    @Override
    public String toString() {
        return "ClusterConfig[redis=" + redacted() + ", heartbeatTtl=" + heartbeatTtl + ", peerAckTimeout="
                + peerAckTimeout + "]";
    }
}
