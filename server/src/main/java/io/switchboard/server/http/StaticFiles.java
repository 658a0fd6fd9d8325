package io.switchboard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import io.switchboard.common.transport.Cork;
import io.switchboard.server.ReadGate;
import io.switchboard.server.http.response.HttpResponses;
import io.switchboard.server.http.settings.HttpServing;
import io.switchboard.server.metrics.Metrics;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Date;
import java.util.Locale;
import java.util.Map;

/**
 * Serves the files under one root directory for GET and HEAD.
 *
 * <ul>
 *   <li>A path is resolved segment by segment ({@link RequestPath}), then to its real path, which
 *       must lie under the root's real path: a symbolic link leading out of the root is a 404.</li>
 *   <li>A directory is served as its {@code index.html}, else 404; there are no listings. A
 *       directory with an index named without its trailing slash is redirected to it (see
 *       {@link #directoryLocation}).</li>
 *   <li>Validators: a strong ETag made of the size and modification time in hex, and
 *       Last-Modified; {@code If-None-Match} (which wins) or {@code If-Modified-Since} give 304.</li>
 *   <li>Ranges: one byte range gives 206 with Content-Range; an unsatisfiable one gives 416 with
 *       {@code Content-Range: bytes *}{@code /size}. <b>A request for several ranges gets the
 *       whole file with 200</b> (allowed by RFC 9110 section 14.2, and it saves multipart bodies).
 *       A malformed Range header is ignored, as is one whose If-Range does not match.</li>
 *   <li>Lookups go through a {@link FileCache} (nginx's {@code open_file_cache}): resolved paths,
 *       validators, open descriptors, failures, and the bytes of small files, each used for the
 *       revalidation interval and then checked on disk again.</li>
 *   <li>Precompressed siblings: when {@code name.br} or {@code name.gz} lies beside the file and
 *       the client accepts that coding (and asked for no range), the sibling is sent with
 *       {@code Content-Encoding}, its own ETag and the original's type; every response for such
 *       a file carries {@code Vary: Accept-Encoding}.</li>
 *   <li>Bodies the cache holds in memory go out as a slice of its shared read-only buffer, in
 *       one write with the head. Other bodies up to {@link #SMALL_BODY} bytes are read into one
 *       pooled buffer (cheaper than a sendfile at that size). Larger ones go out as a zero-copy
 *       {@link DefaultFileRegion} over the cached descriptor
 *       (sendfile on epoll) when the
 *       channel has no {@link SslHandler} and zero-copy is enabled, the connection corked from the
 *       head to the body's end ({@link Cork}, nginx's {@code tcp_nopush}) so that the head leaves
 *       in the body's first segment; else as chunks read with {@link ChunkedNioFile}.</li>
 * </ul>
 */
final class StaticFiles {
    /** Bodies up to this size are read into a buffer instead of sent with sendfile. */
    static final int SMALL_BODY = 16 * 1024;

    private static final int CHUNK_SIZE = 16 * 1024;
    private static final String DEFAULT_TYPE = "application/octet-stream";
    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("md", "text/markdown; charset=utf-8"),
            Map.entry("xml", "application/xml"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("woff", "font/woff"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("pdf", "application/pdf"));

    private final FileCache cache;
    private final boolean zeroCopy;
    private final Cors cors;
    private final Metrics metrics;

    /** With the default serving settings. @throws IOException when the root's real path cannot be resolved */
    StaticFiles(Path root, boolean zeroCopy, Metrics metrics) throws IOException {
        this(root, zeroCopy, HttpServing.defaults(), new Cors(HttpServing.defaults()), metrics);
    }

    /** @throws IOException when the root's real path cannot be resolved */
    StaticFiles(Path root, boolean zeroCopy, HttpServing serving, Cors cors, Metrics metrics) throws IOException {
        this.cors = cors;
        this.cache = new FileCache(root, serving.openFileCache(), serving.openFileCacheValid(),
                serving.fileCacheMemory(), serving.fileCacheMaxFile(), serving.gzipStatic());
        this.zeroCopy = zeroCopy;
        this.metrics = metrics;
    }

    /** The content type for a file name, from its extension. */
    static String contentType(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0) {
            return DEFAULT_TYPE;
        }
        return TYPES.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT_TYPE);
    }

    /** The cache of resolved paths (for tests). */
    FileCache cache() {
        return cache;
    }

    /** Closes the descriptors the cache holds (once the responses sending from them are done). */
    void close() {
        cache.close();
    }

    /** What a request path names under the root now (see {@link FileCache}). */
    FileCache.Entry lookup(RequestPath path) {
        return cache.lookup(path);
    }

    /**
     * Where to redirect a request for a directory named without its trailing slash: the path
     * with the slash ({@code /dir/}), or {@code null} when the path is not such a directory with
     * an index that {@link #resolve} would serve (a directory without one stays a 404). Browsers
     * resolve an index page's relative links against the URL's last slash, so {@code /dir} must
     * become {@code /dir/} before the index is served, as web servers do with 301.
     */
    static String directoryLocation(RequestPath path, FileCache.Entry entry) {
        if (path.isRoot() || path.trailingSlash() || !entry.directory || entry.identity == null) {
            return null;
        }
        return path.encoded() + "/";
    }

    /** Like {@link #directoryLocation(RequestPath, FileCache.Entry)}, looked up now. */
    String directoryLocation(RequestPath path) {
        return directoryLocation(path, lookup(path));
    }

    /**
     * The regular file a path names under the root (a directory's index.html), or {@code null}
     * when there is none or it lies outside the root.
     */
    Path resolve(RequestPath path) {
        FileCache.File file = lookup(path).identity;
        return file == null ? null : file.real;
    }

    /**
     * Answers a GET or HEAD for an entry with a file. Returns the future of the last write; the
     * connection is closed after it unless {@code keepAlive}.
     */
    ChannelFuture serve(ChannelHandlerContext ctx, FullHttpRequest request, FileCache.Entry entry, boolean keepAlive)
            throws IOException {
        HttpHeaders in = request.headers();
        String range = in.get(HttpHeaderNames.RANGE);
        FileCache.File identity = entry.identity;
        FileCache.File file = identity;
        String coding = null;
        // A range is always of the identity: byte ranges of a compressed sibling would be correct
        // too (RFC 9110 section 14.1.1, its own ETag), but many clients mishandle them.
        if (entry.hasSiblings() && range == null) {
            coding = AcceptEncoding.choose(in.get(HttpHeaderNames.ACCEPT_ENCODING), entry.br != null,
                    entry.gzip != null);
            if (coding != null) {
                file = coding.equals(AcceptEncoding.BR) ? entry.br : entry.gzip;
            }
        }
        long size = file.size;
        String etag = file.etag;

        if (notModified(in, etag, file.modified)) {
            HttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
                    Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.ETAG, etag).set(HttpHeaderNames.LAST_MODIFIED, file.lastModified);
            if (entry.hasSiblings()) {
                Cors.vary(response.headers(), "Accept-Encoding");
            }
            cors.apply(in, response.headers());
            return HttpResponses.send(ctx, (FullHttpResponse) response, keepAlive, metrics);
        }

        long start = 0;
        long length = size;
        HttpResponseStatus status = HttpResponseStatus.OK;
        if (range != null && ifRangeMatches(in.get(HttpHeaderNames.IF_RANGE), etag, file.lastModified)) {
            long[] span = parseRange(range, size);
            if (span == UNSATISFIABLE) {
                FullHttpResponse response = HttpResponses.error(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
                response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                cors.apply(in, response.headers());
                return HttpResponses.send(ctx, response, keepAlive, metrics);
            }
            if (span != null) {
                start = span[0];
                length = span[1] - span[0] + 1;
                status = HttpResponseStatus.PARTIAL_CONTENT;
            }
        }

        boolean head = HttpMethod.HEAD.equals(request.method()) || length == 0;
        ByteBuf bytes = file.bytes();
        HttpResponse response = head || bytes != null
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        head ? Unpooled.EMPTY_BUFFER : bytes.slice((int) start, (int) length))
                : new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        HttpHeaders out = response.headers();
        HttpUtil.setContentLength(response, length);
        out.set(HttpHeaderNames.CONTENT_TYPE, identity.contentType)
                .set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES)
                .set(HttpHeaderNames.ETAG, etag)
                .set(HttpHeaderNames.LAST_MODIFIED, file.lastModified);
        if (coding != null) {
            out.set(HttpHeaderNames.CONTENT_ENCODING, coding);
        }
        if (entry.hasSiblings()) {
            Cors.vary(out, "Accept-Encoding");
        }
        if (status == HttpResponseStatus.PARTIAL_CONTENT) {
            out.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + (start + length - 1) + "/" + size);
        }
        cors.apply(in, out);
        ChannelFuture last;
        if (response instanceof FullHttpResponse) {
            // HEAD, an empty body, or a body from memory: one write of one message, and the
            // shared buffer goes to the socket as it is (no copy).
            HttpResponses.prepare(response, keepAlive, metrics);
            last = ctx.writeAndFlush(response);
        } else if (length <= SMALL_BODY) {
            // A small body costs less as one pread into a pooled buffer than as a sendfile: the
            // head and body then leave in one writev, and the buffer counts against the water
            // marks like any other, so no request needs holding back.
            ByteBuf content = ctx.alloc().ioBuffer((int) length);
            FileChannel shared = file.open.retainChannel();
            try (FileChannel channel = shared != null ? null : FileChannel.open(file.real, StandardOpenOption.READ)) {
                FileChannel from = shared != null ? shared : channel;
                while (content.readableBytes() < length) {
                    int n = content.writeBytes(from, start + content.readableBytes(),
                            (int) length - content.readableBytes());
                    if (n < 0) {
                        throw new EOFException(file.real + " shrank while being read");
                    }
                }
            } catch (IOException | RuntimeException e) {
                content.release();
                throw e;
            } finally {
                if (shared != null) {
                    file.open.release();
                }
            }
            HttpResponses.prepare(response, keepAlive, metrics);
            ctx.write(response);
            last = ctx.writeAndFlush(new DefaultLastHttpContent(content));
        } else {
            // The body is made ready before the head is written, so that whatever fails here
            // fails before anything went out and the router can still answer in its place.
            boolean region = zeroCopy && ctx.pipeline().get(SslHandler.class) == null;
            FileChannel shared = region ? file.open.retainChannel() : null;
            Object body;
            if (shared != null) {
                body = new FileCache.SharedRegion(file.open, shared, start, length); // releases, never closes
            } else {
                FileChannel channel = FileChannel.open(file.real, StandardOpenOption.READ);
                try {
                    body = region
                            ? new DefaultFileRegion(channel, start, length) // owns and closes the channel
                            // HttpChunkedInput ends with the last content itself.
                            : new HttpChunkedInput(new ChunkedNioFile(channel, start, length, CHUNK_SIZE));
                } catch (IOException | RuntimeException e) {
                    channel.close();
                    throw e;
                }
            }
            HttpResponses.prepare(response, keepAlive, metrics);
            // The head leaves with the body's first segment, not alone (Cork says why it matters).
            boolean corked = body instanceof DefaultFileRegion && Cork.hold(ctx.channel());
            if (!(body instanceof DefaultFileRegion)) {
                HttpServerInitializer.addChunkedWriter(ctx);
            }
            ctx.write(response);
            if (body instanceof DefaultFileRegion) {
                ctx.write(body);
                last = ctx.write(LastHttpContent.EMPTY_LAST_CONTENT);
                // Now rather than at the read's end: a body the socket takes at once (the usual
                // case) is then written before holdRequestsUntilWritten looks, and reading need
                // not stop and start again around it (two epoll_ctl calls per file).
                FlushConsolidation.flushNow(ctx.pipeline());
            } else {
                last = ctx.writeAndFlush(body);
            }
            if (corked) {
                Channel channel = ctx.channel();
                last.addListener(written -> Cork.release(channel));
            }
            holdRequestsUntilWritten(ctx.channel(), last);
        }
        if (!keepAlive) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
        return last;
    }

    /**
     * One file body in flight per connection: a file region does not count towards the
     * write-buffer water marks, so backpressure alone would let a peer that pipelines without
     * reading open every file at once. Reading (and the flow-control handler's queue of decoded
     * requests) waits until this body is written.
     */
    private static void holdRequestsUntilWritten(Channel channel, ChannelFuture last) {
        if (last.isDone()) {
            return;
        }
        ReadGate gate = ReadGate.of(channel);
        gate.close(ReadGate.Reason.FILE_BODY);
        last.addListener(written -> {
            if (written.isSuccess()) {
                // Backpressure keeps its own reason closed if the channel is not writable now.
                gate.open(ReadGate.Reason.FILE_BODY);
            }
        });
    }

    private static boolean notModified(HttpHeaders in, String etag, long modifiedMillis) {
        String ifNoneMatch = in.get(HttpHeaderNames.IF_NONE_MATCH);
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.startsWith("W/")) {
                    t = t.substring(2); // weak comparison, as RFC 9110 section 13.1.2 asks
                }
                if (t.equals("*") || t.equals(etag)) {
                    return true;
                }
            }
            return false;
        }
        String ifModifiedSince = in.get(HttpHeaderNames.IF_MODIFIED_SINCE);
        if (ifModifiedSince != null) {
            Date since = DateFormatter.parseHttpDate(ifModifiedSince);
            return since != null && modifiedMillis / 1000 <= since.getTime() / 1000;
        }
        return false;
    }

    private static boolean ifRangeMatches(String ifRange, String etag, String lastModified) {
        return ifRange == null || ifRange.trim().equals(etag) || ifRange.trim().equals(lastModified);
    }

    static final long[] UNSATISFIABLE = new long[0];

    /**
     * Parses a Range header against a file size: {@code {first, last}} for one satisfiable byte
     * range, {@link #UNSATISFIABLE}, or {@code null} to serve the whole file (malformed, not in
     * bytes, or several ranges).
     */
    static long[] parseRange(String header, long size) {
        String value = header.trim();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = value.substring(6).trim();
        if (spec.isEmpty() || spec.indexOf(',') >= 0) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String first = spec.substring(0, dash).trim();
            String last = spec.substring(dash + 1).trim();
            if (first.isEmpty()) {
                if (last.isEmpty() || !digits(last)) {
                    return null;
                }
                long suffix = Long.parseLong(last);
                if (suffix == 0 || size == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            if (!digits(first) || (!last.isEmpty() && !digits(last))) {
                return null;
            }
            long from = Long.parseLong(first);
            long to = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
            if (to < from) {
                return null;
            }
            if (from >= size) {
                return UNSATISFIABLE;
            }
            return new long[] {from, Math.min(to, size - 1)};
        } catch (NumberFormatException e) {
            return null; // more digits than a long holds
        }
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return !s.isEmpty();
    }
}
