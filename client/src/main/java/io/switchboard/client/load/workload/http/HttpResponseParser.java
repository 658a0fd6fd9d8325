package io.switchboard.client.load.workload.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ByteProcessor;

/**
 * A lean HTTP/1.1 response parser for load generation: it reads the status line and the three
 * headers that frame a response ({@code Content-Length}, {@code Transfer-Encoding: chunked},
 * {@code Connection}) and skips the body without copying it. Works in place on each received
 * buffer; only a line split across two reads is copied (into a small buffer kept for the next
 * read). Interim 1xx responses are skipped. A response with neither length nor chunking ends
 * when the connection closes.
 *
 * <p>Not thread-safe: one per connection, on its event loop.
 */
final class HttpResponseParser {
    /** What the parser tells its owner. */
    interface Listener {
        /** A whole response was read. */
        void response(int status, boolean close);

        /** The bytes are not an HTTP/1.x response; the connection must be closed. */
        void malformed(String why);
    }

    static final int MAX_LINE = 16 * 1024;
    private static final int MAX_HEADERS_BYTES = 64 * 1024;

    private enum State { STATUS, HEADERS, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, BROKEN }

    private final Listener listener;
    private final ByteBufAllocator alloc;
    private State state = State.STATUS;
    private ByteBuf partial;
    private int status;
    private long contentLength;
    private boolean chunked;
    private boolean close;
    private boolean http10;
    private boolean keepAlive;
    private long remaining;
    private int headerBytes;

    HttpResponseParser(Listener listener, ByteBufAllocator alloc) {
        this.listener = listener;
        this.alloc = alloc;
    }

    /** Parses what {@code in} holds; does not release it. */
    void feed(ByteBuf in) {
        while (in.isReadable()) {
            if (state == State.BROKEN) {
                in.skipBytes(in.readableBytes());
                return;
            }
            switch (state) {
                case BODY:
                case CHUNK_DATA: {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    in.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.BODY) {
                            finish();
                        } else {
                            state = State.CHUNK_END;
                        }
                    }
                    break;
                }
                case UNTIL_CLOSE:
                    in.skipBytes(in.readableBytes());
                    break;
                default: {
                    int lf = in.forEachByte(ByteProcessor.FIND_LF);
                    if (lf < 0) {
                        int n = in.readableBytes();
                        if (partialLength() + n > MAX_LINE) {
                            fail("a header line longer than " + MAX_LINE + " bytes");
                            continue;
                        }
                        partial().writeBytes(in, n);
                        return;
                    }
                    int lineLength = lf - in.readerIndex();
                    if (lineLength > MAX_LINE) {
                        fail("a header line longer than " + MAX_LINE + " bytes");
                        continue;
                    }
                    if (partial != null && partial.isReadable()) {
                        if (partial.readableBytes() + lineLength > MAX_LINE) {
                            fail("a header line longer than " + MAX_LINE + " bytes");
                            continue;
                        }
                        partial.writeBytes(in, lineLength);
                        in.skipBytes(1);
                        line(partial, partial.readerIndex(), partial.writerIndex());
                        partial.clear();
                    } else {
                        int start = in.readerIndex();
                        in.readerIndex(lf + 1);
                        line(in, start, lf);
                    }
                }
            }
        }
    }

    /** The connection closed: a body delimited by the close is complete now. */
    void closed() {
        if (state == State.UNTIL_CLOSE) {
            state = State.STATUS;
            listener.response(status, true);
        }
    }

    /** Whether a response is partly read. */
    boolean midResponse() {
        return state != State.STATUS || (partial != null && partial.isReadable());
    }

    void release() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    private int partialLength() {
        return partial == null ? 0 : partial.readableBytes();
    }

    private ByteBuf partial() {
        if (partial == null) {
            partial = alloc.heapBuffer(256, MAX_LINE + 1);
        }
        return partial;
    }

    private void fail(String why) {
        state = State.BROKEN;
        listener.malformed(why);
    }

    /** One line in {@code buf[start, lfIndex)} (the LF excluded, a CR before it is trimmed). */
    private void line(ByteBuf buf, int start, int lfIndex) {
        int end = lfIndex > start && buf.getByte(lfIndex - 1) == '\r' ? lfIndex - 1 : lfIndex;
        switch (state) {
            case STATUS:
                status(buf, start, end);
                break;
            case HEADERS:
            case TRAILERS:
                headerBytes += lfIndex - start + 1;
                if (headerBytes > MAX_HEADERS_BYTES) {
                    fail("headers longer than " + MAX_HEADERS_BYTES + " bytes");
                    return;
                }
                if (end == start) {
                    if (state == State.TRAILERS) {
                        finish();
                    } else {
                        endOfHeaders();
                    }
                } else if (state == State.HEADERS) {
                    header(buf, start, end);
                }
                break;
            case CHUNK_SIZE:
                chunkSize(buf, start, end);
                break;
            case CHUNK_END:
                if (end != start) {
                    fail("chunk data longer than its size");
                    return;
                }
                state = State.CHUNK_SIZE;
                break;
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private void status(ByteBuf buf, int start, int end) {
        // HTTP/1.x SSS reason
        if (end - start < 12 || !matches(buf, start, HTTP_1) || buf.getByte(start + 8) != ' ') {
            if (end == start) {
                return; // tolerate a stray empty line between responses
            }
            fail("not an HTTP/1.x status line: " + printable(buf, start, end));
            return;
        }
        int s = 0;
        for (int i = 9; i < 12; i++) {
            int d = buf.getByte(start + i) - '0';
            if (d < 0 || d > 9) {
                fail("bad status code in: " + printable(buf, start, end));
                return;
            }
            s = s * 10 + d;
        }
        status = s;
        http10 = buf.getByte(start + 7) == '0';
        keepAlive = false;
        close = false;
        chunked = false;
        contentLength = -1;
        headerBytes = 0;
        state = State.HEADERS;
    }

    private void header(ByteBuf buf, int start, int end) {
        if (startsWithIgnoreCase(buf, start, end, CONTENT_LENGTH)) {
            long v = 0;
            boolean digits = false;
            for (int i = start + CONTENT_LENGTH.length; i < end; i++) {
                byte b = buf.getByte(i);
                if (b >= '0' && b <= '9') {
                    v = v * 10 + (b - '0');
                    digits = true;
                    if (v > (1L << 50)) {
                        fail("Content-Length too large");
                        return;
                    }
                } else if (b != ' ' && b != '\t') {
                    fail("bad Content-Length: " + printable(buf, start, end));
                    return;
                }
            }
            if (!digits) {
                fail("empty Content-Length");
                return;
            }
            contentLength = v;
        } else if (startsWithIgnoreCase(buf, start, end, TRANSFER_ENCODING)) {
            chunked = containsIgnoreCase(buf, start + TRANSFER_ENCODING.length, end, CHUNKED);
        } else if (startsWithIgnoreCase(buf, start, end, CONNECTION)) {
            if (containsIgnoreCase(buf, start + CONNECTION.length, end, CLOSE)) {
                close = true;
            } else if (containsIgnoreCase(buf, start + CONNECTION.length, end, KEEP_ALIVE)) {
                keepAlive = true;
            }
        }
    }

    private void endOfHeaders() {
        if (http10 && !keepAlive) {
            close = true;
        }
        if (status >= 100 && status < 200) {
            state = State.STATUS; // interim response: the real one follows
            return;
        }
        if (status == 204 || status == 304) {
            finish();
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            if (remaining == 0) {
                finish();
            } else {
                state = State.BODY;
            }
        } else {
            state = State.UNTIL_CLOSE;
        }
    }

    private void chunkSize(ByteBuf buf, int start, int end) {
        long size = 0;
        boolean digits = false;
        for (int i = start; i < end; i++) {
            int b = buf.getByte(i);
            int d = Character.digit(b, 16);
            if (d < 0) {
                if (b == ';' || b == ' ' || b == '\t') {
                    break; // chunk extension
                }
                fail("bad chunk size: " + printable(buf, start, end));
                return;
            }
            size = size * 16 + d;
            digits = true;
            if (size > (1L << 50)) {
                fail("chunk too large");
                return;
            }
        }
        if (!digits) {
            fail("empty chunk size line");
            return;
        }
        if (size == 0) {
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
    }

    private void finish() {
        state = State.STATUS;
        listener.response(status, close);
    }

    private static final byte[] HTTP_1 = ascii("HTTP/1.");
    private static final byte[] CONTENT_LENGTH = ascii("content-length:");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding:");
    private static final byte[] CONNECTION = ascii("connection:");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static boolean matches(ByteBuf buf, int start, byte[] exact) {
        for (int i = 0; i < exact.length; i++) {
            if (buf.getByte(start + i) != exact[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWithIgnoreCase(ByteBuf buf, int start, int end, byte[] lower) {
        if (end - start < lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            if (toLower(buf.getByte(start + i)) != lower[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsIgnoreCase(ByteBuf buf, int start, int end, byte[] lower) {
        outer:
        for (int i = start; i + lower.length <= end; i++) {
            for (int j = 0; j < lower.length; j++) {
                if (toLower(buf.getByte(i + j)) != lower[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte toLower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static String printable(ByteBuf buf, int start, int end) {
        StringBuilder sb = new StringBuilder();
        for (int i = start; i < Math.min(end, start + 80); i++) {
            byte b = buf.getByte(i);
            sb.append(b >= 32 && b < 127 ? (char) b : '?');
        }
        return sb.toString();
    }
}
