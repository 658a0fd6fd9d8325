package io.switchboard.server.udp;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.transport.Datagrams;
import io.switchboard.server.Listener;
import io.switchboard.server.metrics.Metrics;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Answers every datagram with the same bytes to its sender, without copying; a datagram over the
 * size limit is dropped and counted, never fatal. Flushes once per read batch.
 *
 * <p>Two Netty behaviours need handling here:
 * <ul>
 *   <li>Datagram channels read into a fixed 2048-byte buffer by default and silently truncate
 *       anything longer (on NIO and epoll alike). {@link #handlerAdded} sizes the receive buffer to
 *       one byte over the limit, so every datagram within the limit arrives whole and a longer one
 *       arrives as limit + 1 bytes and is dropped. (The bytes counted for a dropped datagram are
 *       therefore at most limit + 1.)</li>
 *   <li>Netty's NIO, epoll and kqueue datagram channels skip writing an empty datagram (they report
 *       it written without sending it). An empty datagram is answered by {@link Datagrams#sendEmpty}.</li>
 * </ul>
 */
@Sharable
public final class UdpEchoHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LogManager.getLogger(UdpEchoHandler.class);

    private final int maxDatagramBytes;
    private final Metrics metrics;

    public UdpEchoHandler(int maxDatagramBytes, Metrics metrics) {
        this.maxDatagramBytes = maxDatagramBytes;
        this.metrics = metrics;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Runs after registration and before the first read.
        ctx.channel().config().setRecvByteBufAllocator(new FixedRecvByteBufAllocator(maxDatagramBytes + 1));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        DatagramPacket packet = (DatagramPacket) msg;
        metrics.datagramIn();
        int size = packet.content().readableBytes();
        metrics.listener(Listener.UDP).bytesIn(size);
        if (size > maxDatagramBytes) {
            metrics.datagramDropped();
            log.debug("dropped a datagram of {} bytes from {} (limit {})", size, packet.sender(), maxDatagramBytes);
            packet.release();
            return;
        }
        if (size == 0 && Datagrams.sendEmpty(ctx.channel(), packet.sender())) {
            packet.release();
            metrics.datagramOut();
            return;
        }
        metrics.datagramOut();
        metrics.listener(Listener.UDP).bytesOut(size);
        ctx.write(new DatagramPacket(packet.content(), packet.sender()), ctx.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP port unreachable and the like surface here; a UDP listener never closes for them.
        log.debug("{} udp error: {}", ctx.channel(), cause.toString());
    }
}
