package io.switchboard.server.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.switchboard.server.metrics.Metrics;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UdpEchoHandlerTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 7002);
    private static final InetSocketAddress ALICE = new InetSocketAddress("127.0.0.1", 40001);
    private static final InetSocketAddress BOB = new InetSocketAddress("127.0.0.1", 40002);

    private final Metrics metrics = new Metrics();
    private final EmbeddedChannel channel = new EmbeddedChannel(new UdpEchoHandler(1000, metrics));

    @AfterEach
    void finish() {
        assertFalse(channel.finishAndReleaseAll(), "nothing left over");
    }

    private static DatagramPacket packet(ByteBuf content, InetSocketAddress sender) {
        return new DatagramPacket(content, LOCAL, sender);
    }

    @Test
    void aDatagramGoesBackToItsSenderWithTheSameBuffer() {
        ByteBuf content = Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8);
        assertFalse(channel.writeInbound(packet(content, ALICE)), "nothing passes on inbound");
        DatagramPacket reply = channel.readOutbound();
        try {
            assertSame(content, reply.content(), "the reply reuses the received buffer, no copy");
            assertEquals(ALICE, reply.recipient());
            assertEquals("hello", reply.content().toString(StandardCharsets.UTF_8));
            assertEquals(1, reply.refCnt());
        } finally {
            reply.release();
        }
        assertEquals(0, content.refCnt());
        assertNull(channel.readOutbound());
        assertEquals(1, UdpMetrics.in(metrics));
        assertEquals(1, UdpMetrics.out(metrics));
        assertEquals(0, UdpMetrics.dropped(metrics));
        assertEquals(5, UdpMetrics.bytesIn(metrics));
        assertEquals(5, UdpMetrics.bytesOut(metrics));
    }

    @Test
    void eachReplyGoesToItsOwnSender() {
        channel.writeInbound(packet(Unpooled.wrappedBuffer(new byte[] {1}), ALICE),
                packet(Unpooled.wrappedBuffer(new byte[] {2, 2}), BOB));
        DatagramPacket first = channel.readOutbound();
        DatagramPacket second = channel.readOutbound();
        try {
            assertEquals(ALICE, first.recipient());
            assertEquals(1, first.content().readableBytes());
            assertEquals(BOB, second.recipient());
            assertEquals(2, second.content().readableBytes());
        } finally {
            first.release();
            second.release();
        }
        assertEquals(2, UdpMetrics.in(metrics));
        assertEquals(2, UdpMetrics.out(metrics));
        assertEquals(3, UdpMetrics.bytesIn(metrics));
        assertEquals(3, UdpMetrics.bytesOut(metrics));
    }

    @Test
    void datagramsAtTheLimitAreEchoedAndOverItDroppedCountedAndReleased() {
        ByteBuf atLimit = Unpooled.wrappedBuffer(new byte[1000]);
        ByteBuf over = Unpooled.wrappedBuffer(new byte[1001]);
        channel.writeInbound(packet(over, ALICE));
        assertEquals(0, over.refCnt(), "the dropped datagram is released");
        assertNull(channel.readOutbound(), "no reply to an oversized datagram");
        assertTrue(channel.isActive(), "never fatal");
        assertEquals(1, UdpMetrics.dropped(metrics));
        assertEquals(1, UdpMetrics.in(metrics));
        assertEquals(0, UdpMetrics.out(metrics));
        assertEquals(1001, UdpMetrics.bytesIn(metrics));
        assertEquals(0, UdpMetrics.bytesOut(metrics));

        channel.writeInbound(packet(atLimit, BOB));
        DatagramPacket reply = channel.readOutbound();
        try {
            assertSame(atLimit, reply.content());
            assertEquals(BOB, reply.recipient());
        } finally {
            reply.release();
        }
        assertEquals(1, UdpMetrics.dropped(metrics));
        assertEquals(2, UdpMetrics.in(metrics));
        assertEquals(1, UdpMetrics.out(metrics));
        assertEquals(1000, UdpMetrics.bytesOut(metrics));
    }

    @Test
    void anEmptyDatagramIsEchoed() {
        channel.writeInbound(packet(Unpooled.buffer(0), ALICE));
        DatagramPacket reply = channel.readOutbound();
        try {
            assertEquals(ALICE, reply.recipient());
            assertEquals(0, reply.content().readableBytes());
        } finally {
            reply.release();
        }
        assertEquals(1, UdpMetrics.out(metrics));
    }

    @Test
    void otherMessagesAreReleasedAndNotCounted() {
        ByteBuf stray = Unpooled.copiedBuffer("not a datagram", StandardCharsets.UTF_8);
        assertFalse(channel.writeInbound(stray));
        assertEquals(0, stray.refCnt());
        assertFalse(channel.writeInbound("a string"));
        assertNull(channel.readOutbound());
        assertEquals(0, UdpMetrics.in(metrics));
        assertEquals(0, UdpMetrics.out(metrics));
        assertEquals(0, UdpMetrics.dropped(metrics));
    }

    @Test
    void theReceiveBufferHoldsADatagramOneByteOverTheLimit() {
        // Netty's datagram default (2048 bytes) would truncate larger datagrams silently.
        RecvByteBufAllocator allocator = channel.config().getRecvByteBufAllocator();
        assertTrue(allocator instanceof FixedRecvByteBufAllocator, allocator.toString());
        assertEquals(1001, allocator.newHandle().guess());
    }

    @Test
    void errorsDoNotCloseTheChannel() {
        channel.pipeline().fireExceptionCaught(new java.net.PortUnreachableException("ICMP port unreachable"));
        assertTrue(channel.isActive());
        channel.checkException();
    }
}
