package io.switchboard.server.cluster;

import static io.switchboard.server.cluster.Names.ALL;
import static io.switchboard.server.cluster.Names.NODES;
import static io.switchboard.server.cluster.Names.decimal;
import static io.switchboard.server.cluster.Names.nodeKey;
import static io.switchboard.server.cluster.Names.nodeRoomsKey;
import static io.switchboard.server.cluster.Names.roomKey;
import static io.switchboard.server.cluster.Names.value;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/** {@link RedisOps} over Lettuce: one connection to publish and command, one for pub/sub. */
final class LettuceOps implements RedisOps {
    /**
     * Refreshes this node's heartbeat if the key is ours or gone: 0 = held by another node, 1 =
     * refreshed, 2 = created again. Either way the node is put back in the set of nodes (KEYS[2],
     * ARGV[3]) in the same step: a heartbeat whose answer is lost (it timed out on a path that
     * came back) must not leave the node out of the set, where no other node would scan it again.
     */
    private static final String HEARTBEAT = "local v = redis.call('GET', KEYS[1]) "
            + "if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
            + "redis.call('SADD', KEYS[2], ARGV[3]) return 2 end "
            + "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
            + "redis.call('SADD', KEYS[2], ARGV[3]) return 1 end return 0";
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
    private static final byte[] SEQ_FIELD = Names.bytes("#");
    private static final ByteBuf ONLY_IF_ABSENT = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(Names.bytes("1")));
    private static final ByteBuf ALWAYS = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(Names.bytes("0")));

    private final StatefulRedisConnection<byte[], ByteBuf> pub;
    private final StatefulRedisPubSubConnection<byte[], byte[]> sub;
    private final RedisAsyncCommands<byte[], ByteBuf> redis;
    private final LongAdder malformed;

    LettuceOps(StatefulRedisConnection<byte[], ByteBuf> pub, StatefulRedisPubSubConnection<byte[], byte[]> sub,
            LongAdder malformed) {
        this.pub = pub;
        this.sub = sub;
        this.redis = pub.async();
        this.malformed = malformed;
    }

    @Override
    public CompletionStage<Long> publish(byte[] channel, ByteBuf message) {
        return redis.publish(channel, message);
    }

    @Override
    public CompletionStage<Long> announce(String room, long session, String name, boolean onlyIfAbsent) {
        return redis.eval(ANNOUNCE, ScriptOutputType.INTEGER, new byte[][] {roomKey(room)}, decimal(session),
                value(name), onlyIfAbsent ? ONLY_IF_ABSENT : ALWAYS);
    }

    @Override
    public CompletionStage<Long> retract(String room, long session) {
        return redis.eval(RETRACT, ScriptOutputType.INTEGER, new byte[][] {roomKey(room)}, decimal(session));
    }

    @Override
    public CompletionStage<Map<Long, MemberEntry>> members(String room) {
        Map<Long, MemberEntry> into = new HashMap<>();
        return redis.hgetall((field, value) -> {
            if (field.length == 1 && field[0] == '#') {
                return;
            }
            try {
                into.put(Long.parseLong(new String(field, StandardCharsets.US_ASCII)), MemberEntry.parse(value));
            } catch (NumberFormatException e) {
                malformed.increment();
            }
        }, roomKey(room)).thenApply(n -> into);
    }

    @Override
    public CompletionStage<Long> joinSequence(String room) {
        return redis.hget(roomKey(room), SEQ_FIELD)
                .thenApply(seq -> seq == null ? 0L : Long.parseLong(seq.toString(StandardCharsets.US_ASCII)));
    }

    @Override
    public CompletionStage<Void> subscribe(byte[] channel) {
        return sub.async().subscribe(channel);
    }

    @Override
    public void unsubscribe(byte[] channel) {
        sub.async().unsubscribe(channel);
    }

    @Override
    public void nodeRoom(int node, String room, boolean add) {
        if (add) {
            redis.sadd(nodeRoomsKey(node), value(room));
        } else {
            redis.srem(nodeRoomsKey(node), value(room));
        }
    }

    @Override
    public CompletionStage<List<String>> nodeRooms(int node) {
        List<String> rooms = new ArrayList<>();
        return redis.smembers(v -> rooms.add(v.toString(StandardCharsets.UTF_8)), nodeRoomsKey(node))
                .thenApply(n -> rooms);
    }

    @Override
    public CompletionStage<List<Integer>> nodes() {
        List<Integer> nodes = new ArrayList<>();
        return redis.smembers(v -> {
            try {
                nodes.add(Integer.parseInt(v.toString(StandardCharsets.US_ASCII)));
            } catch (NumberFormatException e) {
                malformed.increment();
            }
        }, NODES).thenApply(n -> nodes);
    }

    @Override
    public CompletionStage<Boolean> beating(int node) {
        return redis.exists(nodeKey(node)).thenApply(n -> n > 0);
    }

    @Override
    public CompletionStage<Boolean> claim(int node, byte[] token, long ttlMillis) {
        return redis.set(nodeKey(node), Unpooled.wrappedBuffer(token), SetArgs.Builder.nx().px(ttlMillis))
                .thenCompose(ok -> "OK".equals(ok)
                        ? redis.sadd(NODES, decimal(node)).thenApply(n -> true)
                        : java.util.concurrent.CompletableFuture.completedFuture(false));
    }

    @Override
    public CompletionStage<Long> heartbeat(int node, byte[] token, long ttlMillis) {
        return redis.<Long>eval(HEARTBEAT, ScriptOutputType.INTEGER, new byte[][] {nodeKey(node), NODES},
                Unpooled.wrappedBuffer(token), decimal(ttlMillis), decimal(node));
    }

    @Override
    public CompletionStage<Boolean> reapLock(int dead, int by, long ttlMillis) {
        return redis.set(Names.reapLock(dead), decimal(by), SetArgs.Builder.nx().px(ttlMillis)).thenApply("OK"::equals);
    }

    @Override
    public CompletionStage<Void> forget(int node, boolean heartbeatKey) {
        return (heartbeatKey ? redis.del(nodeKey(node), nodeRoomsKey(node)) : redis.del(nodeRoomsKey(node)))
                .thenCompose(n -> redis.srem(NODES, decimal(node))).thenApply(n -> null);
    }

    @Override
    public boolean open() {
        return pub.isOpen() && sub.isOpen();
    }

    /** For the channels every node subscribes to at start. */
    CompletionStage<Void> subscribeNode(int node) {
        return sub.async().subscribe(ALL, Names.nodeChannel(node));
    }
}
