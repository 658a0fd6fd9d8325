package io.switchboard.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import io.switchboard.server.http.response.FixedResponse;
import java.nio.charset.StandardCharsets;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The idle timeout on a frozen clock, told of reads and writes by the listener's codec as in the
 * listener's pipeline: when it fires, and what postpones it.
 */
class IdleTimeoutTest {
    private static final FixedResponse OK = FixedResponse.of(HttpResponseStatus.OK, "text/plain", new byte[] {'o', 'k'});
    private long now = 1_000_000_000L;
    private final List<Object> events = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    IdleTimeoutTest() {
        channel.freezeTime();
        IdleTimeout idle = new IdleTimeout(1000, () -> now);
        HttpCodec codec = new HttpCodec(new HttpDecoderConfig()).idle(idle);
        channel.pipeline().addLast(codec.encoder(), codec.decoder(), idle, new ChannelInboundHandlerAdapter() {
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

    private void read(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    @Test
    void readingAndWritingPostponeIt() {
        pass(600);
        read("GET / HTTP/1.1\r\n\r\n");
        pass(900);
        assertEquals(List.of(), events, "read 900 ms ago");
        channel.writeOutbound(OK);
        ReferenceCountUtil.release(channel.readOutbound());
        pass(900);
        assertEquals(List.of(), events, "written 900 ms ago");
        pass(600);
        assertEquals(1, events.size(), "idle for at most a timeout and a quarter: " + events);
    }

    @Test
    void partOfARequestIsActivityToo() {
        pass(600);
        read("GET / HT");
        pass(900);
        assertEquals(List.of(), events, "read 900 ms ago");
        pass(350);
        assertEquals(1, events.size(), events.toString());
    }

    @Test
    void anIdlePeriodAfterActivityStartsWithTheFirstEventAgain() {
        pass(1000);
        assertEquals(List.of(IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT), events);
        read("GET / HTTP/1.1\r\n\r\n");
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
