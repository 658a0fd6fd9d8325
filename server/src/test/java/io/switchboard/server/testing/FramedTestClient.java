package io.switchboard.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare framed-protocol client for the server's tests (the client library is not on the server's
 * test classpath): common's codec on a Netty bootstrap. Events arrive as {@link Received} (payload
 * copied out, so nothing needs releasing), ACKs as {@link Acked}, everything else as the frame.
 */
public final class FramedTestClient implements AutoCloseable {
    /** An EVENT with its payload as text. */
    public record Received(long sender, Target target, String room, String event, String text) {
    }

    /** An ACK with its payload as text. */
    public record Acked(int requestId, String text) {
    }

    private final FramedTestConnection connection;
    private final Channel channel;
    public final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    public final long sessionId;
    private int nextId = 100;

    public FramedTestClient(TransportConfig transport, InetSocketAddress address, String name) throws InterruptedException {
        connection = FramedTestConnection.open(transport, address, null, "test-framed-client", (ch, frame) -> {
            if (frame instanceof Event e) {
                received.add(new Received(e.senderId(), e.target(), e.room(), e.event(),
                        e.content().toString(StandardCharsets.UTF_8)));
            } else if (frame instanceof Ack a) {
                received.add(new Acked(a.requestId(), a.content().toString(StandardCharsets.UTF_8)));
            } else {
                received.add(frame);
            }
        });
        channel = connection.channel();
        channel.writeAndFlush(new Hello(1, Wire.PROTOCOL_VERSION, name, ""));
        Welcome welcome = assertInstanceOf(Welcome.class, next());
        sessionId = welcome.sessionId();
    }

    public Object next() throws InterruptedException {
        return next(10);
    }

    /** The next frame, waiting at most {@code seconds}. */
    public Object next(long seconds) throws InterruptedException {
        Object frame = received.poll(seconds, TimeUnit.SECONDS);
        assertNotNull(frame, "nothing received within " + seconds + " s");
        return frame;
    }

    /** The next EVENT, skipping presence notices and acks. */
    public Received nextEvent() throws InterruptedException {
        while (true) {
            Object o = next();
            if (o instanceof Received r) {
                return r;
            }
        }
    }

    /** The next EVENT named {@code event}, skipping anything else. */
    public Received nextEvent(String event) throws InterruptedException {
        while (true) {
            if (next() instanceof Received r && r.event().equals(event)) {
                return r;
            }
        }
    }

    /** The next BYE, skipping anything else. */
    public Bye nextBye() throws InterruptedException {
        while (true) {
            if (next() instanceof Bye b) {
                return b;
            }
        }
    }

    /** Joins without presence notices and waits for the server's ACK. */
    public void join(String room) throws InterruptedException {
        join(room, false);
    }

    /** Joins and waits for the server's ACK, so that later joins by others are seen. */
    public void join(String room, boolean presence) throws InterruptedException {
        int id = nextId++;
        channel.writeAndFlush(new Join(id, Flags.ACK | (presence ? Flags.PRESENCE : 0), room));
        assertEquals(new Acked(id, ""), next());
    }

    public void publish(String room, String event, String text) {
        channel.writeAndFlush(new Publish(nextId++, 0, Target.ROOM, room, 0, event,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    public void publishBytes(String room, String event, byte[] payload) {
        channel.writeAndFlush(new Publish(nextId++, 0, Target.ROOM, room, 0, event, Unpooled.wrappedBuffer(payload)));
    }

    public void send(long session, String event, String text, int flags, int requestId) {
        channel.writeAndFlush(new Publish(requestId, flags, Target.SESSION, "", session, event,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    /** Completes when the connection has closed, whichever side closed it. */
    public ChannelFuture closeFuture() {
        return channel.closeFuture();
    }

    public boolean isActive() {
        return channel.isActive();
    }

    @Override
    public void close() {
        connection.close();
    }
}
