package io.switchboard.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.http.response.FixedResponse;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The HTTP access log: one line per request on the logger {@value #LOGGER_NAME}, in the combined
 * log format with the response time added:
 *
 * <pre>
 * 127.0.0.1 - - [23/Nov/2026:12:00:00 +0000] "GET /healthz HTTP/1.1" 200 16 "-" "curl/8.0" 0.214ms
 * </pre>
 *
 * The size is the response body as written (file regions included, headers not); the time runs
 * from the request's head being decoded to its last byte being written. Requests still unanswered
 * when the connection closes are logged with {@code -} as status. Interim {@code 1xx} responses
 * are not logged ({@code 101 Switching Protocols} is, and ends logging on that connection).
 * Request-line, referer and user-agent text is escaped, so a peer cannot forge log lines.
 *
 * <p>Sits right after the HTTP codec, so it sees requests as decoded and responses as the codec
 * is about to encode them. Only in the pipeline when {@code http.access-log} is on: off, it costs
 * nothing. One per connection (it queues the pipelined requests awaiting their responses).
 */
public final class AccessLogHandler extends ChannelDuplexHandler {
    /** The logger the lines go to, so that a log4j configuration can route them on their own. */
    public static final String LOGGER_NAME = "io.switchboard.access";
    private static final Logger log = LogManager.getLogger(LOGGER_NAME);
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final ArrayDeque<Entry> awaiting = new ArrayDeque<>();
    private Entry responding;
    private boolean upgraded;

    /** The referer with any {@code token} parameter redacted (a page's URL may carry one). */
    private static String redactedReferer(HttpRequest request) {
        String referer = request.headers().get(HttpHeaderNames.REFERER);
        return referer == null ? null : AuthTokens.redactUri(referer);
    }

    private static final class Entry {
        final String requestLine;
        final String referer;
        final String userAgent;
        final long startNanos;
        final long startMillis;
        int status = -1;
        long bytes;

        Entry(String requestLine, String referer, String userAgent, long startNanos, long startMillis) {
            this.requestLine = requestLine;
            this.referer = referer;
            this.userAgent = userAgent;
            this.startNanos = startNanos;
            this.startMillis = startMillis;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!upgraded && msg instanceof HttpRequest) {
            HttpRequest request = (HttpRequest) msg;
            awaiting.add(new Entry(request.method().name() + " " + AuthTokens.redactUri(request.uri()) + " " + request.protocolVersion(),
                    redactedReferer(request), request.headers().get(HttpHeaderNames.USER_AGENT),
                    System.nanoTime(), System.currentTimeMillis()));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (upgraded) {
            ctx.write(msg, promise);
            return;
        }
        if (msg instanceof HttpResponse || msg instanceof FixedResponse) {
            HttpResponseStatus status = msg instanceof FixedResponse fixed ? fixed.status() : ((HttpResponse) msg).status();
            boolean interim = status.codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL
                    && status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            if (!interim) {
                responding = awaiting.poll();
                if (responding == null) { // answered without a request, e.g. a timeout's 408
                    responding = new Entry("-", null, null, System.nanoTime(), System.currentTimeMillis());
                }
                responding.status = status.code();
                upgraded = status.code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code();
            }
        }
        Entry entry = responding;
        if (entry != null) {
            if (msg instanceof FixedResponse fixed) {
                entry.bytes += fixed.contentLength();
            } else if (msg instanceof HttpContent) {
                entry.bytes += ((HttpContent) msg).content().readableBytes();
            } else if (msg instanceof FileRegion) {
                entry.bytes += ((FileRegion) msg).count();
            }
            if (msg instanceof LastHttpContent || msg instanceof FixedResponse || upgraded) {
                responding = null;
                SocketAddress remote = ctx.channel().remoteAddress();
                ChannelPromise p = promise.unvoid();
                p.addListener(f -> log(remote, entry, f.isSuccess()));
                ctx.write(msg, p);
                return;
            }
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (responding != null) {
            log(remote, responding, false);
            responding = null;
        }
        for (Entry entry; (entry = awaiting.poll()) != null; ) {
            log(remote, entry, false);
        }
        ctx.fireChannelInactive();
    }

    private static void log(SocketAddress remote, Entry e, boolean complete) {
        if (!log.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder(160);
        line.append(remote instanceof InetSocketAddress ? ((InetSocketAddress) remote).getAddress().getHostAddress()
                : "-");
        line.append(" - - [");
        TIME.formatTo(Instant.ofEpochMilli(e.startMillis), line);
        line.append("] \"");
        escape(e.requestLine, line);
        line.append("\" ");
        if (complete && e.status >= 0) {
            line.append(e.status);
        } else {
            line.append('-');
        }
        line.append(' ').append(e.bytes).append(" \"");
        escape(e.referer == null ? "-" : e.referer, line);
        line.append("\" \"");
        escape(e.userAgent == null ? "-" : e.userAgent, line);
        long micros = (System.nanoTime() - e.startNanos) / 1000;
        line.append("\" ").append(micros / 1000).append('.');
        long frac = micros % 1000;
        line.append(frac < 10 ? "00" : frac < 100 ? "0" : "").append(frac).append("ms");
        log.info("{}", line);
    }

    /** Appends text with quotes, backslashes and anything outside printable ASCII escaped. */
    static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else if (c > 0x7f) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
    }
}
