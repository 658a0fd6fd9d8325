package io.switchboard.server.cluster;

import static io.switchboard.server.cluster.Names.ALL;
import static io.switchboard.server.cluster.Names.nodeChannel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.server.rooms.ClusterBroker.SessionRoute;
import io.switchboard.server.rooms.ClusterInbound;
import io.switchboard.server.rooms.Selection;
import io.switchboard.server.rooms.SessionIds;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Everything this node publishes: events and peer acks for other nodes (counted as forwarded or
 * failed) and the control messages of the other parts (presence, refusals, node announcements;
 * not counted). Nothing is queued: while the link is down an event is counted as failed at once
 * and not published.
 */
final class Forwarding {
    private static final Logger log = LogManager.getLogger(Forwarding.class);

    private final RedisOps redis;
    private final NodeRegistry nodes;
    private final LinkState state;
    private final ByteBufAllocator alloc;
    private final ClusterInbound inbound;
    private final Function<String, byte[]> roomChannels;

    /** @param roomChannels a room's channel name (the subscriptions keep the open rooms' names encoded) */
    Forwarding(RedisOps redis, NodeRegistry nodes, LinkState state, ByteBufAllocator alloc, ClusterInbound inbound,
            Function<String, byte[]> roomChannels) {
        this.redis = redis;
        this.nodes = nodes;
        this.state = state;
        this.alloc = alloc;
        this.inbound = inbound;
        this.roomChannels = roomChannels;
    }

    boolean toRoom(String room, Event event) {
        if (!state.up) {
            state.failed.increment();
            return false;
        }
        publish(roomChannels.apply(room), Envelope.event(alloc, nodes.nodeId(), event, 0), true);
        return true;
    }

    boolean toAll(Event event) {
        if (!state.up) {
            state.failed.increment();
            return false;
        }
        publish(ALL, Envelope.event(alloc, nodes.nodeId(), event, 0), true);
        return true;
    }

    SessionRoute toSession(long sessionId, Event event) {
        return toSessionAt(SessionIds.nodeOf(sessionId), sessionId, event, nodes.nodeId());
    }

    /** An event for session {@code sessionId} served by {@code node}, published by a session of {@code origin}. */
    SessionRoute toSessionAt(int node, long sessionId, Event event, int origin) {
        if (!nodes.alive(node)) {
            return SessionRoute.NO_SUCH_NODE;
        }
        if (!state.up) {
            state.failed.increment();
            return SessionRoute.NOT_FORWARDED;
        }
        ByteBuf envelope = Envelope.event(alloc, origin, event, sessionId);
        boolean peerAck = Flags.has(event.flags(), Flags.PEER_ACK);
        int relayId = event.requestId();
        redis.publish(nodeChannel(node), envelope).whenComplete((receivers, e) -> {
            envelope.release();
            if (e != null || receivers == 0) {
                state.failed.increment();
                if (peerAck && origin == nodes.nodeId()) {
                    // The publisher learns now rather than at its timeout: 309 if the link failed,
                    // 305 if the node went away in the meantime.
                    inbound.remotePeerRefused(relayId, sessionId,
                            e != null ? ErrorCode.NOT_FORWARDED : ErrorCode.UNKNOWN_SESSION);
                }
            } else {
                state.forwarded.increment();
            }
        });
        return SessionRoute.FORWARDED;
    }

    /** An event for a selection, to every other node on {@code sb:all}. */
    boolean selected(Selection selection, Event event) {
        if (!state.up) {
            state.failed.increment();
            return false;
        }
        ByteBuf envelope;
        try {
            envelope = Envelope.selected(alloc, nodes.nodeId(), selection, event);
        } catch (IllegalArgumentException e) { // more than 65,535 rooms or sessions in a list
            state.failed.increment();
            log.debug("cluster: selection not forwarded: {}", e.getMessage());
            return false;
        }
        publish(ALL, envelope, true);
        return true;
    }

    /** A MESSAGE on {@code topic} to every other node ({@code node} 0) or to one; takes ownership of {@code body}. */
    boolean message(int node, String topic, ByteBuf body) {
        if (!state.up || node != 0 && !nodes.alive(node)) {
            body.release();
            return false;
        }
        publish(node == 0 ? ALL : nodeChannel(node), Envelope.message(alloc, nodes.nodeId(), topic, body), false);
        return true;
    }

    void answerPeerAck(int originNode, int originRelayId, long recipientId, ByteBuf payload) {
        if (!state.up) {
            payload.release();
            state.failed.increment();
            return;
        }
        publish(nodeChannel(originNode), Envelope.peerAck(alloc, nodes.nodeId(), originRelayId, recipientId, payload), true);
    }

    void refusePeerAck(int originNode, int originRelayId, long recipientId, ErrorCode code) {
        if (!state.up) {
            state.failed.increment();
            return;
        }
        publish(nodeChannel(originNode),
                Envelope.refused(alloc, nodes.nodeId(), originRelayId, recipientId, code.code()), false);
    }

    /** A PEER_ACK event from {@code originNode} found no such session here: its publisher gets 305 now. */
    void noSuchSession(int originNode, int originRelayId, long recipientId) {
        publish(nodeChannel(originNode), Envelope.refused(alloc, nodes.nodeId(), originRelayId, recipientId), false);
    }

    /** A JOINED or LEFT of a local member on the room's channel. */
    void presence(int kind, String room, long session, String name) {
        publish(roomChannels.apply(room), Envelope.presence(alloc, kind, nodes.nodeId(), room, session, name), false);
    }

    /**
     * PUBLISH, releasing the envelope when done; counts it ({@code countIt}: an event or a peer
     * ack, not a control message) as forwarded or failed.
     */
    void publish(byte[] channel, ByteBuf envelope, boolean countIt) {
        redis.publish(channel, envelope).whenComplete((receivers, e) -> {
            envelope.release();
            if (countIt) {
                (e == null ? state.forwarded : state.failed).increment();
            }
            if (e != null) {
                log.debug("cluster: publish failed: {}", e.toString());
            }
        });
    }
}
