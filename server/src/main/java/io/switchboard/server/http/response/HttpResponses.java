package io.switchboard.server.http.response;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.server.metrics.Metrics;
import java.nio.charset.StandardCharsets;

/**
 * Builds and sends every HTTP response of the listener, so that each one is counted, carries a
 * Content-Length and the right {@code Connection} header, and closes the connection when it must.
 *
 * <p>Responses are HTTP/1.1 whatever the request's version (RFC 9110 section 6.2: a server sends
 * its own highest version); an HTTP/1.0 peer keeps its connection only when it asked with
 * {@code Connection: keep-alive}, and is then told so explicitly. Bodies always have a length, so
 * no response uses chunked transfer coding, which HTTP/1.0 peers would not understand.
 */
public final class HttpResponses {
    /** The content type of text bodies. */
    public static final String TEXT_PLAIN = "text/plain; charset=utf-8";
    /** The content type of JSON bodies. */
    public static final String JSON = "application/json";

    private HttpResponses() {
    }

    /** An error response: the status, and its code and reason as a small text body. */
    public static FullHttpResponse error(HttpResponseStatus status) {
        return text(status, status.code() + " " + status.reasonPhrase() + "\n", TEXT_PLAIN);
    }

    /** A complete response with a UTF-8 body. */
    public static FullHttpResponse text(HttpResponseStatus status, String body, String contentType) {
        return bytes(status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), contentType);
    }

    /** A complete response with the given body, which it takes ownership of. */
    public static FullHttpResponse bytes(HttpResponseStatus status, ByteBuf body, String contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, body.readableBytes());
        return response;
    }

    /** Whether the connection may stay open after answering this request. */
    public static boolean keepAlive(HttpRequest request) {
        return request != null && request.decoderResult().isSuccess() && HttpUtil.isKeepAlive(request);
    }

    /**
     * Sets the {@code Connection} header for {@code keepAlive} (explicit for both HTTP/1.0 and
     * 1.1 peers) and {@code Date} ({@link HttpDate}), and counts the response. Call once per response, before writing its head.
     */
    public static void prepare(HttpResponse response, boolean keepAlive, Metrics metrics) {
        response.headers().set(HttpHeaderNames.CONNECTION,
                keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.DATE, HttpDate.now());
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                && response.status().code() != HttpResponseStatus.NOT_MODIFIED.code()) {
            // Every response is delimited by its length: never by closing, never chunked.
            HttpUtil.setContentLength(response, 0);
        }
        metrics.httpResponse(response.status().code());
    }

    /**
     * Sends a complete response in one write and one flush (a pipeline's flush consolidation
     * merges the flushes of pipelined requests); closes the connection after it unless {@code keepAlive}. For HEAD
     * the caller keeps the Content-Length of the GET answer and passes an empty body.
     */
    public static ChannelFuture send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive,
            Metrics metrics) {
        prepare(response, keepAlive, metrics);
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }

    /**
     * Sends a pre-encoded response (its {@code Connection} variant says whether the connection
     * stays open) in one write and one flush, counted; closes the connection after it unless it
     * is the keep-alive variant.
     */
    public static ChannelFuture send(ChannelHandlerContext ctx, FixedResponse response, Metrics metrics) {
        metrics.httpResponse(response.status().code());
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!response.keepAlive()) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        return written;
    }

    /** Sends {@link #error} for {@code status} and closes the connection after it. */
    public static ChannelFuture sendErrorAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, Metrics metrics) {
        return send(ctx, error(status), false, metrics);
    }
}
