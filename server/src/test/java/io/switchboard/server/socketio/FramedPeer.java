package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.testing.FramedTestConnection;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A framed-protocol member of a mixed room, driven from the JVM while Node drives the Socket.IO
 * and WebSocket members. It answers by itself: an EVENT asking for a peer acknowledgement is
 * acknowledged with {@code "framed ack: TEXT"}; an event named {@code from-sio} or {@code from-ws}
 * is answered in the room with {@code from-framed} {@code "framed saw EVENT: TEXT"}; an event
 * {@code from-sio} with text {@code "ping java"} also gets {@code framed-hello} {@code "hello
 * browser"}; an event named {@code bin-*} is answered with {@code from-framed-bin} and the bytes reversed. Every
 * frame received is recorded in {@link #seen}.
 */
final class FramedPeer implements AutoCloseable {
    /** An EVENT as received: its flags and raw payload. */
    record Seen(long sender, Target target, String room, String event, int flags, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final FramedTestConnection connection;
    private final Channel channel;
    private final String room;
    final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
    final long sessionId;
    private int nextId = 100;

    FramedPeer(TransportConfig transport, InetSocketAddress address, String name, String room) throws InterruptedException {
        this.room = room;
        BlockingQueue<Frame> control = new LinkedBlockingQueue<>();
        connection = FramedTestConnection.open(transport, address, null, "test-framed-peer", (ch, frame) -> {
            if (frame instanceof Event e) {
                Seen s = new Seen(e.senderId(), e.target(), e.room(), e.event(), e.flags(), ByteBufUtil.getBytes(e.content()));
                seen.add(s);
                react(ch, s, e.requestId());
            } else if (frame instanceof Ack a) {
                control.add(new Ack(a.requestId(), Unpooled.EMPTY_BUFFER));
                seen.add("ack " + a.requestId());
            } else {
                control.add(frame);
                seen.add(frame.toString());
            }
        });
        channel = connection.channel();
        channel.writeAndFlush(new Hello(1, Wire.PROTOCOL_VERSION, name, ""));
        Welcome welcome = assertInstanceOf(Welcome.class, control.poll(10, TimeUnit.SECONDS));
        sessionId = welcome.sessionId();
        channel.writeAndFlush(new Join(2, Flags.ACK | Flags.PRESENCE, room));
        Frame joined = control.poll(10, TimeUnit.SECONDS);
        assertNotNull(joined, "no answer to JOIN");
        assertInstanceOf(Ack.class, joined, () -> "JOIN answered with " + joined);
    }

    private void react(Channel ch, Seen s, int requestId) {
        if ((s.flags() & Flags.PEER_ACK) != 0) {
            ch.writeAndFlush(new Ack(requestId, Unpooled.copiedBuffer("framed ack: " + s.text(), StandardCharsets.UTF_8)));
            return;
        }
        if (s.event().equals("from-sio") || s.event().equals("from-ws")) {
            String text = utf8(s.payload()) ? s.text() : "(binary)";
            ch.writeAndFlush(new Publish(nextId++, 0, Target.ROOM, room, 0, "from-framed",
                    Unpooled.copiedBuffer("framed saw " + s.event() + ": " + text, StandardCharsets.UTF_8)));
            if (text.equals("ping java")) {
                ch.writeAndFlush(new Publish(nextId++, 0, Target.ROOM, room, 0, "framed-hello",
                        Unpooled.copiedBuffer("hello browser", StandardCharsets.UTF_8)));
            }
        } else if (s.event().startsWith("bin-")) {
            byte[] reversed = new byte[s.payload().length];
            for (int i = 0; i < reversed.length; i++) {
                reversed[i] = s.payload()[reversed.length - 1 - i];
            }
            ch.writeAndFlush(new Publish(nextId++, 0, Target.ROOM, room, 0, "from-framed-bin", Unpooled.wrappedBuffer(reversed)));
        }
    }

    private static boolean utf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Publishes {@code text} to the room (not to itself). */
    void publish(String event, String text) {
        channel.writeAndFlush(new Publish(0, 0, Target.ROOM, room, 0, event, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        connection.close();
    }
}
