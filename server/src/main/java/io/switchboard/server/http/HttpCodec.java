package io.switchboard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.server.http.response.FixedResponse;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The listener's HTTP/1.1 codec: what Netty's {@code HttpServerCodec} does, as two handlers
 * sharing the queue of the methods of the requests not yet answered, plus {@link FixedResponse}s
 * written as their pre-encoded bytes. Each response takes the oldest method from the queue, so a
 * response to HEAD goes without its body whichever way it was built, in pipelining too; a 2xx
 * answer to CONNECT loses its Transfer-Encoding; after a request with both Transfer-Encoding:
 * chunked and a Content-Length (smuggling), the connection closes after its response. Interim
 * (1xx) responses take no method. A request without a body ({@link RequestAggregator#bodiless})
 * leaves as one {@link FullHttpRequest} with the empty buffer rather than a head and an empty
 * last content, so one message passes the handlers after it; the aggregator joins the pipeline
 * with the first request that is not decoded whole ({@link #beforeFirstParts}).
 *
 * <p>It also tells three things of the connection what they would otherwise stand in the pipeline
 * for, at a field write or two instead of a handler each message passes: the idle timeout
 * ({@link #idle}) that something was read or written, the header timeout ({@link #headers}) of
 * a request's first bytes, its headers and its response's end, and whoever asks ({@link #reading}, the
 * flush consolidation) whether a read from the socket is in progress, with a call at its end
 * ({@link #afterRead}).
 *
 * <p>Two handlers rather than one combined handler: Netty's WebSocket handshaker finds them by
 * type ({@link HttpRequestDecoder}, {@link HttpResponseEncoder}) to put its own codec in their
 * place, and a message passes one context instead of a combined handler's two. One per connection.
 */
final class HttpCodec {
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
    private final Decoder decoder;
    private final Encoder encoder = new Encoder();
    /** Set by a request with both Transfer-Encoding: chunked and Content-Length: close after its response. */
    private boolean closeAfterResponse;
    /** Told of every read and every write, or {@code null}. */
    private IdleTimeout idle;
    /** Told of a request's first bytes, of its headers and of its response's end, or {@code null}. */
    private HttpLimits.HeaderTimeout headers;
    /** Between a read's first bytes reaching the decoder and the end of its read-complete. */
    private boolean reading;
    /** Run at the end of every read (after its read-complete has passed the handlers), or {@code null}. */
    private Runnable afterRead;
    /** Run, once, before the first request that is not decoded whole passes on; {@code null} after. */
    private Runnable partsAhead;

    HttpCodec(HttpDecoderConfig config) {
        decoder = new Decoder(config);
    }

    /** The request decoder (inbound). */
    HttpRequestDecoder decoder() {
        return decoder;
    }

    /** The response encoder (outbound); put it before {@link #decoder()}. */
    HttpResponseEncoder encoder() {
        return encoder;
    }

    /** Tells {@code idle} of every read (bytes reaching the decoder) and every write (anything the encoder writes). */
    HttpCodec idle(IdleTimeout idle) {
        this.idle = idle;
        return this;
    }

    /** Tells {@code headers} of each request's first bytes, of its decoded headers and of the end of its response. */
    HttpCodec headers(HttpLimits.HeaderTimeout headers) {
        this.headers = headers;
        return this;
    }

    /**
     * Runs {@code task} once, before the first message that is not a whole request (a request
     * with a body, its parts, an undecodable request's remains) leaves the decoder, so that the
     * aggregator can join the pipeline only when a connection needs it.
     */
    HttpCodec beforeFirstParts(Runnable task) {
        this.partsAhead = task;
        return this;
    }

    /**
     * Whether a read from the socket is in progress: its bytes reached the decoder and its
     * read-complete has not yet passed the pipeline. A request handed on outside (by the flow
     * control, from {@code read()}) comes with no read-complete after it.
     */
    boolean reading() {
        return reading;
    }

    /**
     * Runs {@code task} at the end of every read, after the read-complete passed every handler,
     * even when one of them held it back (the flow control does while it holds requests); also
     * when the decoder leaves the pipeline.
     */
    void afterRead(Runnable task) {
        this.afterRead = task;
    }

    private void readEnded() {
        reading = false;
        if (afterRead != null) {
            afterRead.run();
        }
    }

    private final class Decoder extends HttpRequestDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            reading = true;
            if (idle != null) {
                idle.touch();
            }
            if (headers != null && msg instanceof ByteBuf bytes) {
                headers.bytesIn(bytes);
            }
            super.channelRead(ctx, msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
            try {
                super.channelReadComplete(ctx);
            } finally {
                readEnded();
            }
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
            // Replaced mid-read (a WebSocket upgrade): this read's end is never seen here.
            readEnded();
            super.handlerRemoved0(ctx);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                if (out.get(i) instanceof HttpRequest request) {
                    methods.add(request.method());
                    if (headers != null) {
                        headers.requestIn();
                    }
                    if (i + 1 < out.size() && !(request instanceof FullHttpRequest) && RequestAggregator.bodiless(request)) {
                        FullHttpRequest whole = RequestAggregator.join(request, out.get(i + 1));
                        if (whole != null) {
                            out.set(i, whole);
                            out.remove(i + 1);
                        }
                    }
                }
                if (partsAhead != null && !(out.get(i) instanceof FullHttpRequest)) {
                    Runnable task = partsAhead;
                    partsAhead = null;
                    task.run();
                }
            }
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            super.handleTransferEncodingChunkedWithContentLength(message);
            closeAfterResponse = true;
        }
    }

    private final class Encoder extends HttpResponseEncoder {
        /** The method of the request the response being encoded answers. */
        private HttpMethod method;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (idle != null) {
                idle.touch();
            }
            if (headers != null) {
                headers.written(msg);
            }
            if (msg instanceof FixedResponse fixed) {
                HttpMethod answered = methods.poll();
                ctx.write(fixed.encode(ctx.alloc(), HttpMethod.HEAD.equals(answered)), closeAfter(promise));
                return;
            }
            if (msg instanceof LastHttpContent) {
                promise = closeAfter(promise);
            }
            super.write(ctx, msg, promise);
        }

        private ChannelPromise closeAfter(ChannelPromise promise) {
            if (!closeAfterResponse) {
                return promise;
            }
            closeAfterResponse = false;
            return promise.unvoid().addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg);
            }
            method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method) && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
                // RFC 9112 section 6.1: no Transfer-Encoding in a 2xx answer to CONNECT.
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }
    }
}
