package io.switchboard.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The idle timeout on a frozen clock: when it fires, and what postpones it. */
class IdleTimeoutTest {
    private long now = 1_000_000_000L;
    private final List<Object> events = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    IdleTimeoutTest() {
        channel.freezeTime();
        channel.pipeline().addLast(new IdleTimeout(1000, () -> now), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                events.add(evt);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
            }
        });
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** Moves both the handler's clock and the channel's timers on by {@code millis}, a millisecond at a time. */
    private void pass(long millis) {
        for (long i = 0; i < millis; i++) {
            now += TimeUnit.MILLISECONDS.toNanos(1);
            channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    @Test
    void firesOnceTheTimeoutPassedWithoutActivity() {
        pass(999);
        assertEquals(List.of(), events);
        pass(1);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
        pass(1000);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.ALL_IDLE_STATE_EVENT), events);
    }

    @Test
    void readingAndWritingPostponeIt() {
        pass(600);
        channel.writeInbound(Unpooled.buffer(1).writeByte(1));
        pass(900);
        assertEquals(List.of(), events, "read 900 ms ago");
        channel.writeOutbound(Unpooled.buffer(1).writeByte(1));
        ReferenceCountUtil.release(channel.readOutbound());
        pass(900);
        assertEquals(List.of(), events, "written 900 ms ago");
        pass(600);
        assertEquals(1, events.size(), "idle for at most a timeout and a quarter: " + events);
    }

    @Test
    void anIdlePeriodAfterActivityStartsWithTheFirstEventAgain() {
        pass(1000);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
        channel.writeInbound(Unpooled.buffer(1).writeByte(1));
        pass(1500);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT, IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
    }

    @Test
    void itStopsWithTheConnection() {
        channel.close();
        pass(5000);
        assertTrue(events.isEmpty(), events.toString());
    }
}
