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
 * The router's flushes merged: the responses to one read's requests leave in one flush at the
 * read's end, and a request handed on outside a read (the flow control, from {@code read()}) is
 * flushed too. The codec and the flow control are the listener's own.
 */
class FlushConsolidationTest {
    private static final FixedResponse OK = FixedResponse.of(HttpResponseStatus.OK, "text/plain", new byte[] {'o', 'k'});
    private static final String GET = "GET / HTTP/1.1\r\n\r\n";

    private final EmbeddedChannel channel = new EmbeddedChannel();
    /** Flushes that reached the head of the pipeline. */
    private int flushes;

    FlushConsolidationTest() {
        HttpCodec codec = new HttpCodec(new HttpDecoderConfig());
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        }, codec.encoder(), codec.decoder(), new FlowControlHandler(), new FlushConsolidation(codec),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        // A router: one write and one flush per request.
                        ReferenceCountUtil.release(msg);
                        ctx.writeAndFlush(OK);
                    }
                });
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** The responses written so far, counted by their status lines. */
    private int responses() {
        int n = 0;
        for (Object msg = channel.readOutbound(); msg != null; msg = channel.readOutbound()) {
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
    void oneReadsRequestsLeaveInOneFlushAtItsEnd() {
        channel.pipeline().fireChannelRead(Unpooled.copiedBuffer(GET + GET + GET, ISO_8859_1));
        assertEquals(0, flushes, "nothing flushed before the read's end");
        channel.pipeline().fireChannelReadComplete();
        assertEquals(1, flushes);
        assertEquals(3, responses());
        channel.runPendingTasks();
        assertEquals(1, flushes, "no second flush after the read");
    }

    @Test
    void requestsHandedOnOutsideAReadAreFlushed() {
        channel.config().setAutoRead(false);
        channel.writeInbound(Unpooled.copiedBuffer(GET + GET, ISO_8859_1));
        assertEquals(0, responses(), "the flow control holds both: no read was asked for");
        for (int i = 0; i < 2; i++) {
            int before = flushes;
            channel.read(); // hands on one request (from read(), outside any read from the socket)
            channel.runPendingTasks();
            assertEquals(before + 1, flushes, "one flush per request");
            assertEquals(1, responses());
        }
    }
}
