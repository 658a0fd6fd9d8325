package io.switchboard.server.echo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.server.metrics.Metrics;
import org.junit.jupiter.api.Test;

class EchoHandlerTest {
    @Test
    void echoesTheSameBufferBack() {
        EmbeddedChannel channel = new EmbeddedChannel(new EchoServerInitializer(new Metrics()));
        ByteBuf in = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        channel.writeInbound(in);
        ByteBuf out = channel.readOutbound();
        assertSame(in, out, "no copy");
        assertEquals(3, out.readableBytes());
        out.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void stopsReadingWhileThePeerDoesNotDrain() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
        channel.pipeline().addLast(new EchoServerInitializer(new Metrics()));
        // An EmbeddedChannel drains at once on flush, so queue bytes in its outbound buffer by hand
        // to play a peer that does not read.
        channel.unsafe().outboundBuffer().addMessage(Unpooled.buffer().writeZero(32), 32, channel.newPromise());
        channel.unsafe().outboundBuffer().addFlush();
        assertFalse(channel.isWritable());
        channel.pipeline().fireChannelWritabilityChanged();
        assertFalse(channel.config().isAutoRead(), "auto-read off above the high-water mark");
        channel.unsafe().outboundBuffer().removeBytes(32);
        assertTrue(channel.isWritable());
        channel.pipeline().fireChannelWritabilityChanged();
        assertTrue(channel.config().isAutoRead(), "auto-read back on below the low-water mark");
        channel.finishAndReleaseAll();
    }
}
