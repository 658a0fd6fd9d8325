package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.server.rooms.ClusterInbound;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What arrives from the other nodes: decodes each {@link Envelope} and hands it on, events and
 * peer-ack answers to the {@link ClusterInbound}, presence to the {@link RoomSubscriptions}, node
 * announcements to the {@link NodeRegistry}. A node's own envelopes are ignored; one that cannot
 * be read is counted as malformed and dropped, never thrown to the connection.
 */
final class InboundDispatch {
    private static final Logger log = LogManager.getLogger(InboundDispatch.class);

    private final NodeRegistry nodes;
    private final LinkState state;
    private final RoomSubscriptions subscriptions;
    private final Forwarding forwarding;
    private final ClusterInbound inbound;
    private final Duration peerAckTimeout;
    private final EventExecutor timer;
    /** Only read on the pub/sub connection's thread, one message at a time. */
    private final Envelope.EventHead head = new Envelope.EventHead();

    InboundDispatch(NodeRegistry nodes, LinkState state, RoomSubscriptions subscriptions, Forwarding forwarding,
            ClusterInbound inbound, Duration peerAckTimeout, EventExecutor timer) {
        this.nodes = nodes;
        this.state = state;
        this.subscriptions = subscriptions;
        this.forwarding = forwarding;
        this.inbound = inbound;
        this.peerAckTimeout = peerAckTimeout;
        this.timer = timer;
    }

    /** A message on {@code channel}. */
    void message(byte[] channel, byte[] message) {
        if (state.closed) {
            return;
        }
        ByteBuf in = Unpooled.wrappedBuffer(message);
        try {
            int kind = Envelope.kind(in);
            int origin = Envelope.origin(in);
            if (origin == nodes.nodeId()) {
                return;
            }
            state.received.increment();
            switch (kind) {
                case Envelope.EVENT -> event(in, origin);
                case Envelope.JOINED, Envelope.LEFT -> subscriptions.presence(kind, Envelope.readPresence(in));
                case Envelope.PEER_ACK -> {
                    Envelope.need(in, 12);
                    int relay = in.readInt();
                    long recipient = in.readLong();
                    inbound.remotePeerAck(relay, recipient, in.readRetainedSlice(in.readableBytes()));
                }
                case Envelope.REFUSED -> {
                    Envelope.need(in, 12);
                    int relay = in.readInt();
                    long recipient = in.readLong();
                    ErrorCode code = in.readableBytes() >= 2 ? ErrorCode.of(in.readUnsignedShort()) : null;
                    inbound.remotePeerRefused(relay, recipient, code != null ? code : ErrorCode.UNKNOWN_SESSION);
                }
                case Envelope.SELECTED -> {
                    Envelope.SelectedEvent selected = Envelope.readSelected(in);
                    inbound.deliverRemoteSelected(selected.selection(), selected.event());
                }
                case Envelope.MESSAGE -> {
                    String topic = Envelope.readString(in);
                    inbound.deliverRemoteMessage(origin, topic, in);
                }
                case Envelope.NODE_UP -> nodes.nodeUp(origin);
                case Envelope.NODE_DOWN -> {
                    // Its members' LEFT came before this; direct events to it now fail at once (305).
                    nodes.nodeDown(origin);
                    subscriptions.prune();
                }
                default -> throw new Envelope.MalformedEnvelopeException("unknown kind " + kind);
            }
        } catch (Envelope.MalformedEnvelopeException | IndexOutOfBoundsException e) {
            state.malformed.increment();
            log.debug("cluster: malformed envelope on {}: {}", new String(channel, StandardCharsets.UTF_8), e.toString());
        } finally {
            in.release();
        }
    }

    private void event(ByteBuf in, int origin) {
        Event event = Envelope.readEvent(in, head);
        switch (event.target()) {
            case ROOM -> inbound.deliverRemoteRoom(event.room(), event);
            case ALL -> inbound.deliverRemoteAll(event);
            default -> {
                long recipient = head.recipient;
                boolean peerAck = Flags.has(event.flags(), Flags.PEER_ACK);
                int relay = event.requestId();
                if (!inbound.deliverRemoteSession(recipient, event, origin, peerAckTimeout, timer) && peerAck) {
                    forwarding.noSuchSession(origin, relay, recipient);
                }
            }
        }
    }

    /** Redis confirmed a SUBSCRIBE to {@code channel}. */
    void subscribed(byte[] channel) {
        subscriptions.subscribed(new String(channel, StandardCharsets.UTF_8));
    }
}
