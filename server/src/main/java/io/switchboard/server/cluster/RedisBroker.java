package io.switchboard.server.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.rooms.ClusterBroker;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.RoomHub;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One node's link to the others through Redis (Lettuce, on the server's event loops).
 *
 * <p>Redis layout (all keys under {@code sb:}):
 * <ul>
 *   <li>{@code sb:node:<id>}: this node's heartbeat, a random token with a TTL, refreshed every
 *       third of it; creating it with NX is what makes a node id unique.</li>
 *   <li>{@code sb:nodes}: the set of node ids that registered; {@code sb:node:<id>:rooms}: the rooms
 *       a node has members in; {@code sb:room:<room>}: hash session id (decimal) -> name, the room's
 *       members on every node (the node is in the session id's high bits).</li>
 *   <li>{@code sb:reap:<id>}: the lock (SET NX with a TTL) that elects the one survivor cleaning
 *       up after a dead node.</li>
 * </ul>
 * Channels: {@code sb:r:<room>} for a room's events and presence (a node subscribes while it has
 * members there), {@code sb:all} for events to everyone and node announcements, {@code sb:n:<id>}
 * for what is addressed to one node (direct events, peer acks). Messages are {@link Envelope}s.
 *
 * <p>Publishing uses one connection, so everything this node publishes reaches every other node
 * in the order it was published; receiving uses a second, pub/sub, connection. Lettuce reconnects
 * both with exponential backoff and resubscribes; commands are rejected at once while a
 * connection is down (not queued), so that nothing waits unseen: an event that cannot be
 * forwarded is counted and its publisher told if it asked for an ACK; presence changes that could
 * not be written are replayed once the link is back.
 */
public final class RedisBroker implements ClusterBroker, AutoCloseable {
    private static final Logger log = LogManager.getLogger(RedisBroker.class);

    private static final byte[] NODES = bytes("sb:nodes");
    private static final byte[] ALL = bytes("sb:all");
    /** Refreshes this node's heartbeat if the key is ours or gone: 0 = held by another node, 1 = refreshed, 2 = created again. */
    private static final String HEARTBEAT = "local v = redis.call('GET', KEYS[1]) "
            + "if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end "
            + "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end return 0";
    /**
     * Adds a member to a room's hash with the room's next join sequence number (kept in the hash's
     * {@code #} field): KEYS[1] the hash, ARGV[1] session, ARGV[2] name, ARGV[3] "1" to do nothing
     * if the member is there already. Returns the sequence number, or 0 when nothing was done.
     */
    private static final String ANNOUNCE = "if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end "
            + "local seq = redis.call('HINCRBY', KEYS[1], '#', 1) "
            + "redis.call('HSET', KEYS[1], ARGV[1], seq .. ' ' .. ARGV[2]) return seq";
    /** Removes a member from a room's hash, and the hash once only its counter is left: 1 if it was there. */
    private static final String RETRACT = "local n = redis.call('HDEL', KEYS[1], ARGV[1]) "
            + "if redis.call('HLEN', KEYS[1]) == 1 then redis.call('DEL', KEYS[1]) end return n";
    private static final byte[] SEQ_FIELD = bytes("#");
    private static final ByteBuf ONLY_IF_ABSENT = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes("1")));
    private static final ByteBuf ALWAYS = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes("0")));
    private static final int MAX_REGISTRATION_TRIES = 32;
    /** The longest a JOIN's answer waits for the room's subscription before it goes out regardless. */
    static final long READY_LIMIT_MILLIS = 2000;

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], ByteBuf> pub;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final RedisAsyncCommands<byte[], ByteBuf> redis;
    private final ByteBufAllocator alloc;
    private final EventExecutor executor;
    private final Duration ttl;
    private final Duration peerAckTimeout;
    private final int nodeId;
    private final byte[] nodeKey;
    private final byte[] tokenBytes = randomToken();
    private final Map<String, RoomLink> links = new ConcurrentHashMap<>();
    private final Map<Integer, Long> lastSeen = new ConcurrentHashMap<>();
    /** The nodes whose heartbeat key existed at the latest scan. */
    private volatile Set<Integer> registered = Set.of();
    private final Queue<Presence> unsentLefts = new ConcurrentLinkedQueue<>();
    private final LongAdder forwarded = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder reaped = new LongAdder();
    private volatile RoomHub hub;
    private volatile boolean up;
    private volatile boolean resync;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> heartbeat;

    /** A room this node has members in: its channel, its hash, and its members on other nodes. */
    private static final class RoomLink {
        final String room;
        final byte[] channel;
        final byte[] key;
        final Map<Long, String> remote = new ConcurrentHashMap<>();
        /** Set once the first load of the members hash after subscribing is applied. */
        volatile boolean loaded;
        /** Remote members missing from the last reload, removed if still missing at the next tick. */
        volatile Set<Long> suspects = Set.of();
        /**
         * Presence writes held until the first SUBSCRIBE is confirmed, in order; {@code null} from
         * then on. So a member's JOINED (and its entry in the hash) reaches the other nodes only once
         * this node receives the room's traffic: whoever sees it can reach it. Guarded by the link.
         */
        List<Runnable> held = new ArrayList<>();
        /** Completes when {@link #held} is released (or after {@link #READY_LIMIT_MILLIS} at most). */
        final CompletableFuture<Void> ready = new CompletableFuture<Void>()
                .completeOnTimeout(null, READY_LIMIT_MILLIS, TimeUnit.MILLISECONDS);
        /**
         * The room's join sequence number when this node opened the room: members of other nodes
         * above it joined after this node's first member did, and that member is told (JOINED)
         * about them even if their notice came before the subscription.
         */
        volatile long baseSeq;
        /** While a load of the members hash is in flight: who left meanwhile, not to be added back from it. */
        volatile boolean loading;
        final Set<Long> departed = ConcurrentHashMap.newKeySet();

        RoomLink(String room) {
            this.room = room;
            this.channel = roomChannel(room);
            this.key = roomKey(room);
        }
    }

    private record Presence(String room, long session, String name) {
    }

    private RedisBroker(ServerConfig config, EventLoopGroup ioGroup, ByteBufAllocator alloc) {
        this.alloc = alloc;
        this.ttl = config.clusterHeartbeatTtl();
        this.peerAckTimeout = config.peerAckTimeout();
        this.executor = ioGroup.next();
        this.resources = ClientResources.builder()
                .eventLoopGroupProvider(new SharedEventLoops(ioGroup))
                .eventExecutorGroup(ioGroup)
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(50), Duration.ofSeconds(2), 100, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(config.cluster()));
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
                if (!closed && hub != null) { // before attach: the connections are still being made
                    log.info("cluster: connected to Redis at {}", address);
                    executor.execute(RedisBroker.this::tick);
                }
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (up && !closed) {
                    log.warn("cluster: lost the connection to Redis; serving local rooms only until it is back");
                }
                up = false;
                resync = true;
            }
        });
        StatefulRedisConnection<byte[], ByteBuf> p = null;
        StatefulRedisPubSubConnection<byte[], byte[]> s = null;
        int id;
        try {
            p = client.connect(BinaryCodec.INSTANCE);
            s = client.connectPubSub(ByteArrayCodec.INSTANCE);
            id = register(p.async());
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
        this.redis = pub.async();
        this.nodeId = id;
        this.nodeKey = nodeKey(nodeId);
    }

    /**
     * Connects to the cluster's Redis and registers a unique node id; blocks (not on an event loop)
     * up to a few seconds. Call {@link #attach} once the hub exists.
     *
     * @throws IllegalStateException when Redis cannot be reached or no free node id is found
     */
    public static RedisBroker connect(ServerConfig config, EventLoopGroup ioGroup, ByteBufAllocator alloc) {
        try {
            return new RedisBroker(config, ioGroup, alloc);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cluster: cannot join through " + redacted(config) + ": " + e.getMessage(), e);
        }
    }

    private static String redacted(ServerConfig config) {
        return config.cluster().getScheme() + "://" + config.cluster().getHost()
                + (config.cluster().getPort() > 0 ? ":" + config.cluster().getPort() : "");
    }

    private static byte[] randomToken() {
        byte[] t = new byte[16];
        ThreadLocalRandom.current().nextBytes(t);
        return t;
    }

    /** Picks a random node id nobody holds (SET NX with the TTL). */
    private int register(RedisAsyncCommands<byte[], ByteBuf> redis) {
        for (int i = 0; i < MAX_REGISTRATION_TRIES; i++) {
            int id = ThreadLocalRandom.current().nextInt(1, RoomHub.MAX_NODE_ID + 1);
            String ok = await(redis.set(nodeKey(id), Unpooled.wrappedBuffer(tokenBytes),
                    SetArgs.Builder.nx().px(ttl.toMillis())));
            if ("OK".equals(ok)) {
                await(redis.sadd(NODES, decimal(id)));
                log.info("cluster: joined as node {} (heartbeat TTL {} ms)", id, ttl.toMillis());
                return id;
            }
        }
        throw new IllegalStateException("no free node id after " + MAX_REGISTRATION_TRIES + " tries");
    }

    private static <T> T await(RedisFuture<T> future) {
        try {
            return future.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Redis did not answer within 5 s", e);
        }
    }

    /**
     * Starts receiving (this node's channel and {@code sb:all}), learns which nodes are alive,
     * announces this node and starts the heartbeat. Blocks up to a few seconds.
     */
    public void attach(RoomHub roomHub) {
        this.hub = roomHub;
        sub.addListener(new Listener());
        try {
            sub.async().subscribe(ALL, nodeChannel(nodeId)).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cluster: cannot subscribe: " + e, e);
        }
        up = true;
        scanNodes().toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
        publish(ALL, Envelope.node(alloc, Envelope.NODE_UP, nodeId), false);
        long every = Math.max(100, ttl.toMillis() / 3);
        heartbeat = executor.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    // ---- ClusterBroker: membership (called inside the hub's per-room critical section) ----

    @Override
    public void roomOpened(String room) {
        RoomLink link = new RoomLink(room);
        links.put(room, link);
        if (up) {
            subscribe(link);
            redis.sadd(nodeRoomsKey(nodeId), value(room));
        } else {
            resync = true;
        }
    }

    /**
     * SUBSCRIBE to the room's channel; the first time, after reading the room's join sequence
     * number: whatever joins after it was read is either in the hash when it is loaded after the
     * subscription, or its JOINED arrives through the subscription. A failure leaves it to the
     * next resync.
     */
    private void subscribe(RoomLink link) {
        if (link.loaded) {
            sub.async().subscribe(link.channel).whenComplete((ok, failed) -> {
                if (failed != null) {
                    resync = true;
                }
            });
            return;
        }
        redis.hget(link.key, SEQ_FIELD).whenComplete((seq, e) -> {
            if (e != null) {
                resync = true;
                return;
            }
            link.baseSeq = seq == null ? 0 : parseSeq(seq);
            sub.async().subscribe(link.channel).whenComplete((ok, failed) -> {
                if (failed != null) {
                    resync = true;
                }
            });
        });
    }

    @Override
    public void roomClosed(String room) {
        RoomLink link = links.remove(room);
        if (link != null) {
            release(link); // whatever was held (at least the LEFT of the last member) goes out now
        }
        if (link != null && up) {
            sub.async().unsubscribe(link.channel);
            redis.srem(nodeRoomsKey(nodeId), value(room));
        }
    }

    @Override
    public CompletionStage<Void> joined(String room, Member member) {
        if (!up) {
            resync = true; // announced by the resync once the link is back
            return null;
        }
        long id = member.id();
        String name = member.name();
        return whenSubscribed(room, () -> {
            announce(roomKey(room), id, name, false).whenComplete((seq, e) -> {
                if (e != null) {
                    resync = true;
                }
            });
            publish(roomChannel(room), Envelope.presence(alloc, Envelope.JOINED, nodeId, room, id, name), false);
        });
    }

    @Override
    public void left(String room, Member member) {
        Presence p = new Presence(room, member.id(), member.name());
        if (!up) {
            unsentLefts.add(p);
            resync = true;
            return;
        }
        whenSubscribed(room, () -> sendLeft(p));
    }

    /**
     * Runs a presence write now (returning {@code null}), or once the room's first SUBSCRIBE is
     * confirmed, in call order (returning the stage that completes then).
     */
    private CompletionStage<Void> whenSubscribed(String room, Runnable write) {
        RoomLink link = links.get(room);
        if (link != null) {
            synchronized (link) {
                if (link.held != null) {
                    link.held.add(write);
                    return link.ready;
                }
            }
        }
        write.run();
        return null;
    }

    /** The room's subscription is confirmed: the held presence writes go out, in order. */
    private static void release(RoomLink link) {
        synchronized (link) {
            List<Runnable> held = link.held;
            link.held = null;
            if (held != null) {
                held.forEach(Runnable::run);
            }
        }
        link.ready.complete(null);
    }

    private RedisFuture<Long> announce(byte[] key, long session, String name, boolean onlyIfAbsent) {
        return redis.eval(ANNOUNCE, ScriptOutputType.INTEGER, new byte[][] {key}, decimal(session), value(name),
                onlyIfAbsent ? ONLY_IF_ABSENT : ALWAYS);
    }

    private RedisFuture<Long> retract(byte[] key, long session) {
        return redis.eval(RETRACT, ScriptOutputType.INTEGER, new byte[][] {key}, decimal(session));
    }

    /** A member entry of a room hash: {@code "<seq> <name>"}. */
    private record Entry(long seq, String name) {
        static Entry parse(ByteBuf value) {
            String s = value.toString(StandardCharsets.UTF_8);
            int space = s.indexOf(' ');
            if (space < 0) {
                throw new NumberFormatException("no sequence number in '" + s + "'");
            }
            return new Entry(Long.parseLong(s.substring(0, space)), s.substring(space + 1));
        }
    }

    private static long parseSeq(ByteBuf value) {
        return Long.parseLong(value.toString(StandardCharsets.US_ASCII));
    }

    /** Reads a room hash's member entries (the counter field is skipped). */
    private RedisFuture<Long> readMembers(byte[] key, Map<Long, Entry> into) {
        return redis.hgetall((field, value) -> {
            if (field.length == 1 && field[0] == '#') {
                return;
            }
            try {
                into.put(Long.parseLong(new String(field, StandardCharsets.US_ASCII)), Entry.parse(value));
            } catch (NumberFormatException e) {
                malformed.increment();
            }
        }, key);
    }

    private void sendLeft(Presence p) {
        retract(roomKey(p.room), p.session).whenComplete((n, e) -> {
            if (e != null) {
                unsentLefts.add(p);
                resync = true;
            }
        });
        publish(roomChannel(p.room), Envelope.presence(alloc, Envelope.LEFT, nodeId, p.room, p.session, p.name), false);
    }

    // ---- ClusterBroker: forwarding ----

    @Override
    public boolean forwardToRoom(String room, Event event) {
        if (!up) {
            failed.increment();
            return false;
        }
        RoomLink link = links.get(room);
        publish(link != null ? link.channel : roomChannel(room), Envelope.event(alloc, nodeId, event, 0), true);
        return true;
    }

    @Override
    public boolean forwardToAll(Event event) {
        if (!up) {
            failed.increment();
            return false;
        }
        publish(ALL, Envelope.event(alloc, nodeId, event, 0), true);
        return true;
    }

    @Override
    public SessionRoute forwardToSession(long sessionId, Event event) {
        int node = RoomHub.nodeOf(sessionId);
        if (!alive(node)) {
            return SessionRoute.NO_SUCH_NODE;
        }
        if (!up) {
            failed.increment();
            return SessionRoute.NOT_FORWARDED;
        }
        ByteBuf envelope = Envelope.event(alloc, nodeId, event, sessionId);
        boolean peerAck = Flags.has(event.flags(), Flags.PEER_ACK);
        int relayId = event.requestId();
        redis.publish(nodeChannel(node), envelope).whenComplete((receivers, e) -> {
            envelope.release();
            if (e != null || receivers == 0) {
                failed.increment();
                if (peerAck && hub != null) {
                    // The publisher learns now rather than at its timeout: 309 if the link failed,
                    // 305 if the node went away in the meantime.
                    hub.remotePeerRefused(relayId, sessionId, e != null ? ErrorCode.NOT_FORWARDED : ErrorCode.UNKNOWN_SESSION);
                }
            } else {
                forwarded.increment();
            }
        });
        return SessionRoute.FORWARDED;
    }

    @Override
    public void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code) {
        if (!up) {
            failed.increment();
            return;
        }
        publish(nodeChannel(originNode), Envelope.refused(alloc, nodeId, originRelayId, recipientId, code.code()), false);
    }

    @Override
    public void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload) {
        if (!up) {
            payload.release();
            failed.increment();
            return;
        }
        publish(nodeChannel(originNode), Envelope.peerAck(alloc, nodeId, originRelayId, recipientId, payload), true);
    }

    /** PUBLISH, releasing the envelope when done; counts events (not control messages). */
    private void publish(byte[] channel, ByteBuf envelope, boolean countIt) {
        redis.publish(channel, envelope).whenComplete((receivers, e) -> {
            envelope.release();
            if (countIt) {
                (e == null ? forwarded : failed).increment();
            }
            if (e != null) {
                log.debug("cluster: publish failed: {}", e.toString());
            }
        });
    }

    @Override
    public boolean isLocal(long sessionId) {
        return RoomHub.nodeOf(sessionId) == nodeId;
    }

    @Override
    public void remoteMembers(String room, List<MemberInfo> into) {
        RoomLink link = links.get(room);
        if (link != null) {
            for (Map.Entry<Long, String> e : link.remote.entrySet()) {
                into.add(new MemberInfo(e.getKey(), e.getValue()));
            }
        }
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    private boolean alive(int node) {
        if (node == nodeId) {
            return true;
        }
        Long seen = lastSeen.get(node);
        return seen != null && System.nanoTime() - seen < ttl.toNanos() + ttl.toNanos() / 3;
    }

    // ---- state for /readyz and /metrics ----

    /** Whether the link to Redis is up (both connections open and the last heartbeat answered). */
    @Override
    public boolean isUp() {
        return up;
    }

    /** Events (and peer acks) handed to Redis for other nodes. */
    @Override
    public long forwarded() {
        return forwarded.sum();
    }

    /** Events (and peer acks) that could not be forwarded: link down, rejected or lost in a reconnect. */
    @Override
    public long forwardFailed() {
        return failed.sum();
    }

    /** Envelopes received from other nodes. */
    @Override
    public long received() {
        return received.sum();
    }

    /** Envelopes that could not be read (a node of another version?). */
    public long malformed() {
        return malformed.sum();
    }

    /** Members of dead nodes this node removed as the elected reaper. */
    public long reaped() {
        return reaped.sum();
    }

    /** Nodes alive now, this one included. */
    @Override
    public int nodesAlive() {
        int n = 1;
        for (Integer node : lastSeen.keySet()) {
            if (node != nodeId && alive(node)) {
                n++;
            }
        }
        return n;
    }

    // ---- receiving ----

    private final class Listener extends RedisPubSubAdapter<byte[], byte[]> {
        private final Envelope.EventHead head = new Envelope.EventHead();

        @Override
        public void message(byte[] channel, byte[] message) {
            RoomHub h = hub;
            if (h == null || closed) {
                return;
            }
            ByteBuf in = Unpooled.wrappedBuffer(message);
            try {
                int kind = Envelope.kind(in);
                int origin = Envelope.origin(in);
                if (origin == nodeId) {
                    return;
                }
                received.increment();
                switch (kind) {
                    case Envelope.EVENT -> event(h, in, origin);
                    case Envelope.JOINED, Envelope.LEFT -> presence(h, kind, Envelope.readPresence(in));
                    case Envelope.PEER_ACK -> {
                        Envelope.need(in, 12);
                        int relay = in.readInt();
                        long recipient = in.readLong();
                        h.remotePeerAck(relay, recipient, in.readRetainedSlice(in.readableBytes()));
                    }
                    case Envelope.REFUSED -> {
                        Envelope.need(in, 12);
                        int relay = in.readInt();
                        long recipient = in.readLong();
                        ErrorCode code = in.readableBytes() >= 2 ? ErrorCode.of(in.readUnsignedShort()) : null;
                        h.remotePeerRefused(relay, recipient, code != null ? code : ErrorCode.UNKNOWN_SESSION);
                    }
                    case Envelope.NODE_UP -> lastSeen.put(origin, System.nanoTime());
                    case Envelope.NODE_DOWN -> {
                        // Its members' LEFT came before this; direct events to it now fail at once (305).
                        lastSeen.remove(origin);
                        prune();
                    }
                    default -> throw new Envelope.MalformedEnvelopeException("unknown kind " + kind);
                }
            } catch (Envelope.MalformedEnvelopeException | IndexOutOfBoundsException e) {
                malformed.increment();
                log.debug("cluster: malformed envelope on {}: {}", new String(channel, StandardCharsets.UTF_8), e.toString());
            } finally {
                in.release();
            }
        }

        private void event(RoomHub h, ByteBuf in, int origin) {
            Event event = Envelope.readEvent(in, head);
            switch (event.target()) {
                case ROOM -> h.deliverRemoteRoom(event.room(), event);
                case ALL -> h.deliverRemoteAll(event);
                default -> {
                    long recipient = head.recipient;
                    boolean peerAck = Flags.has(event.flags(), Flags.PEER_ACK);
                    int relay = event.requestId();
                    if (!h.deliverRemoteSession(recipient, event, origin, peerAckTimeout, executor) && peerAck) {
                        publish(nodeChannel(origin), Envelope.refused(alloc, nodeId, relay, recipient), false);
                    }
                }
            }
        }

        private void presence(RoomHub h, int kind, Envelope.PresenceNotice notice) {
            RoomLink link = links.get(notice.room());
            if (link == null || isLocal(notice.session())) {
                return;
            }
            if (kind == Envelope.JOINED) {
                if (link.remote.put(notice.session(), notice.name()) == null) {
                    h.deliverRemotePresence(Opcode.JOINED, notice.room(), notice.session(), notice.name());
                }
            } else {
                if (link.loading) {
                    link.departed.add(notice.session());
                }
                if (link.remote.remove(notice.session()) != null) {
                    h.deliverRemotePresence(Opcode.LEFT, notice.room(), notice.session(), notice.name());
                }
            }
        }

        @Override
        public void subscribed(byte[] channel, long count) {
            String name = new String(channel, StandardCharsets.UTF_8);
            if (name.startsWith("sb:r:")) {
                RoomLink link = links.get(name.substring(5));
                if (link != null) {
                    release(link);
                    load(link);
                }
            }
        }
    }

    /**
     * Reads the room's members hash after (re)subscribing. The first load only fills the mirror
     * (a member is not told about those who were there before it joined); later loads, after an
     * outage, tell local members about who joined meanwhile, and mark who is missing as a suspect
     * to be removed at the next tick if still missing (so that a Redis restart, which empties the
     * hash until the nodes re-announce, does not make everybody leave and rejoin).
     */
    private void load(RoomLink link) {
        link.departed.clear();
        link.loading = true;
        Map<Long, Entry> found = new HashMap<>();
        readMembers(link.key, found).whenComplete((n, e) -> {
            link.loading = false;
            if (e != null || links.get(link.room) != link) {
                return;
            }
            RoomHub h = hub;
            boolean reload = link.loaded;
            for (Map.Entry<Long, Entry> m : found.entrySet()) {
                long session = m.getKey();
                String name = m.getValue().name();
                if (isLocal(session) || !alive(RoomHub.nodeOf(session)) || link.departed.contains(session)) {
                    continue;
                }
                // First load: only those who joined after this node's first member are news to it.
                boolean announce = reload || m.getValue().seq() > link.baseSeq;
                if (link.remote.putIfAbsent(session, name) == null && announce) {
                    h.deliverRemotePresence(Opcode.JOINED, link.room, session, name);
                }
            }
            if (reload) {
                Set<Long> missing = new HashSet<>(link.remote.keySet());
                missing.removeAll(found.keySet());
                link.suspects = missing;
            }
            link.loaded = true;
        });
    }

    // ---- heartbeat, node liveness, resync, reaping ----

    /** Every third of the TTL, and at once on (re)connection; runs on {@link #executor}. */
    private void tick() {
        if (closed) {
            return;
        }
        if (!pub.isOpen() || !sub.isOpen()) {
            up = false;
            return;
        }
        redis.<Long>eval(HEARTBEAT, ScriptOutputType.INTEGER, new byte[][] {nodeKey},
                Unpooled.wrappedBuffer(tokenBytes), decimal(ttl.toMillis())).whenComplete((result, e) -> {
                    if (e != null) {
                        up = false;
                        log.debug("cluster: heartbeat failed: {}", e.toString());
                        return;
                    }
                    if (result == 0) {
                        up = false;
                        log.error("cluster: node id {} is held by another node; not forwarding", nodeId);
                        return;
                    }
                    if (result == 2) {
                        // Our key had expired (a long outage) or Redis lost its data: register again
                        // and announce every local member again.
                        log.info("cluster: node {} registered again", nodeId);
                        redis.sadd(NODES, decimal(nodeId));
                        publish(ALL, Envelope.node(alloc, Envelope.NODE_UP, nodeId), false);
                        resync = true;
                    }
                    boolean wasUp = up;
                    up = sub.isOpen();
                    if (up && !wasUp) {
                        log.info("cluster: link to Redis is up (node {})", nodeId);
                    }
                    if (up && resync) {
                        resync();
                    }
                    scanNodes().whenComplete((ok, scanFailed) -> {
                        if (scanFailed == null) {
                            prune();
                            confirmSuspects();
                        }
                    });
                });
    }

    /** Learns which registered nodes have a live heartbeat; starts reaping those that do not. */
    private java.util.concurrent.CompletionStage<Void> scanNodes() {
        List<Integer> nodes = new ArrayList<>();
        return redis.smembers(value -> {
            try {
                nodes.add(Integer.parseInt(value.toString(StandardCharsets.US_ASCII)));
            } catch (NumberFormatException e) {
                malformed.increment();
            }
        }, NODES).thenCompose(n -> {
            List<CompletableFuture<Long>> checks = new ArrayList<>();
            for (int node : nodes) {
                checks.add(node == nodeId ? CompletableFuture.completedFuture(1L)
                        : redis.exists(nodeKey(node)).toCompletableFuture());
            }
            return CompletableFuture.allOf(checks.toArray(new CompletableFuture<?>[0])).thenRun(() -> {
                long now = System.nanoTime();
                Set<Integer> live = new HashSet<>();
                for (int i = 0; i < nodes.size(); i++) {
                    int node = nodes.get(i);
                    if (checks.get(i).join() > 0) {
                        lastSeen.put(node, now);
                        live.add(node);
                    } else if (node != nodeId) {
                        lastSeen.remove(node); // its heartbeat expired: dead from now on
                        reap(node);
                    }
                }
                registered = live;
            });
        });
    }

    /** Removes from the mirrors the members of nodes no longer alive, telling local members. */
    private void prune() {
        RoomHub h = hub;
        for (RoomLink link : links.values()) {
            for (Map.Entry<Long, String> m : link.remote.entrySet()) {
                if (!alive(RoomHub.nodeOf(m.getKey())) && link.remote.remove(m.getKey(), m.getValue())) {
                    h.deliverRemotePresence(Opcode.LEFT, link.room, m.getKey(), m.getValue());
                }
            }
        }
        lastSeen.entrySet().removeIf(e -> e.getKey() != nodeId && !alive(e.getKey()));
    }

    /**
     * Second look at members a reload did not find. One whose node is registered (again) and still
     * lacks its entry left while this node was away; one whose node is not registered yet (Redis
     * restarted empty and that node has not re-announced) stays a suspect, and goes with its node
     * if that node does not come back ({@link #prune}).
     */
    private void confirmSuspects() {
        Set<Integer> live = registered;
        for (RoomLink link : links.values()) {
            Set<Long> suspects = link.suspects;
            if (suspects.isEmpty()) {
                continue;
            }
            Set<Long> decidable = new HashSet<>();
            Set<Long> pending = new HashSet<>();
            for (Long session : suspects) {
                if (!link.remote.containsKey(session)) {
                    continue; // resolved meanwhile
                }
                (live.contains(RoomHub.nodeOf(session)) ? decidable : pending).add(session);
            }
            link.suspects = pending;
            if (decidable.isEmpty()) {
                continue;
            }
            Map<Long, Entry> present = new HashMap<>();
            readMembers(link.key, present).whenComplete((n, e) -> {
                if (e != null) {
                    return;
                }
                for (Long session : decidable) {
                    String name = present.containsKey(session) ? null : link.remote.get(session);
                    if (name != null && link.remote.remove(session, name)) {
                        hub.deliverRemotePresence(Opcode.LEFT, link.room, session, name);
                    }
                }
            });
        }
    }

    /**
     * Puts this node's state back after an outage: subscriptions whose SUBSCRIBE was refused,
     * LEFT notices that could not be sent, and every local membership (a JOINED for those the
     * cluster had lost: Redis restarted empty, or a reaper removed them).
     */
    private void resync() {
        resync = false;
        RoomHub h = hub;
        for (RoomLink link : links.values()) {
            subscribe(link); // harmless if subscribed; reloads the mirror either way
            redis.sadd(nodeRoomsKey(nodeId), value(link.room));
        }
        for (Presence p; (p = unsentLefts.poll()) != null; ) {
            if (!h.hasRoom(p.room) || !isMemberById(h, p)) {
                sendLeft(p);
            }
        }
        h.forEachMembership((room, member) -> {
            RoomLink link = links.get(room);
            if (link == null) {
                return;
            }
            long id = member.id();
            String name = member.name();
            announce(link.key, id, name, true).whenComplete((seq, e) -> {
                if (e != null) {
                    resync = true;
                } else if (seq > 0) {
                    if (h.isMember(member, room)) {
                        publish(link.channel, Envelope.presence(alloc, Envelope.JOINED, nodeId, room, id, name), false);
                    } else {
                        retract(link.key, id); // left while we were writing
                    }
                }
            });
        });
    }

    private static boolean isMemberById(RoomHub h, Presence p) {
        Member m = h.session(p.session);
        return m != null && h.isMember(m, p.room);
    }

    /**
     * A node whose heartbeat expired: one survivor, elected by a SET NX lock, removes its members
     * from every room hash and publishes LEFT for each on the room's channel (with the dead node as
     * origin, so that every node delivers it), then forgets the node.
     */
    private void reap(int dead) {
        byte[] lock = bytes("sb:reap:" + dead);
        redis.set(lock, decimal(nodeId), SetArgs.Builder.nx().px(ttl.toMillis())).thenAccept(ok -> {
            if (!"OK".equals(ok)) {
                return;
            }
            log.info("cluster: node {} stopped beating; removing its members", dead);
            byte[] roomsKey = nodeRoomsKey(dead);
            List<String> rooms = new ArrayList<>();
            redis.smembers(v -> rooms.add(v.toString(StandardCharsets.UTF_8)), roomsKey).thenAccept(n -> {
                List<CompletableFuture<?>> done = new ArrayList<>();
                for (String room : rooms) {
                    done.add(reapRoom(dead, room));
                }
                CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).thenRun(() -> {
                    redis.del(roomsKey);
                    redis.srem(NODES, decimal(dead));
                });
            });
        });
    }

    private CompletableFuture<?> reapRoom(int dead, String room) {
        byte[] key = roomKey(room);
        Map<Long, Entry> entries = new HashMap<>();
        return readMembers(key, entries).toCompletableFuture().thenCompose(n -> {
            List<CompletableFuture<Long>> removals = new ArrayList<>();
            for (Map.Entry<Long, Entry> v : entries.entrySet()) {
                if (RoomHub.nodeOf(v.getKey()) != dead) {
                    continue;
                }
                removals.add(retract(key, v.getKey()).toCompletableFuture().whenComplete((removed, e) -> {
                    if (e == null && removed == 1) { // only the node that removed it tells: LEFT once
                        reaped.increment();
                        publish(roomChannel(room),
                                Envelope.presence(alloc, Envelope.LEFT, dead, room, v.getKey(), v.getValue().name()), false);
                    }
                }));
            }
            return CompletableFuture.allOf(removals.toArray(new CompletableFuture<?>[0]));
        });
    }

    // ---- lifecycle ----

    /**
     * Leaves the cluster cleanly: every local member's entry is removed and LEFT is published, the
     * node's keys are deleted, then both connections close. Waits up to a few seconds; call before
     * the event loops shut down.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        RoomHub h = hub;
        if (up && h != null) {
            List<CompletableFuture<?>> done = new ArrayList<>();
            h.forEachMembership((room, member) -> {
                done.add(retract(roomKey(room), member.id()).toCompletableFuture());
                ByteBuf left = Envelope.presence(alloc, Envelope.LEFT, nodeId, room, member.id(), member.name());
                done.add(redis.publish(roomChannel(room), left).toCompletableFuture().whenComplete((r, e) -> left.release()));
            });
            done.add(redis.del(nodeKey, nodeRoomsKey(nodeId)).toCompletableFuture());
            done.add(redis.srem(NODES, decimal(nodeId)).toCompletableFuture());
            ByteBuf down = Envelope.node(alloc, Envelope.NODE_DOWN, nodeId);
            done.add(redis.publish(ALL, down).toCompletableFuture().whenComplete((r, e) -> down.release()));
            try {
                CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0])).get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("cluster: node {} left without cleaning up (its entries expire with its heartbeat): {}",
                        nodeId, e.toString());
            }
        }
        abandon();
        log.info("cluster: node {} left", nodeId);
    }

    /**
     * Stops beating and drops both connections without telling anyone, as a crash would: the
     * other nodes notice when the heartbeat expires. For tests and for {@link #close}.
     */
    void abandon() {
        closed = true;
        up = false;
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

    // ---- names ----

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] roomChannel(String room) {
        return bytes("sb:r:" + room);
    }

    static byte[] roomKey(String room) {
        return bytes("sb:room:" + room);
    }

    static byte[] nodeKey(int node) {
        return bytes("sb:node:" + node);
    }

    static byte[] nodeRoomsKey(int node) {
        return bytes("sb:node:" + node + ":rooms");
    }

    static byte[] nodeChannel(int node) {
        return bytes("sb:n:" + node);
    }

    private static ByteBuf decimal(long n) {
        return Unpooled.wrappedBuffer(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
    }

    private static ByteBuf value(String s) {
        return Unpooled.wrappedBuffer(bytes(s));
    }
}
