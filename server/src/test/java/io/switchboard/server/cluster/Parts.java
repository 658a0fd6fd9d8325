package io.switchboard.server.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.switchboard.server.rooms.RoomHub;
import java.time.Duration;

/** A broker's parts wired as {@link RedisBroker} wires them, over a {@link FakeRedis} and a clock the test moves. */
final class Parts {
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    static final int SELF = 10;
    static final Duration TTL = Duration.ofSeconds(3);

    long now = 1_000_000_000L;
    final FakeRedis redis = new FakeRedis();
    final LinkState state = new LinkState();
    final NodeRegistry nodes = new NodeRegistry(SELF, TTL, () -> now);
    final RecordingInbound inbound = new RecordingInbound();
    final RoomSubscriptions subscriptions = new RoomSubscriptions(redis, nodes, state, inbound);
    final Forwarding forwarding = new Forwarding(redis, nodes, state, ALLOC, inbound, subscriptions::channel);
    final InboundDispatch dispatch;
    final Reaper reaper;
    final Resync resync;
    final Heartbeat heartbeat;

    Parts() {
        state.up = true;
        subscriptions.publishWith(forwarding);
        dispatch = new InboundDispatch(nodes, state, subscriptions, forwarding, inbound, Duration.ofSeconds(5),
                ImmediateEventExecutor.INSTANCE);
        reaper = new Reaper(redis, nodes, state, forwarding, ALLOC, TTL);
        resync = new Resync(redis, nodes, state, subscriptions, forwarding, inbound);
        heartbeat = new Heartbeat(redis, nodes, state, subscriptions, forwarding, reaper, resync, ALLOC, new byte[16], TTL);
    }

    /** A session id on {@code node}. */
    static long session(int node, long n) {
        return (long) node << RoomHub.NODE_SHIFT | n;
    }

    /** An envelope's bytes, as Redis hands them over; releases {@code envelope}. */
    static byte[] bytes(ByteBuf envelope) {
        try {
            return ByteBufUtil.getBytes(envelope);
        } finally {
            envelope.release();
        }
    }

    /** Hands an envelope to the dispatch as if it came on {@code channel}; releases {@code envelope}. */
    void receive(String channel, ByteBuf envelope) {
        dispatch.message(Names.bytes(channel), bytes(envelope));
    }

    /** The kind and origin of a published message, as "kind@origin". */
    static String head(byte[] message) {
        ByteBuf in = Unpooled.wrappedBuffer(message);
        int kind = Envelope.kind(in);
        return kind + "@" + Envelope.origin(in);
    }

    /** The presence notice in a published JOINED or LEFT. */
    static Envelope.PresenceNotice presence(byte[] message) {
        ByteBuf in = Unpooled.wrappedBuffer(message);
        Envelope.kind(in);
        Envelope.origin(in);
        return Envelope.readPresence(in);
    }
}
