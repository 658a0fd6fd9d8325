package io.switchboard.server.rooms;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Opcode;
import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * The other half of the cluster seam: what a {@link ClusterBroker} delivers into this node (the
 * hub implements it). What other nodes send (room events, events for everyone, events for one
 * session with the peer-ack relay, presence, the answers and refusals of peer acks), and what a
 * broker putting its state back after an outage needs to read: the local memberships.
 *
 * <p>Called from the broker's threads (any thread), never from inside a {@link ClusterBroker}
 * membership call. Methods taking an {@link Event} or a payload own it from the call on.
 */
public interface ClusterInbound {
    /** An event published on another node to {@code room}: to the room's members here. */
    void deliverRemoteRoom(String room, Event event);

    /** An event for everyone published on another node: to every session here. */
    void deliverRemoteAll(Event event);

    /**
     * An event from {@code originNode} for one session here. A PEER_ACK event carries the
     * publisher node's relay id; the recipient's answer goes back through
     * {@link ClusterBroker#answerPeerAck} (or {@link ClusterBroker#refusePeerAck}); this node
     * forgets the relay after {@code timeout}, measured on {@code timer}.
     *
     * @return {@code false} if there is no such session here (the event is released)
     */
    boolean deliverRemoteSession(long sessionId, Event event, int originNode, Duration timeout, EventExecutor timer);

    /** A JOINED or LEFT about a member on another node, for this node's members of {@code room}. */
    void deliverRemotePresence(Opcode opcode, String room, long sessionId, String name);

    /**
     * The answer of a recipient on another node to a PEER_ACK event published here; takes
     * ownership of {@code payload}.
     *
     * @return {@code false} (and nothing happens) unless that relay id awaits that recipient
     */
    boolean remotePeerAck(int relayId, long recipientId, ByteBuf payload);

    /**
     * A PEER_ACK event published here will not be answered: the recipient's node has no such
     * session ({@link ErrorCode#UNKNOWN_SESSION}), the event did not get there
     * ({@link ErrorCode#NOT_FORWARDED}) or the recipient ended ({@link ErrorCode#ACK_TIMEOUT}).
     */
    void remotePeerRefused(int relayId, long recipientId, ErrorCode code);

    /** Calls {@code action} with every (room, local member) pair now; for a resync. */
    void forEachMembership(BiConsumer<String, Member> action);

    /** Whether the local session {@code sessionId} is a member of {@code room} now. */
    boolean isMember(String room, long sessionId);

    /** An event with a selection published on another node: to the members it picks here. */
    default void deliverRemoteSelected(Selection selection, Event event) {
        event.release();
    }

    /** A message on {@code topic} from {@code originNode}; {@code body} is readable during the call only. */
    default void deliverRemoteMessage(int originNode, String topic, ByteBuf body) {
    }

    /** Whether a session whose id names this node is now served by another node (it took it over). */
    default boolean movedAway(long sessionId) {
        return false;
    }

    /** Whether a session whose id names another node is served here (taken over from it). */
    default boolean adopted(long sessionId) {
        return false;
    }
}
