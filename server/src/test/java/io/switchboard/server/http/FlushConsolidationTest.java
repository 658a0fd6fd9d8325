package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.server.http.response.FixedResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router's flushes merged: the responses to one read's requests leave in one flush after the
 * loop's current work, with those of the loop's other connections, and a request handed on
 * outside a read (the flow control, from {@code read()}) is flushed too. The codec and the flow
 * control are the listener's own.
 */
class FlushConsolidationTest {
    private static final FixedResponse OK = FixedResponse.of(HttpResponseStatus.OK, "text/plain", new byte[] {'o', 'k'});
    private static final String GET = "GET / HTTP/1.1\r\n\r\n";

    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** A second connection on the same event loop. */
    private final EmbeddedChannel other = new EmbeddedChannel();
    /** The event loop's tasks, run when the test says (an EmbeddedChannel runs its own at every write). */
    private final java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
    private final FlushConsolidation.Batch batch = new FlushConsolidation.Batch(tasks::add);
    /** Flushes that reached the head of the pipeline of each. */
    private final int[] flushes = new int[2];

    FlushConsolidationTest() {
        wire(channel, 0);
        wire(other, 1);
    }

    private void wire(EmbeddedChannel ch, int index) {
        HttpCodec codec = new HttpCodec(new HttpDecoderConfig());
        ch.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes[index]++;
                ctx.flush();
            }
        }, codec.encoder(), codec.decoder(), new FlowControlHandler(), new FlushConsolidation(batch),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        // A router: one write and one flush per request.
                        ReferenceCountUtil.release(msg);
                        ctx.writeAndFlush(OK);
                    }
                });
    }

    /** Ends the loop's current work: runs its tasks. */
    private void runTasks() {
        for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
            task.run();
        }
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        other.finishAndReleaseAll();
    }

    private int responses() {
        return responses(channel);
    }

    /** The responses written on {@code ch} so far, counted by their status lines. */
    private static int responses(EmbeddedChannel ch) {
        int n = 0;
        for (Object msg = ch.readOutbound(); msg != null; msg = ch.readOutbound()) {
            ByteBuf buf = assertInstanceOf(ByteBuf.class, msg);
            String text = buf.toString(ISO_8859_1);
            buf.release();
            for (int i = text.indexOf("HTTP/1.1 200 OK"); i >= 0; i = text.indexOf("HTTP/1.1 200 OK", i + 1)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void oneReadsRequestsLeaveInOneFlushAfterTheCurrentWork() {
        channel.pipeline().fireChannelRead(Unpooled.copiedBuffer(GET + GET + GET, ISO_8859_1));
        channel.pipeline().fireChannelReadComplete();
        assertEquals(0, flushes[0], "nothing flushed while the loop's current work goes on");
        runTasks();
        assertEquals(1, flushes[0]);
        assertEquals(3, responses());
        runTasks();
        assertEquals(1, flushes[0], "no second flush");
    }

    @Test
    void theConnectionsOfOneLoopAreFlushedTogether() {
        channel.pipeline().fireChannelRead(Unpooled.copiedBuffer(GET, ISO_8859_1));
        channel.pipeline().fireChannelReadComplete();
        other.pipeline().fireChannelRead(Unpooled.copiedBuffer(GET + GET, ISO_8859_1));
        other.pipeline().fireChannelReadComplete();
        assertEquals(0, flushes[0] + flushes[1]);
        assertEquals(1, tasks.size(), "one task for both");
        runTasks(); // the batch's one task
        assertEquals(1, flushes[0]);
        assertEquals(1, flushes[1]);
        assertEquals(1, responses(channel));
        assertEquals(2, responses(other));
    }

    @Test
    void aFlushOutsideTheRoutersReadGoesAtOnceWithWhatWaits() {
        channel.pipeline().fireChannelRead(Unpooled.copiedBuffer(GET, ISO_8859_1));
        channel.flush(); // e.g. an error answered from exceptionCaught
        assertEquals(1, flushes[0]);
        assertEquals(1, responses());
        runTasks();
        assertEquals(1, flushes[0], "nothing left for the batch");
    }

    @Test
    void requestsHandedOnOutsideAReadAreFlushed() {
        channel.config().setAutoRead(false);
        channel.writeInbound(Unpooled.copiedBuffer(GET + GET, ISO_8859_1));
        assertEquals(0, responses(), "the flow control holds both: no read was asked for");
        for (int i = 0; i < 2; i++) {
            int before = flushes[0];
            channel.read(); // hands on one request (from read(), outside any read from the socket)
            runTasks();
            assertEquals(before + 1, flushes[0], "one flush per request");
            assertEquals(1, responses());
        }
    }
}
