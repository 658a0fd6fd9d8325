package io.switchboard.server.udp;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.server.metrics.Metrics;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Answers every datagram with the same bytes to its sender, without copying; a datagram over the
 * size limit is dropped and counted, never fatal. Flushes once per read batch.
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
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        DatagramPacket packet = (DatagramPacket) msg;
        metrics.datagramIn();
        int size = packet.content().readableBytes();
        metrics.listener(io.switchboard.server.Listener.UDP).bytesIn(size);
        if (size > maxDatagramBytes) {
            metrics.datagramDropped();
            log.debug("dropped a datagram of {} bytes from {} (limit {})", size, packet.sender(), maxDatagramBytes);
            packet.release();
            return;
        }
        metrics.datagramOut();
        metrics.listener(io.switchboard.server.Listener.UDP).bytesOut(size);
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
