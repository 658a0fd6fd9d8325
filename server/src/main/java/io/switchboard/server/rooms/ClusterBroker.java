package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The seam between the {@link RoomHub} and the other nodes of a cluster, the hub's side of it:
 * what the hub tells the other nodes. What they send comes back through the other side,
 * {@link ClusterInbound}, which the hub implements; what {@code /readyz} and {@code /metrics}
 * show is the {@link ClusterStatus} part. A hub without a broker (a single node) never calls
 * anything here: its hot path has one null check more, nothing else.
 *
 * <p>The hub calls {@link #roomOpened}, {@link #roomClosed}, {@link #joined} and {@link #left}
 * while it holds the room's entry in its map, so that for one room these calls arrive in the
 * order the membership changed; implementations must therefore not block and must not call back
 * into the hub from them. Every other method may be called from any thread at any time.
 */
public interface ClusterBroker extends ClusterStatus {
    /** The first local member of {@code room} arrived: start receiving the room's traffic. */
    void roomOpened(String room);

    /** The last local member left {@code room}: stop receiving its traffic. */
    void roomClosed(String room);

    /**
     * A local member joined {@code room} (after {@link #roomOpened} when it is the first).
     *
     * @return {@code null}, or while this node does not yet receive the room's traffic from the
     *     other nodes, a stage completing once it does (or once that is given up on)
     */
    CompletionStage<Void> joined(String room, Member member);

    /** A local member left {@code room} (before {@link #roomClosed} when it was the last). */
    void left(String room, Member member);

    /**
     * Forwards a room event published on this node to the other nodes. The caller keeps
     * ownership of {@code event}; the broker retains what it keeps.
     *
     * @return {@code false} if it could not be forwarded (the link is down); that is counted
     */
    boolean forwardToRoom(String room, Event event);

    /** Forwards an event for every session to the other nodes; like {@link #forwardToRoom}. */
    boolean forwardToAll(Event event);

    /** What became of an event for a session on another node. */
    enum SessionRoute {
        /** Handed to the link towards the session's node. */
        FORWARDED,
        /** The session's node is not part of the cluster (never was, or its heartbeat expired). */
        NO_SUCH_NODE,
        /** The link is down; counted. */
        NOT_FORWARDED
    }

    /**
     * Forwards an event to a session of another node ({@link #isLocal} is false for its id). A
     * PEER_ACK event carries this node's relay id; the answer comes back through
     * {@link ClusterInbound#remotePeerAck} or {@link ClusterInbound#remotePeerRefused}.
     */
    SessionRoute forwardToSession(long sessionId, Event event);

    /**
     * Sends a local recipient's answer to a PEER_ACK event back to the publisher's node; takes
     * ownership of {@code payload}.
     */
    void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload);

    /**
     * Tells the publisher's node that a local recipient will not answer a PEER_ACK event (it
     * ended, or its slow-consumer policy dropped the event): the publisher gets {@code code} now.
     */
    void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code);

    /**
     * Forwards an event with a {@link Selection} (several rooms, exceptions) to every other node,
     * each of which hands it to the members the selection picks there. The caller keeps ownership
     * of {@code event}.
     *
     * @return {@code false} if it could not be forwarded (the link is down); that is counted
     */
    default boolean forwardSelected(Selection selection, Event event) {
        return false;
    }

    /**
     * Forwards an event to session {@code sessionId} on {@code node} (which took the session over
     * from this node), with {@code origin} as the publisher's node. Like {@link #forwardToSession}.
     */
    default SessionRoute forwardToSessionAt(int node, long sessionId, Event event, int origin) {
        return SessionRoute.NOT_FORWARDED;
    }

    /**
     * Sends a message on {@code topic} to every other node ({@link ClusterInbound#deliverRemoteMessage});
     * takes ownership of {@code body}.
     *
     * @return {@code false} if it could not be sent (the link is down)
     */
    default boolean sendToAll(String topic, ByteBuf body) {
        body.release();
        return false;
    }

    /** Sends a message on {@code topic} to one node; like {@link #sendToAll}. */
    default boolean sendToNode(int node, String topic, ByteBuf body) {
        body.release();
        return false;
    }

    /** The other nodes alive now. */
    default java.util.Set<Integer> otherNodes() {
        return java.util.Set.of();
    }

    /** Whether a session id belongs to this node. */
    boolean isLocal(long sessionId);

    /** Adds the members of {@code room} on other nodes to {@code into}. */
    void remoteMembers(String room, List<MemberInfo> into);

    /** This node's id: the high bits of its session ids. */
    int nodeId();
}
