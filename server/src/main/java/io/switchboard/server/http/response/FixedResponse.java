package io.switchboard.server.http.response;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A complete response known in advance (status, content type, body): its status line and
 * constant headers are encoded once, and the listener's encoder writes it as those bytes plus
 * {@code Connection} and {@code Date} in one buffer, with the body unless the request was HEAD
 * (the encoder knows each response's request method). It passes the handlers between the router
 * and the encoder as one message that is both a response's head and its end, so the drain, the
 * header timeout and the access log treat it as they treat a {@code FullHttpResponse}.
 *
 * <pre>
 * HTTP/1.1 200 OK\r\n                      encoded once
 * content-type: application/json\r\n         encoded once
 * content-length: 16\r\n                     encoded once
 * connection: keep-alive\r\n | close\r\n     per response (the two variants)
 * date: Sun, 06 Nov 1994 08:49:37 GMT\r\n    per response ({@link HttpDate})
 * \r\n
 * body                                       copied, not for HEAD
 * </pre>
 *
 * <p>Immutable and shared: the keep-alive and the close variant of one response are two instances.
 */
public final class FixedResponse {
    private static final byte[] KEEP_ALIVE = header(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    private static final byte[] CLOSE = header(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    private static final byte[] DATE = (HttpHeaderNames.DATE + ": ").getBytes(StandardCharsets.US_ASCII);
    private static final int CRLF = ('\r' << 8) | '\n';

    private final HttpResponseStatus status;
    private final byte[] head;
    private final byte[] body;
    private final boolean keepAlive;
    private final FixedResponse other;

    private FixedResponse(HttpResponseStatus status, byte[] head, byte[] body, boolean keepAlive, FixedResponse other) {
        this.status = status;
        this.head = head;
        this.body = body;
        this.keepAlive = keepAlive;
        this.other = other != null ? other : new FixedResponse(status, head, body, !keepAlive, this);
    }

    /** The keep-alive variant of a response with this status, content type and body. */
    public static FixedResponse of(HttpResponseStatus status, String contentType, byte[] body) {
        for (int i = 0; i < contentType.length(); i++) {
            char c = contentType.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("content type: " + contentType + " (expected: visible ASCII and spaces)");
            }
        }
        String head = HttpVersion.HTTP_1_1 + " " + status + "\r\n"
                + HttpHeaderNames.CONTENT_TYPE + ": " + contentType + "\r\n"
                + HttpHeaderNames.CONTENT_LENGTH + ": " + body.length + "\r\n";
        return new FixedResponse(status, head.getBytes(StandardCharsets.US_ASCII), body.clone(), true, null);
    }

    /** The status. */
    public HttpResponseStatus status() {
        return status;
    }

    /** The body's length (the Content-Length, also for HEAD). */
    public int contentLength() {
        return body.length;
    }

    /** Whether this variant says {@code Connection: keep-alive} (else {@code close}). */
    public boolean keepAlive() {
        return keepAlive;
    }

    /** The variant with {@code keepAlive}. */
    public FixedResponse keepAlive(boolean keepAlive) {
        return keepAlive == this.keepAlive ? this : other;
    }

    /** The response on the wire, in one buffer from {@code alloc}; the head only for a HEAD request. */
    public ByteBuf encode(ByteBufAllocator alloc, boolean headOnly) {
        AsciiString date = HttpDate.now();
        byte[] connection = keepAlive ? KEEP_ALIVE : CLOSE;
        int bodyLength = headOnly ? 0 : body.length;
        ByteBuf out = alloc.ioBuffer(head.length + connection.length + DATE.length + date.length() + 4 + bodyLength);
        out.writeBytes(head).writeBytes(connection).writeBytes(DATE)
                .writeBytes(date.array(), date.arrayOffset(), date.length()).writeShort(CRLF).writeShort(CRLF);
        if (bodyLength > 0) {
            out.writeBytes(body);
        }
        return out;
    }

    private static byte[] header(AsciiString name, AsciiString value) {
        return (name + ": " + value + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "FixedResponse(" + status + ", " + body.length + " bytes, " + (keepAlive ? "keep-alive" : "close") + ")";
    }
}
