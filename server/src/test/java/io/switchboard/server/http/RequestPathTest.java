package io.switchboard.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestPathTest {
    @Test
    void decodesEachSegmentOnce() {
        assertEquals(List.of("a b", "c"), RequestPath.parse("/a%20b/c").segments());
        assertEquals(List.of("%2e%2e"), RequestPath.parse("/%252e%252e").segments());
        assertEquals(List.of("%2f"), RequestPath.parse("/%252f").segments());
        assertEquals(List.of("caf\u00e9"), RequestPath.parse("/caf%C3%A9").segments());
        assertEquals(List.of("a+b"), RequestPath.parse("/a+b").segments(), "+ is not a space in a path");
    }

    @Test
    void queryFragmentEmptySegmentsAndAbsoluteForm() {
        assertTrue(RequestPath.parse("/").isRoot());
        assertTrue(RequestPath.parse("/?q=..%2f").isRoot());
        assertEquals(List.of("a", "b"), RequestPath.parse("//a///b#x").segments());
        assertEquals(List.of("healthz"), RequestPath.parse("http://example:8080/healthz?x").segments());
        assertTrue(RequestPath.parse("http://example").isRoot());
        assertTrue(RequestPath.parse("/healthz").is("healthz"));
        assertTrue(!RequestPath.parse("/healthz/").is("healthz"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/a/../b", "/.", "/%2e%2e", "/%2E.", "/a%2fb", "/a%2Fb", "/a\\b", "/a%5cb",
        "/a%00", "/%0a", "/%7f", "/%", "/%2", "/%zz", "/ok?token=%zz", "/ok?x=%", "/ok#%g0", "/%c0%ae", "/%ff", "relative", "", "*", "C:\\x", "/caf\u00e9"})
    void refused(String target) {
        assertNull(RequestPath.parse(target), target);
    }

    @Test
    void rangeParsing() {
        assertArrayEquals(new long[] {0, 9}, StaticFiles.parseRange("bytes=0-9", 100));
        assertArrayEquals(new long[] {90, 99}, StaticFiles.parseRange("bytes=-10", 100));
        assertArrayEquals(new long[] {0, 99}, StaticFiles.parseRange("bytes=-1000", 100));
        assertArrayEquals(new long[] {5, 99}, StaticFiles.parseRange("BYTES=5-", 100));
        assertArrayEquals(new long[] {5, 99}, StaticFiles.parseRange("bytes=5-500", 100));
        assertSame(StaticFiles.UNSATISFIABLE, StaticFiles.parseRange("bytes=100-", 100));
        assertSame(StaticFiles.UNSATISFIABLE, StaticFiles.parseRange("bytes=-0", 100));
        assertSame(StaticFiles.UNSATISFIABLE, StaticFiles.parseRange("bytes=-5", 0));
        assertNull(StaticFiles.parseRange("bytes=0-1,3-4", 100), "several ranges: the whole file");
        assertNull(StaticFiles.parseRange("bytes=9-1", 100));
        assertNull(StaticFiles.parseRange("items=0-1", 100));
        assertNull(StaticFiles.parseRange("bytes=a-b", 100));
        assertNull(StaticFiles.parseRange("bytes=-", 100));
        assertNull(StaticFiles.parseRange("bytes=+1-2", 100));
        assertNull(StaticFiles.parseRange("bytes=99999999999999999999-", 100));
    }

    @Test
    void contentTypes() {
        assertEquals("text/html; charset=utf-8", StaticFiles.contentType("index.HTML"));
        assertEquals("text/javascript; charset=utf-8", StaticFiles.contentType("app.js"));
        assertEquals("image/png", StaticFiles.contentType("a.b.png"));
        assertEquals("application/octet-stream", StaticFiles.contentType("Makefile"));
        assertEquals("application/octet-stream", StaticFiles.contentType("x.unknown"));
    }
}
