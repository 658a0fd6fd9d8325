package io.switchboard.server.settings;

import java.time.Duration;
import java.util.Objects;

/**
 * What the connection limits use ({@code limits.*}): admission counts, the per-connection request
 * rate, the handshake and header timeouts, and how often refusals are logged.
 *
 * @param maxConnections most connections open at once over all TCP listeners; 0 means no limit
 * @param maxConnectionsPerIp most connections open at once from one client IP address; 0 means no limit
 * @param handshakeTimeout a framed connection without HELLO after this long is refused; 0 = never
 * @param httpHeaderTimeout an HTTP request whose headers take longer gets 408; 0 = never
 * @param rateLimit requests per second one connection may send; 0 means no limit
 * @param rateBurst how many requests above the steady rate one connection may send at once
 * @param refusalLogInterval refusals of one cause on one listener are logged at most once per this
 */
public record LimitsConfig(int maxConnections, int maxConnectionsPerIp, Duration handshakeTimeout,
        Duration httpHeaderTimeout, int rateLimit, int rateBurst, Duration refusalLogInterval) {
    public LimitsConfig {
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(httpHeaderTimeout, "httpHeaderTimeout");
        Objects.requireNonNull(refusalLogInterval, "refusalLogInterval");
    }
}
