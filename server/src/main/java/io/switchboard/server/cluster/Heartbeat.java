package io.switchboard.server.cluster;

import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The heartbeat tick, every third of the TTL and at once on reconnection: refreshes this node's
 * key (registering again if it was lost), decides whether the link is up, runs the resync when
 * one is due, scans the other nodes (handing the dead to the reaper) and prunes the rooms'
 * mirrors of members whose node is gone.
 */
final class Heartbeat {
    private static final Logger log = LogManager.getLogger(Heartbeat.class);

    private final RedisOps redis;
    private final NodeRegistry nodes;
    private final LinkState state;
    private final RoomSubscriptions subscriptions;
    private final Forwarding forwarding;
    private final Reaper reaper;
    private final Resync resync;
    private final ByteBufAllocator alloc;
    private final byte[] token;
    private final Duration ttl;

    Heartbeat(RedisOps redis, NodeRegistry nodes, LinkState state, RoomSubscriptions subscriptions,
            Forwarding forwarding, Reaper reaper, Resync resync, ByteBufAllocator alloc, byte[] token, Duration ttl) {
        this.redis = redis;
        this.nodes = nodes;
        this.state = state;
        this.subscriptions = subscriptions;
        this.forwarding = forwarding;
        this.reaper = reaper;
        this.resync = resync;
        this.alloc = alloc;
        this.token = token;
        this.ttl = ttl;
    }

    /** How often {@link #tick} runs. */
    long periodMillis() {
        return Math.max(100, ttl.toMillis() / 3);
    }

    void tick() {
        if (state.closed) {
            return;
        }
        if (!redis.open()) {
            state.up = false;
            return;
        }
        redis.heartbeat(nodes.nodeId(), token, ttl.toMillis()).whenComplete((result, e) -> {
            if (e != null) {
                state.up = false;
                // A heartbeat that timed out on a silent path may still run in Redis later, and its
                // answer ("registered again": the key had expired and the others reaped us) is then
                // lost; the ticks after it only refresh. Resync once the link is back, as after a drop.
                state.needResync();
                log.debug("cluster: heartbeat failed: {}", e.toString());
                return;
            }
            if (result == 0) {
                state.up = false;
                log.error("cluster: node id {} is held by another node; not forwarding", nodes.nodeId());
                return;
            }
            if (result == 2) {
                // Our key had expired (a long outage) or Redis lost its data: registered again;
                // every local member is announced again.
                log.info("cluster: node {} registered again", nodes.nodeId());
                forwarding.publish(Names.ALL, Envelope.node(alloc, Envelope.NODE_UP, nodes.nodeId()), false);
                state.needResync();
            }
            boolean wasUp = state.up;
            state.up = redis.open();
            if (state.up && !wasUp) {
                log.info("cluster: link to Redis is up (node {})", nodes.nodeId());
            }
            if (state.up && state.resync) {
                resync.run();
            }
            scanAndReap().whenComplete((ok, scanFailed) -> {
                if (scanFailed == null) {
                    subscriptions.prune();
                    subscriptions.confirmSuspects();
                }
            });
        });
    }

    /** Learns which registered nodes have a live heartbeat; starts reaping those that do not. */
    CompletableFuture<Void> scanAndReap() {
        return nodes.scan(redis).toCompletableFuture().thenAccept(dead -> {
            for (int node : dead) {
                reaper.reap(node);
            }
        });
    }
}
