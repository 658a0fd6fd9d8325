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
 * last content, so one message passes the handlers after it and the aggregator lets it by.
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

    private final class Decoder extends HttpRequestDecoder {
        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            int before = out.size();
            super.decode(ctx, buffer, out);
            for (int i = before; i < out.size(); i++) {
                if (out.get(i) instanceof HttpRequest request) {
                    methods.add(request.method());
                    if (i + 1 < out.size() && !(request instanceof FullHttpRequest) && RequestAggregator.bodiless(request)) {
                        FullHttpRequest whole = RequestAggregator.join(request, out.get(i + 1));
                        if (whole != null) {
                            out.set(i, whole);
                            out.remove(i + 1);
                        }
                    }
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
