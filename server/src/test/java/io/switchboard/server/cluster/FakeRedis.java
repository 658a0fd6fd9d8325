package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An in-memory {@link RedisOps} for the broker's parts: room hashes, node sets, locks, and what was
 * published (copied; the caller still releases). Every stage completes at once, or fails while
 * {@link #down}. Single-threaded: for unit tests only.
 */
final class FakeRedis implements RedisOps {
    /** A PUBLISH: the channel and a copy of the message. */
    record Published(String channel, byte[] message) {
    }

    boolean down;
    /** The receivers a PUBLISH reports (0: nobody subscribed). */
    long receivers = 1;
    final List<Published> published = new ArrayList<>();
    final Map<String, Map<Long, MemberEntry>> rooms = new HashMap<>();
    final Map<String, Long> sequences = new HashMap<>();
    final Set<String> subscribed = new HashSet<>();
    final Map<Integer, Set<String>> nodeRooms = new HashMap<>();
    final Set<Integer> nodes = new HashSet<>();
    final Set<Integer> beating = new HashSet<>();
    final Set<Integer> locks = new HashSet<>();
    /** Whether another node holds this node's heartbeat key (the heartbeat answers 0). */
    boolean keyHeldByAnother;

    private <T> CompletionStage<T> answer(T value) {
        return down ? CompletableFuture.failedFuture(new IllegalStateException("link down"))
                : CompletableFuture.completedFuture(value);
    }

    /** The published messages' channels, in order. */
    List<String> channels() {
        List<String> out = new ArrayList<>();
        for (Published p : published) {
            out.add(p.channel());
        }
        return out;
    }

    @Override
    public CompletionStage<Long> publish(byte[] channel, ByteBuf message) {
        if (down) {
            return answer(0L);
        }
        published.add(new Published(new String(channel, StandardCharsets.UTF_8), ByteBufUtil.getBytes(message)));
        return answer(receivers);
    }

    @Override
    public CompletionStage<Long> announce(String room, long session, String name, boolean onlyIfAbsent) {
        if (down) {
            return answer(0L);
        }
        Map<Long, MemberEntry> hash = rooms.computeIfAbsent(room, r -> new LinkedHashMap<>());
        if (onlyIfAbsent && hash.containsKey(session)) {
            return answer(0L);
        }
        long seq = sequences.merge(room, 1L, Long::sum);
        hash.put(session, new MemberEntry(seq, name));
        return answer(seq);
    }

    @Override
    public CompletionStage<Long> retract(String room, long session) {
        if (down) {
            return answer(0L);
        }
        Map<Long, MemberEntry> hash = rooms.get(room);
        boolean removed = hash != null && hash.remove(session) != null;
        if (hash != null && hash.isEmpty()) {
            rooms.remove(room);
            sequences.remove(room);
        }
        return answer(removed ? 1L : 0L);
    }

    @Override
    public CompletionStage<Map<Long, MemberEntry>> members(String room) {
        return answer(new HashMap<>(rooms.getOrDefault(room, Map.of())));
    }

    @Override
    public CompletionStage<Long> joinSequence(String room) {
        return answer(sequences.getOrDefault(room, 0L));
    }

    @Override
    public CompletionStage<Void> subscribe(byte[] channel) {
        if (!down) {
            subscribed.add(new String(channel, StandardCharsets.UTF_8));
        }
        return answer(null);
    }

    @Override
    public void unsubscribe(byte[] channel) {
        subscribed.remove(new String(channel, StandardCharsets.UTF_8));
    }

    @Override
    public void nodeRoom(int node, String room, boolean add) {
        if (down) {
            return;
        }
        if (add) {
            nodeRooms.computeIfAbsent(node, n -> new HashSet<>()).add(room);
        } else {
            nodeRooms.getOrDefault(node, new HashSet<>()).remove(room);
        }
    }

    @Override
    public CompletionStage<List<String>> nodeRooms(int node) {
        return answer(new ArrayList<>(nodeRooms.getOrDefault(node, Set.of())));
    }

    @Override
    public CompletionStage<List<Integer>> nodes() {
        return answer(new ArrayList<>(nodes));
    }

    @Override
    public CompletionStage<Boolean> beating(int node) {
        return answer(beating.contains(node));
    }

    @Override
    public CompletionStage<Boolean> claim(int node, byte[] token, long ttlMillis) {
        if (down || beating.contains(node)) {
            return answer(false);
        }
        beating.add(node);
        nodes.add(node);
        return answer(true);
    }

    @Override
    public CompletionStage<Long> heartbeat(int node, byte[] token, long ttlMillis) {
        if (down) {
            return answer(0L);
        }
        if (keyHeldByAnother) {
            return answer(0L);
        }
        nodes.add(node); // as the script does, created or refreshed
        return answer(beating.add(node) ? 2L : 1L);
    }

    @Override
    public CompletionStage<Boolean> reapLock(int dead, int by, long ttlMillis) {
        return answer(locks.add(dead));
    }

    @Override
    public CompletionStage<Void> forget(int node, boolean heartbeatKey) {
        if (!down) {
            nodeRooms.remove(node);
            nodes.remove(node);
            if (heartbeatKey) {
                beating.remove(node);
            }
        }
        return answer(null);
    }

    @Override
    public boolean open() {
        return !down;
    }
}
