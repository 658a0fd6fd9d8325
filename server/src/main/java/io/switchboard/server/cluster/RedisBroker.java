package io.switchboard.server.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.server.rooms.ClusterBroker;
import io.switchboard.server.rooms.ClusterInbound;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.Selection;
import io.switchboard.server.rooms.SessionIds;
import io.switchboard.server.settings.ClusterConfig;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One node's link to the others through Redis (Lettuce, on the server's event loops): the
 * {@link ClusterBroker} the hub calls, delivering what other nodes send into a
 * {@link ClusterInbound}. A facade over the parts that do the work:
 * <ul>
 *   <li>{@link NodeRegistry}: this node's id, which nodes are alive (heartbeat keys, NODE_UP/DOWN);</li>
 *   <li>{@link RoomSubscriptions}: a room's channel while this node has members there, the JOIN
 *       answers held until the room is received, the mirror of the room's members elsewhere;</li>
 *   <li>{@link Forwarding}: what this node publishes, counted;</li>
 *   <li>{@link InboundDispatch}: what arrives, decoded and handed on;</li>
 *   <li>{@link Reaper}: the members of dead nodes leave;</li>
 *   <li>{@link Resync}: the state written back after an outage;</li>
 * <li>{@link Heartbeat}: the tick, every third of the TTL and at once on reconnection, that keeps
 *       this node registered and drives the registry, the reaper and the resync;</li>
 * </ul>
 * and {@link LettuceOps}, the Redis commands they issue.
 *
 * <p>Publishing uses one connection, so everything this node publishes reaches every other node
 * in the order it was published; receiving uses a second, pub/sub, connection. Lettuce reconnects
 * both with exponential backoff and resubscribes; commands are rejected at once while a
 * connection is down (not queued), so that nothing waits unseen: an event that cannot be
 * forwarded is counted and its publisher told if it asked for an ACK; presence changes that could
 * not be written are replayed once the link is back. Key and channel names: {@link Names},
 * docs/cluster.md.
 */
public final class RedisBroker implements ClusterBroker, AutoCloseable {
    private static final Logger log = LogManager.getLogger(RedisBroker.class);

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], ByteBuf> pub;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final LettuceOps redis;
    private final ByteBufAllocator alloc;
    private final EventExecutor executor;
    private final Duration ttl;
    private final byte[] token = randomToken();
    private final LinkState state = new LinkState();
    private final NodeRegistry nodes;
    private final RoomSubscriptions subscriptions;
    private final Forwarding forwarding;
    private final InboundDispatch dispatch;
    private final Heartbeat beat;
    /** Where what other nodes send goes; read once more at {@link #close} for the local memberships. */
    private final ClusterInbound inbound;
    /** Set once the node is subscribed and announced: from then on a reconnection ticks at once. */
    private volatile boolean started;
    private volatile ScheduledFuture<?> heartbeat;

    private RedisBroker(ClusterConfig config, EventLoopGroup ioGroup, ByteBufAllocator alloc, ClusterInbound inbound) {
        this.alloc = alloc;
        this.inbound = inbound;
        this.ttl = config.heartbeatTtl();
        this.executor = ioGroup.next();
        this.resources = ClientResources.builder()
                .eventLoopGroupProvider(new SharedEventLoops(ioGroup))
                .eventExecutorGroup(ioGroup)
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(50), Duration.ofSeconds(2), 100, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(config.redis()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                // In-flight commands are not sent again after a reconnect: a PUBLISH that may have
                // reached Redis must not be delivered twice. They fail, and are counted.
                .replayFilter(command -> true)
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (!state.closed && started) { // before that: the connections are still being made
                    log.info("cluster: connected to Redis at {}", address);
                    executor.execute(beat::tick);
                }
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (state.up && !state.closed) {
                    log.warn("cluster: lost the connection to Redis; serving local rooms only until it is back");
                }
                state.up = false;
                state.needResync();
            }
        });
        StatefulRedisConnection<byte[], ByteBuf> p = null;
        StatefulRedisPubSubConnection<byte[], byte[]> s = null;
        try {
            p = client.connect(BinaryCodec.INSTANCE);
            s = client.connectPubSub(ByteArrayCodec.INSTANCE);
            LettuceOps ops = new LettuceOps(p, s, state.malformed);
            int id = NodeRegistry.reserve(() -> ThreadLocalRandom.current().nextInt(1, SessionIds.MAX_NODE_ID + 1),
                    candidate -> await(ops.claim(candidate, token, ttl.toMillis())));
            log.info("cluster: joined as node {} (heartbeat TTL {} ms)", id, ttl.toMillis());
            this.redis = ops;
            this.nodes = new NodeRegistry(id, ttl, System::nanoTime);
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            if (p != null) {
                p.close();
            }
            shutdownClient();
            throw e;
        }
        this.pub = p;
        this.sub = s;
        this.subscriptions = new RoomSubscriptions(redis, nodes, state, inbound);
        this.forwarding = new Forwarding(redis, nodes, state, alloc, inbound, subscriptions::channel);
        subscriptions.publishWith(forwarding);
        this.dispatch = new InboundDispatch(nodes, state, subscriptions, forwarding, inbound, config.peerAckTimeout(),
                executor);
        Reaper reaper = new Reaper(redis, nodes, state, forwarding, alloc, ttl);
        Resync resync = new Resync(redis, nodes, state, subscriptions, forwarding, inbound);
        this.beat = new Heartbeat(redis, nodes, state, subscriptions, forwarding, reaper, resync, alloc, token, ttl);
    }

    /**
     * Joins the cluster: connects to its Redis, reserves a unique node id, starts receiving (this
     * node's channel and {@code sb:all}) into {@code inbound}, learns which nodes are alive,
     * announces this node and starts the heartbeat. Blocks (not on an event loop) up to a few
     * seconds. Messages may reach {@code inbound} before this returns.
     *
     * @throws IllegalStateException when Redis cannot be reached or no free node id is found
     */
    public static RedisBroker join(ClusterConfig config, EventLoopGroup ioGroup, ByteBufAllocator alloc,
            ClusterInbound inbound) {
        RedisBroker broker;
        try {
            broker = new RedisBroker(config, ioGroup, alloc, inbound);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cluster: cannot join through " + config.redacted() + ": " + e.getMessage(), e);
        }
        try {
            broker.start();
            return broker;
        } catch (RuntimeException e) {
            broker.abandon();
            throw e;
        }
    }

    private void start() {
        sub.addListener(new RedisPubSubAdapter<byte[], byte[]>() {
            @Override
            public void message(byte[] channel, byte[] message) {
                dispatch.message(channel, message);
            }

            @Override
            public void subscribed(byte[] channel, long count) {
                dispatch.subscribed(channel);
            }
        });
        try {
            redis.subscribeNode(nodes.nodeId()).toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cluster: cannot subscribe: " + e, e);
        }
        state.up = true;
        beat.scanAndReap().orTimeout(5, TimeUnit.SECONDS).join();
        forwarding.publish(Names.ALL, Envelope.node(alloc, Envelope.NODE_UP, nodes.nodeId()), false);
        long every = beat.periodMillis();
        started = true;
        heartbeat = executor.scheduleWithFixedDelay(beat::tick, every, every, TimeUnit.MILLISECONDS);
    }

    private static byte[] randomToken() {
        byte[] t = new byte[16];
        ThreadLocalRandom.current().nextBytes(t);
        return t;
    }

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Redis did not answer within 5 s", e);
        }
    }

    // ---- ClusterBroker: membership (called inside the hub's per-room critical section) ----

    @Override
    public void roomOpened(String room) {
        subscriptions.opened(room);
    }

    @Override
    public void roomClosed(String room) {
        subscriptions.closed(room);
    }

    @Override
    public CompletionStage<Void> joined(String room, Member member) {
        return subscriptions.joined(room, member);
    }

    @Override
    public void left(String room, Member member) {
        subscriptions.left(room, member);
    }

    @Override
    public void remoteMembers(String room, List<MemberInfo> into) {
        subscriptions.remoteMembers(room, into);
    }

    // ---- ClusterBroker: forwarding ----

    @Override
    public boolean forwardToRoom(String room, Event event) {
        return forwarding.toRoom(room, event);
    }

    @Override
    public boolean forwardToAll(Event event) {
        return forwarding.toAll(event);
    }

    @Override
    public SessionRoute forwardToSession(long sessionId, Event event) {
        return forwarding.toSession(sessionId, event);
    }

    @Override
    public SessionRoute forwardToSessionAt(int node, long sessionId, Event event, int origin) {
        return forwarding.toSessionAt(node, sessionId, event, origin);
    }

    @Override
    public boolean forwardSelected(Selection selection, Event event) {
        return forwarding.selected(selection, event);
    }

    @Override
    public boolean sendToAll(String topic, ByteBuf body) {
        return forwarding.message(0, topic, body);
    }

    @Override
    public boolean sendToNode(int node, String topic, ByteBuf body) {
        return forwarding.message(node, topic, body);
    }

    @Override
    public java.util.Set<Integer> otherNodes() {
        return nodes.others();
    }

    @Override
    public void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload) {
        forwarding.answerPeerAck(originNode, originRelayId, recipientId, payload);
    }

    @Override
    public void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code) {
        forwarding.refusePeerAck(originNode, originRelayId, recipientId, code);
    }

    @Override
    public boolean isLocal(long sessionId) {
        return nodes.isLocal(sessionId);
    }

    @Override
    public int nodeId() {
        return nodes.nodeId();
    }

    // ---- ClusterStatus: what /readyz and /metrics report ----

    /** Whether the link to Redis is up (both connections open and the last heartbeat answered). */
    @Override
    public boolean isUp() {
        return state.up;
    }

    @Override
    public long forwarded() {
        return state.forwarded.sum();
    }

    /** Events (and peer acks) that could not be forwarded: link down, rejected or lost in a reconnect. */
    @Override
    public long forwardFailed() {
        return state.failed.sum();
    }

    @Override
    public long received() {
        return state.received.sum();
    }

    @Override
    public int nodesAlive() {
        return nodes.nodesAlive();
    }

    /** Envelopes (and Redis entries) that could not be read (a node of another version?). */
    public long malformed() {
        return state.malformed.sum();
    }

    /** Members of dead nodes this node removed as the elected reaper. */
    public long reaped() {
        return state.reaped.sum();
    }

    // ---- lifecycle ----

    /**
     * Leaves the cluster cleanly: every local member's entry is removed and LEFT is published, the
     * node's keys are deleted, then both connections close. Waits up to a few seconds; call before
     * the event loops shut down.
     */
    @Override
    public void close() {
        if (state.closed) {
            return;
        }
        if (state.up) {
            int nodeId = nodes.nodeId();
            List<CompletableFuture<?>> done = new ArrayList<>();
            inbound.forEachMembership((room, member) -> {
                done.add(redis.retract(room, member.id()).toCompletableFuture());
                ByteBuf left = Envelope.presence(alloc, Envelope.LEFT, nodeId, room, member.id(), member.name());
                done.add(redis.publish(Names.roomChannel(room), left).toCompletableFuture()
                        .whenComplete((r, e) -> left.release()));
            });
            done.add(redis.forget(nodeId, true).toCompletableFuture());
            ByteBuf down = Envelope.node(alloc, Envelope.NODE_DOWN, nodeId);
            done.add(redis.publish(Names.ALL, down).toCompletableFuture().whenComplete((r, e) -> down.release()));
            try {
                CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("cluster: node {} left without cleaning up (its entries expire with its heartbeat): {}",
                        nodeId, e.toString());
            }
        }
        abandon();
        log.info("cluster: node {} left", nodes.nodeId());
    }

    /**
     * Stops beating and drops both connections without telling anyone, as a crash would: the
     * other nodes notice when the heartbeat expires. For tests and for {@link #close}.
     */
    void abandon() {
        state.closed = true;
        state.up = false;
        ScheduledFuture<?> beat = heartbeat;
        if (beat != null) {
            beat.cancel(false);
        }
        sub.close();
        pub.close();
        shutdownClient();
    }

    private void shutdownClient() {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
