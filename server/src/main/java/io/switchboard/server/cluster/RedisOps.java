package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The Redis commands the parts of a {@link RedisBroker} use, by what they mean rather than by
 * command (the key and channel names are {@link Names}'). {@link LettuceOps} issues them; unit
 * tests use a fake. No method blocks; a stage fails when the command does (link down included).
 */
interface RedisOps {
    /** PUBLISH; the caller keeps ownership of {@code message}. Completes with the number of receivers. */
    CompletionStage<Long> publish(byte[] channel, ByteBuf message);

    /**
     * Adds a member to a room's hash with the room's next join sequence number. Completes with that
     * number, or 0 when {@code onlyIfAbsent} and the member was there already.
     */
    CompletionStage<Long> announce(String room, long session, String name, boolean onlyIfAbsent);

    /** Removes a member from a room's hash (and the hash with its last member): 1 if it was there. */
    CompletionStage<Long> retract(String room, long session);

    /** A room's member entries by session id (entries that cannot be read are counted as malformed and skipped). */
    CompletionStage<Map<Long, MemberEntry>> members(String room);

    /** A room's join sequence counter now (0 if the room has none). */
    CompletionStage<Long> joinSequence(String room);

    /** SUBSCRIBE on the pub/sub connection; {@link InboundDispatch#subscribed} follows when confirmed. */
    CompletionStage<Void> subscribe(byte[] channel);

    void unsubscribe(byte[] channel);

    /** Records that {@code node} has members in {@code room} (for the reaper), or no longer has. */
    void nodeRoom(int node, String room, boolean add);

    /** The rooms {@code node} recorded. */
    CompletionStage<List<String>> nodeRooms(int node);

    /** The registered node ids (the set), unreadable entries counted as malformed. */
    CompletionStage<List<Integer>> nodes();

    /** Whether a node's heartbeat key exists. */
    CompletionStage<Boolean> beating(int node);

    /** Creates a node's heartbeat key if nobody holds it (SET NX PX), and registers the node: whether it did. */
    CompletionStage<Boolean> claim(int node, byte[] token, long ttlMillis);

    /** Refreshes a node's heartbeat: 0 = the key is another node's, 1 = refreshed, 2 = created again (and the node registered again). */
    CompletionStage<Long> heartbeat(int node, byte[] token, long ttlMillis);

    /** The reaper election: SET NX PX of the dead node's lock, whether {@code by} got it. */
    CompletionStage<Boolean> reapLock(int dead, int by, long ttlMillis);

    /** Deletes a node's rooms set (and its heartbeat key if {@code heartbeatKey}) and removes it from the node set. */
    CompletionStage<Void> forget(int node, boolean heartbeatKey);

    /** Whether both connections are open. */
    boolean open();
}
