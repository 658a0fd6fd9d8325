package io.switchboard.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Leave;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.server.Listener;
import io.switchboard.server.launch.Server;
import io.switchboard.server.testing.FramedTestConnection;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A bare framed-protocol client of one cluster node for the cluster tests: common's codec on a
 * Netty bootstrap. Events arrive as {@link Received} (payload copied out, so nothing needs
 * releasing), acks as {@link Acked}, everything else as the frame.
 */
final class NodeClient implements AutoCloseable {
    /** An EVENT with its payload as text. */
    record Received(int requestId, int flags, long sender, Target target, String room, String event, String text) {
    }

    /** An ACK with its payload as text. */
    record Acked(int requestId, String text) {
    }

    private final FramedTestConnection connection;
    private final Channel channel;
    final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    final long sessionId;
    private int nextId = 100;

    NodeClient(Server server, String name) throws InterruptedException {
        connection = FramedTestConnection.open(server.transport(), server.address(Listener.FRAMED), null, "test-node-client",
                (ch, frame) -> {
                    if (frame instanceof Event e) {
                        received.add(new Received(e.requestId(), e.flags(), e.senderId(), e.target(), e.room(),
                                e.event(), e.content().toString(StandardCharsets.UTF_8)));
                    } else if (frame instanceof Ack a) {
                        received.add(new Acked(a.requestId(), a.content().toString(StandardCharsets.UTF_8)));
                    } else {
                        received.add(frame);
                    }
                });
        channel = connection.channel();
        channel.writeAndFlush(new Hello(1, Wire.PROTOCOL_VERSION, name, ""));
        sessionId = assertInstanceOf(Welcome.class, next()).sessionId();
    }

    Object next() throws InterruptedException {
        Object frame = received.poll(15, TimeUnit.SECONDS);
        assertNotNull(frame, "nothing received within 15 s");
        return frame;
    }

    /** The next frame that matches, dropping the others. */
    <T> T next(Class<T> type, Predicate<T> matching) throws InterruptedException {
        while (true) {
            Object o = next();
            if (type.isInstance(o) && matching.test(type.cast(o))) {
                return type.cast(o);
            }
        }
    }

    int nextId() {
        return nextId++;
    }

    void join(String room, boolean presence) throws InterruptedException {
        int id = nextId++;
        channel.writeAndFlush(new Join(id, Flags.ACK | (presence ? Flags.PRESENCE : 0), room));
        assertEquals(new Acked(id, ""), next(Acked.class, a -> a.requestId() == id));
    }

    void leave(String room) throws InterruptedException {
        int id = nextId++;
        channel.writeAndFlush(new Leave(id, Flags.ACK, room));
        assertEquals(new Acked(id, ""), next(Acked.class, a -> a.requestId() == id));
    }

    /** Asks MEMBERS and waits for the reply, dropping whatever comes before it. */
    MembersReply members(String room) throws InterruptedException {
        int id = nextId++;
        channel.writeAndFlush(new Members(id, room));
        return next(MembersReply.class, m -> m.requestId() == id);
    }

    void publish(int requestId, int flags, String room, String event, String text) {
        channel.writeAndFlush(new Publish(requestId, flags, Target.ROOM, room, 0, event,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    void broadcast(int requestId, int flags, String event, String text) {
        channel.writeAndFlush(new Publish(requestId, flags, Target.ALL, "", 0, event,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    void send(int requestId, int flags, long session, String event, String text) {
        channel.writeAndFlush(new Publish(requestId, flags, Target.SESSION, "", session, event,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    void ack(int relayId, String text) {
        channel.writeAndFlush(new Ack(relayId, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    /** Drops the connection (without BYE); {@link #close} still frees the rest. */
    void disconnect() {
        channel.close().syncUninterruptibly();
    }

    @Override
    public void close() {
        connection.close();
    }
}
