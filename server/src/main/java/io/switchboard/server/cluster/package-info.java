/**
 * Cluster mode: several nodes sharing rooms, sessions and presence through Redis. Start with
 * {@link io.switchboard.server.cluster.RedisBroker}, the {@link io.switchboard.server.rooms.ClusterBroker}
 * the hub calls, which delivers what other nodes send into a
 * {@link io.switchboard.server.rooms.ClusterInbound} (the hub). It is a facade over package-private
 * parts, one job each: {@code NodeRegistry} (node id, liveness), {@code RoomSubscriptions} (room
 * channels, held joins, the mirror of other nodes' members), {@code Forwarding} (what this node
 * publishes), {@code InboundDispatch} (what arrives), {@code Reaper} (dead nodes' members),
 * {@code Resync} (state written back after an outage), {@code Heartbeat} (the tick driving them), all issuing Redis commands through
 * {@code RedisOps} ({@code LettuceOps}). {@link io.switchboard.server.cluster.Envelope} is what
 * nodes send each other. {@code docs/cluster.md} describes the behaviour and the Redis layout.
 */
package io.switchboard.server.cluster;
