package io.switchboard.server.limits;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.testing.FramedTestConnection;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare framed-protocol client for the limits and lifecycle tests: common's codec on a Netty
 * bootstrap of the transport under test. Payload frames arrive as {@link Payload} (bytes copied
 * out), everything else as the frame itself; {@link #closed()} tells when the server closed.
 */
public final class RawFramedClient implements AutoCloseable {
    /** A payload frame (ECHO_REPLY, PONG, ...), its bytes copied. */
    public record Payload(Frame frame, byte[] bytes) {
    }

    private final FramedTestConnection connection;
    private final Channel channel;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

    public RawFramedClient(TransportConfig transport, InetSocketAddress address) throws InterruptedException {
        this(transport, address, null);
    }

    /** Connects from {@code localAddress} (such as 127.0.0.2), or any when {@code null}. */
    public RawFramedClient(TransportConfig transport, InetSocketAddress address, InetSocketAddress localAddress)
            throws InterruptedException {
        connection = FramedTestConnection.open(transport, address, localAddress, "test-raw-framed", (ch, frame) -> {
            if (frame instanceof PayloadFrame p) {
                received.add(new Payload(frame, ByteBufUtil.getBytes(p.content())));
            } else {
                received.add(frame);
            }
        });
        channel = connection.channel();
    }

    /** Says HELLO and waits for WELCOME. */
    public Welcome hello() throws InterruptedException {
        send(new Hello(1, Wire.PROTOCOL_VERSION, "raw", ""));
        return assertInstanceOf(Welcome.class, next());
    }

    public void send(Frame frame) {
        channel.writeAndFlush(frame);
    }

    /** The next frame received, failing after 10 s. */
    public Object next() throws InterruptedException {
        Object frame = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(frame, "nothing received within 10 s");
        return frame;
    }

    /** The next frame, or {@code null} when none comes within {@code millis}. */
    public Object poll(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Whether the server closed the connection within 10 s. */
    public boolean closed() {
        return channel.closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    public boolean isOpen() {
        return channel.isActive();
    }

    @Override
    public void close() {
        connection.close();
    }
}
