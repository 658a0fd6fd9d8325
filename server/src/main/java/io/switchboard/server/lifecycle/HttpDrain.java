package io.switchboard.server.lifecycle;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.server.http.response.FixedResponse;

/**
 * Graceful shutdown for one HTTP/1.1 connection, just after the codec. It counts requests whose
 * response has not ended. On {@link ShutdownEvent} an idle connection is closed at once; a busy one
 * finishes the response in progress, and the next response to start carries
 * {@code Connection: close} and is the last: the connection closes once it is written. Requests
 * pipelined behind it are not answered, which {@code Connection: close} tells the client (it may
 * retry them elsewhere). An upgraded (WebSocket) connection is left to the WebSocket session,
 * which closes with 1001. Stateful: one per connection.
 */
public final class HttpDrain extends ChannelDuplexHandler {
    private int inFlight;
    private boolean upgraded;
    private boolean draining;
    /** Set once the response that carries Connection: close has started. */
    private boolean lastStarted;
    /** Set once the connection is closing: later input is dropped unanswered. */
    private boolean closing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest && !upgraded) {
            inFlight++;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (upgraded) {
            ctx.write(msg, promise);
            return;
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof FixedResponse fixed) {
            last = true; // a whole response, head and end
            if (draining && !lastStarted) {
                lastStarted = true;
                msg = fixed.keepAlive(false);
            }
        } else if (msg instanceof HttpResponse) {
            HttpResponse response = (HttpResponse) msg;
            if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                upgraded = true;
                inFlight = Math.max(0, inFlight - 1);
                ctx.write(msg, promise);
                return;
            }
            if (draining && !lastStarted) {
                lastStarted = true;
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
        }
        if (last) {
            inFlight = Math.max(0, inFlight - 1);
            if (draining && (lastStarted || inFlight == 0)) {
                // The last response: nothing after it is answered.
                closing = true;
                ctx.write(msg, promise.unvoid()).addListener(written -> Connections.closeGently(ctx.channel()));
                return;
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ShutdownEvent.INSTANCE && !upgraded) {
            if (!draining) {
                draining = true;
                if (inFlight == 0) {
                    closing = true;
                    Connections.closeGently(ctx.channel());
                }
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
