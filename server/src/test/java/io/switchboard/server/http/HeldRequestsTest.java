package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Requests go straight on while reading is on, one per read() while it is off, and what waits is released on close. */
class HeldRequestsTest {
    /** What reached the end of the pipeline: each message's text, and "|" for each read-complete. */
    private final List<String> seen = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel(new HeldRequests(), new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            seen.add(buf.toString(US_ASCII));
            buf.release();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            seen.add("|");
        }
    });

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, US_ASCII);
    }

    @Test
    void whileReadingIsOnRequestsGoStraightOn() {
        channel.writeInbound(text("a"), text("b"));
        assertEquals(List.of("a", "b", "|"), seen);
    }

    @Test
    void whileReadingIsOffOneGoesOnPerRead() {
        channel.config().setAutoRead(false);
        channel.writeInbound(text("a"), text("b"), text("c"));
        assertEquals(List.of(), seen, "held");
        channel.read();
        assertEquals(List.of("a", "|"), seen);
        channel.read();
        assertEquals(List.of("a", "|", "b", "|"), seen);
        channel.config().setAutoRead(true); // reads, and hands on the rest
        assertEquals(List.of("a", "|", "b", "|", "c"), seen);
        channel.writeInbound(text("d"));
        assertEquals(List.of("a", "|", "b", "|", "c", "d", "|"), seen);
    }

    @Test
    void whatWaitsIsReleasedWhenTheConnectionCloses() {
        channel.config().setAutoRead(false);
        ByteBuf held = text("held");
        channel.writeInbound(held);
        channel.close();
        assertEquals(0, held.refCnt());
        assertEquals(List.of(), seen);
    }
}
