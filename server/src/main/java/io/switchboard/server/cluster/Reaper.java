package io.switchboard.server.cluster;

import io.netty.buffer.ByteBufAllocator;
import io.switchboard.server.rooms.SessionIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Cleans up after a node whose heartbeat expired: one survivor, elected by a SET NX lock, removes
 * the dead node's members from every room hash and publishes LEFT for each on the room's channel
 * (with the dead node as origin, so that every node delivers it, this one included), then
 * forgets the node. A member removed twice is reported once: only the removal that found it tells.
 */
final class Reaper {
    private static final Logger log = LogManager.getLogger(Reaper.class);

    private final RedisOps redis;
    private final NodeRegistry nodes;
    private final LinkState state;
    private final Forwarding forwarding;
    private final ByteBufAllocator alloc;
    private final Duration ttl;

    Reaper(RedisOps redis, NodeRegistry nodes, LinkState state, Forwarding forwarding, ByteBufAllocator alloc,
            Duration ttl) {
        this.redis = redis;
        this.nodes = nodes;
        this.state = state;
        this.forwarding = forwarding;
        this.alloc = alloc;
        this.ttl = ttl;
    }

    /** Reaps {@code dead} if this node wins its lock; the returned stage completes when done (or not elected). */
    CompletableFuture<Void> reap(int dead) {
        return redis.reapLock(dead, nodes.nodeId(), ttl.toMillis()).toCompletableFuture().thenCompose(won -> {
            if (!won) {
                return CompletableFuture.completedFuture(null);
            }
            log.info("cluster: node {} stopped beating; removing its members", dead);
            return redis.nodeRooms(dead).toCompletableFuture().thenCompose(rooms -> {
                List<CompletableFuture<?>> done = new ArrayList<>();
                for (String room : rooms) {
                    done.add(reapRoom(dead, room));
                }
                return CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0]))
                        .thenCompose(v -> redis.forget(dead, false));
            });
        });
    }

    private CompletableFuture<?> reapRoom(int dead, String room) {
        return redis.members(room).toCompletableFuture().thenCompose(entries -> {
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (Map.Entry<Long, MemberEntry> v : entries.entrySet()) {
                if (SessionIds.nodeOf(v.getKey()) != dead) {
                    continue;
                }
                removals.add(redis.retract(room, v.getKey()).toCompletableFuture().whenComplete((removed, e) -> {
                    if (e == null && removed == 1) { // only the node that removed it tells: LEFT once
                        state.reaped.increment();
                        forwarding.publish(Names.roomChannel(room),
                                Envelope.presence(alloc, Envelope.LEFT, dead, room, v.getKey(), v.getValue().name()), false);
                    }
                }));
            }
            return CompletableFuture.allOf(removals.toArray(new CompletableFuture<?>[0]));
        });
    }
}
