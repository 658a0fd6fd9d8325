/**
 * Protection against too many connections and too much traffic: {@link
 * io.switchboard.server.limits.Limits} admits or refuses each new connection (in total and per
 * client address) and counts and logs every refusal ({@code switchboard_refused_total{listener,cause}},
 * at most one log line per cause and listener per interval, by {@link
 * io.switchboard.server.limits.RateLimitedLog}); {@link io.switchboard.server.limits.FramedLimits}
 * and {@link io.switchboard.server.limits.HttpLimits} hold the per-connection timeouts and the
 * token-bucket rate limit of each protocol.
 */
package io.switchboard.server.limits;
