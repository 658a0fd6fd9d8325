/**
 * Cluster mode: several nodes sharing rooms, sessions and presence through Redis. Start with
 * {@link io.switchboard.server.cluster.RedisBroker}, the {@link io.switchboard.server.rooms.ClusterBroker}
 * the hub calls; {@link io.switchboard.server.cluster.Envelope} is what nodes send each other.
 * {@code docs/cluster.md} describes the behaviour and the Redis layout.
 */
package io.switchboard.server.cluster;
