package io.switchboard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * On-the-fly gzip for the listener's dynamic responses ({@code /metrics}, pages, JSON, error
 * texts): a body of a compressible type longer than the threshold is gzipped whole (it keeps a
 * Content-Length: the listener never uses chunked coding) when the request accepts gzip, and
 * every such response, gzipped or not, carries {@code Vary: Accept-Encoding}. Bodies at or under
 * the threshold are left alone and do not vary. Stateless.
 */
final class DynamicCompression {
    private final int threshold;

    /** @param threshold bodies longer than this are compressed; negative turns compression off */
    DynamicCompression(int threshold) {
        this.threshold = threshold;
    }

    /** Whether a body of this length is never compressed, whatever its type and the request. */
    boolean leaves(int length) {
        return threshold < 0 || length <= threshold;
    }

    /** Whether a body of this type is worth compressing (text, JSON, JavaScript, XML, SVG). */
    static boolean compressible(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        return type.startsWith("text/") || type.startsWith("application/json") || type.startsWith("application/javascript")
                || type.startsWith("application/xml") || type.startsWith("image/svg+xml")
                || type.startsWith("application/openmetrics-text");
    }

    /** Returns the response to send for a request with these headers: {@code response}, or its gzipped replacement. */
    FullHttpResponse apply(HttpHeaders request, FullHttpResponse response, ByteBufAllocator alloc) {
        HttpHeaders out = response.headers();
        if (leaves(response.content().readableBytes())
                || response.status().code() == HttpResponseStatus.PARTIAL_CONTENT.code()
                || out.contains(HttpHeaderNames.CONTENT_ENCODING) || !compressible(out.get(HttpHeaderNames.CONTENT_TYPE))) {
            return response;
        }
        Cors.vary(out, "Accept-Encoding");
        if (AcceptEncoding.weight(request.get(HttpHeaderNames.ACCEPT_ENCODING, ""), AcceptEncoding.GZIP) <= 0) {
            return response;
        }
        ByteBuf body = response.content();
        ByteBuf gzipped = alloc.buffer(body.readableBytes() / 2 + 32);
        try (GZIPOutputStream gzip = new GZIPOutputStream(new ByteBufOutputStream(gzipped), 8192)) {
            body.getBytes(body.readerIndex(), gzip, body.readableBytes());
        } catch (IOException | RuntimeException e) {
            gzipped.release();
            throw e instanceof IOException ? new UncheckedIOException((IOException) e) : (RuntimeException) e;
        }
        FullHttpResponse compressed = response.replace(gzipped);
        response.release();
        compressed.headers().set(HttpHeaderNames.CONTENT_ENCODING, AcceptEncoding.GZIP)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, gzipped.readableBytes());
        return compressed;
    }
}
