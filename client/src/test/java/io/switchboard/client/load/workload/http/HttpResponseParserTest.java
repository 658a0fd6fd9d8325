package io.switchboard.client.load.workload.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The response parser over whole and split input, every framing, and bad input. */
@Timeout(30)
class HttpResponseParserTest {
    private final List<String> events = new ArrayList<>();
    private final HttpResponseParser parser = new HttpResponseParser(new HttpResponseParser.Listener() {
        @Override
        public void response(int status, boolean close) {
            events.add(status + (close ? " close" : ""));
        }

        @Override
        public void malformed(String why) {
            events.add("malformed: " + why);
        }
    }, PooledByteBufAllocator.DEFAULT);

    private static final String NGINX = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 12:00:00 GMT\r\n"
            + "Content-Type: text/html\r\nContent-Length: 13\r\nLast-Modified: Mon, 23 Nov 2026 11:00:00 GMT\r\n"
            + "Connection: keep-alive\r\nETag: \"1-d\"\r\nAccept-Ranges: bytes\r\n\r\nHello, world\n";
    private static final String CHUNKED = "HTTP/1.1 404 Not Found\r\ntransfer-encoding: gzip, Chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n";
    private static final String INTERIM_AND_EMPTY = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 99\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\n\r\n";
    private static final String CLOSE = "HTTP/1.1 503 Busy\r\nCONTENT-LENGTH: 0\r\nConnection: close\r\n\r\n";
    private static final String HTTP10 = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
            + "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok";
    private static final String ALL = NGINX + CHUNKED + NGINX + INTERIM_AND_EMPTY + HTTP10 + CLOSE;
    private static final List<String> ALL_EVENTS = List.of("200", "404", "200", "204", "304", "200 close", "200", "503 close");

    @Test
    void wholeInput() {
        feed(ALL);
        assertEquals(ALL_EVENTS, events);
        parser.release();
    }

    @Test
    void everySplitPoint() {
        byte[] all = ALL.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 1; split < all.length; split++) {
            HttpResponseParserTest fresh = new HttpResponseParserTest();
            fresh.feed(all, 0, split);
            fresh.feed(all, split, all.length - split);
            assertEquals(ALL_EVENTS, fresh.events, "split at " + split);
            assertTrue(!fresh.parser.midResponse());
            fresh.parser.release();
        }
    }

    @Test
    void oneByteAtATime() {
        byte[] all = ALL.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < all.length; i++) {
            feed(all, i, 1);
        }
        assertEquals(ALL_EVENTS, events);
        parser.release();
    }

    @Test
    void bodyUntilCloseEndsWithTheConnection() {
        feed("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nsome body of unknown length");
        assertEquals(List.of(), events);
        assertTrue(parser.midResponse());
        parser.closed();
        assertEquals(List.of("200 close"), events);
        parser.release();
    }

    @Test
    void badInputIsMalformedNotAnException() {
        for (String bad : new String[] {
                "SSH-2.0-OpenSSH_9.2\r\n",
                "HTTP/1.1 2x0 OK\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
                "HTTP/1.1 200 OK\r\nX: " + "y".repeat(HttpResponseParser.MAX_LINE) + "\r\n\r\n"}) {
            HttpResponseParserTest fresh = new HttpResponseParserTest();
            fresh.feed(bad);
            fresh.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); // ignored once broken
            assertEquals(1, fresh.events.size(), bad + " -> " + fresh.events);
            assertTrue(fresh.events.get(0).startsWith("malformed: "), bad + " -> " + fresh.events);
            fresh.parser.release();
        }
    }

    private void feed(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        feed(b, 0, b.length);
    }

    private void feed(byte[] b, int offset, int length) {
        ByteBuf buf = Unpooled.directBuffer(length).writeBytes(b, offset, length);
        try {
            parser.feed(buf);
            assertEquals(0, buf.readableBytes(), "the parser consumes everything it is given");
        } finally {
            buf.release();
        }
    }
}
