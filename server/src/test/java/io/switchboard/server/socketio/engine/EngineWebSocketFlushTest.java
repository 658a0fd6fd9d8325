package io.switchboard.server.socketio.engine;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.socketio.settings.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * When an Engine.IO WebSocket's packets are flushed: what a read's messages queue (an echo, an
 * acknowledgement) leaves at the read's end, in one flush, with no task of its own; what is sent
 * outside a read leaves in a task.
 */
class EngineWebSocketFlushTest {
    private final RecordingListener listener = new RecordingListener(true);
    private final EngineServer server = new EngineServer(EngineConfig.defaults(), listener, new Metrics());
    private final EmbeddedChannel client = new EmbeddedChannel(new WebSocket08FrameEncoder(true));
    private final EmbeddedChannel replies = new EmbeddedChannel(new WebSocket08FrameDecoder(false, false, 65536));
    private EmbeddedChannel ch;
    private int flushes;

    @BeforeEach
    void upgrade() {
        ch = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(65536), server.handler());
        ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        });
        ch.writeInbound(Unpooled.copiedBuffer("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n", US_ASCII));
        ch.runPendingTasks();
        EmbeddedChannel http = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(65536));
        http.writeInbound(outbound());
        FullHttpResponse switched = http.readInbound();
        assertEquals(101, switched.status().code());
        switched.release();
        // The rest of the bytes: the open packet, as a frame.
        List<ByteBuf> rest = new ArrayList<>();
        for (ByteBuf b; (b = http.readInbound()) != null; ) {
            rest.add(b);
        }
        http.finishAndReleaseAll();
        rest.forEach(ByteBuf::release);
        assertEquals("open", listener.events.get(0));
        // An EmbeddedChannel runs its pending tasks whenever read() is called, which the pipeline's
        // head does after every read-complete while auto-read is on: off, so that a task runs only
        // in runPendingTasks() and what leaves without one is seen to.
        ch.config().setAutoRead(false);
        flushes = 0;
    }

    @AfterEach
    void release() {
        ch.finishAndReleaseAll();
        client.finishAndReleaseAll();
        replies.finishAndReleaseAll();
    }

    /** All the bytes the server wrote since the last call, as one buffer. */
    private ByteBuf outbound() {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    /** The text frames in the bytes the server wrote since the last call. */
    private List<String> frames() {
        replies.writeInbound(outbound());
        List<String> texts = new ArrayList<>();
        for (Object f; (f = replies.readInbound()) != null; ) {
            TextWebSocketFrame text = assertInstanceOf(TextWebSocketFrame.class, f);
            texts.add(text.text());
            text.release();
        }
        return texts;
    }

    private ByteBuf masked(String text) {
        client.writeOutbound(new TextWebSocketFrame(text));
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = client.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        return all;
    }

    @Test
    void repliesToAReadLeaveAtItsEndInOneFlushWithoutATask() {
        ByteBuf two = masked("4first");
        two.writeBytes(masked("4second"));
        ch.pipeline().fireChannelRead(two);
        assertEquals(List.of(), frames(), "nothing leaves before the read completes");
        assertEquals(0, flushes);
        ch.pipeline().fireChannelReadComplete();
        // No runPendingTasks(): the replies left in the read-complete itself.
        assertEquals(List.of("4first", "4second"), frames());
        assertEquals(1, flushes);
        assertEquals(List.of("open", "message first", "message second"), listener.events);
    }

    @Test
    void aSendOutsideAReadLeavesInATask() {
        listener.last.send("later");
        assertEquals(List.of(), frames());
        ch.runPendingTasks();
        assertEquals(List.of("4later"), frames());
        assertEquals(1, flushes);
    }

    @Test
    void aReadWithoutMessagesLeavesNothingPending() {
        ch.pipeline().fireChannelReadComplete();
        listener.last.send("after");
        ch.runPendingTasks();
        assertEquals(List.of("4after"), frames());
        ch.pipeline().fireChannelRead(masked("4again"));
        ch.pipeline().fireChannelReadComplete();
        assertEquals(List.of("4again"), frames());
        assertNull(ch.readOutbound());
        assertTrue(listener.wrongThread.isEmpty());
    }
}
