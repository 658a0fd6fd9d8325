package io.switchboard.server.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.switchboard.testing.Await;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open-file cache on its own: what it keeps, for how long, within which bounds, and that a
 * path is checked as strictly on every revalidation as on a miss. Nothing here is timed: a
 * change is awaited under a short interval, and a cache hit is shown under an hour-long one.
 */
class FileCacheTest {
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration SHORT = Duration.ofMillis(20);

    @TempDir
    Path base;
    Path root;
    FileCache cache;

    @BeforeEach
    void makeRoot() throws IOException {
        root = HttpTestSupport.makeRoot(base, 100_000);
    }

    @AfterEach
    void closeCache() {
        if (cache != null) {
            cache.close();
        }
    }

    private FileCache cache(int entries, Duration valid, long memory, int maxFile) throws IOException {
        cache = new FileCache(root, entries, valid, memory, maxFile, true);
        return cache;
    }

    private static RequestPath path(String target) {
        return RequestPath.parse(target);
    }

    private static String text(FileCache.File file) {
        ByteBuf bytes = file.bytes();
        return bytes.toString(bytes.readerIndex(), bytes.readableBytes(), UTF_8);
    }

    @Test
    void aHitIsTheSameEntryUntilTheIntervalEnds() throws IOException {
        cache(100, HOUR, 1 << 20, 64 << 10);
        FileCache.Entry first = cache.lookup(path("/hello.txt"));
        assertEquals(HttpTestSupport.HELLO, text(first.identity));
        Files.writeString(root.resolve("hello.txt"), "changed\n");
        assertSame(first, cache.lookup(path("/hello.txt")), "within the interval the disk is not asked");
        assertSame(first, cache.lookup(path("/hello.txt/")), "one entry per path, trailing slash or not");
    }

    @Test
    void aFileReplacedOrRemovedIsServedAsItIsAfterTheInterval() throws Exception {
        cache(100, SHORT, 1 << 20, 64 << 10);
        assertEquals(HttpTestSupport.HELLO, text(cache.lookup(path("/hello.txt")).identity));
        Path replacement = Files.writeString(base.resolve("new.txt"), "replaced\n");
        Files.move(replacement, root.resolve("hello.txt"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Await.until("the replaced file", () -> "replaced\n".equals(text(cache.lookup(path("/hello.txt")).identity)));
        Files.delete(root.resolve("hello.txt"));
        Await.until("the removed file gone", () -> cache.lookup(path("/hello.txt")).identity == null);
    }

    @Test
    void notFoundIsCachedForTheIntervalToo() throws Exception {
        cache(100, HOUR, 1 << 20, 64 << 10);
        assertNull(cache.lookup(path("/later.txt")).identity);
        Files.writeString(root.resolve("later.txt"), "here now\n");
        assertNull(cache.lookup(path("/later.txt")).identity, "the miss is remembered");
        cache.close();
        cache(100, SHORT, 1 << 20, 64 << 10);
        assertNotNull(cache.lookup(path("/later.txt")).identity);
        Files.delete(root.resolve("later.txt"));
        Await.until("the miss noticed again", () -> cache.lookup(path("/later.txt")).identity == null);
    }

    @Test
    void anUnchangedFileKeepsItsDescriptorAndBytesAcrossRevalidations() throws Exception {
        cache(100, SHORT, 1 << 20, 64 << 10);
        FileCache.Entry first = cache.lookup(path("/hello.txt"));
        FileCache.Entry data = cache.lookup(path("/data.bin"));
        Await.until("a revalidated entry", () -> cache.lookup(path("/hello.txt")) != first);
        assertSame(first.identity, cache.lookup(path("/hello.txt")).identity, "same file: same bytes");
        Await.until("a revalidated entry", () -> cache.lookup(path("/data.bin")) != data);
        FileCache.File again = cache.lookup(path("/data.bin")).identity;
        assertSame(data.identity, again, "same file: same descriptor");
        FileChannel channel = again.open.retainChannel();
        assertNotNull(channel);
        assertTrue(channel.isOpen());
        again.open.release();
    }

    /** A symbolic link repointed out of the root is refused at the next revalidation, as on a miss. */
    @Test
    void aLinkRepointedOutsideTheRootIsRefusedAfterTheInterval() throws Exception {
        cache(100, SHORT, 1 << 20, 64 << 10);
        Path link = root.resolve("moving.txt");
        Files.createSymbolicLink(link, root.resolve("hello.txt"));
        assertEquals(HttpTestSupport.HELLO, text(cache.lookup(path("/moving.txt")).identity));
        Files.delete(link);
        Files.createSymbolicLink(link, base.resolve("secret.txt"));
        Await.until("the link out of the root refused", () -> cache.lookup(path("/moving.txt")).identity == null);
        for (String target : HttpTestSupport.TRAVERSALS) {
            RequestPath p = RequestPath.parse(target);
            if (p != null) {
                for (int i = 0; i < 2; i++) { // a miss, then a hit
                    FileCache.File file = cache.lookup(p).identity;
                    assertTrue(file == null || file.real.startsWith(root.toRealPath()), target);
                    assertFalse(file != null && text(file).contains("secret"), target);
                }
            }
        }
    }

    @Test
    void entriesAndMemoryAreBounded() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.writeString(root.resolve("f" + i + ".txt"), "x".repeat(60));
        }
        cache(5, HOUR, 150, 100);
        for (int i = 0; i < 20; i++) {
            assertNotNull(cache.lookup(path("/f" + i + ".txt")).identity);
            assertTrue(cache.size() <= 5, "entries: " + cache.size());
            assertTrue(cache.memory() <= 150, "memory: " + cache.memory());
        }
        assertTrue(cache.memory() > 0);
        cache.close();
        assertEquals(0, cache.size());
        assertEquals(0, cache.memory(), "every byte given back once the entries are gone");
    }

    @Test
    void largeFilesKeepADescriptorAndCloseReleasesIt() throws Exception {
        cache(100, HOUR, 1 << 20, 64 << 10);
        FileCache.File data = cache.lookup(path("/data.bin")).identity;
        assertNull(data.bytes(), "over the in-memory size");
        FileChannel channel = data.open.retainChannel();
        assertNotNull(channel, "an open descriptor");
        cache.close();
        assertTrue(channel.isOpen(), "still in use by a response");
        data.open.release();
        assertFalse(channel.isOpen(), "closed by the last user");
        assertNull(data.open.retainChannel(), "not handed out once closed");
    }

    @Test
    void siblingsAreFoundWithTheirOwnValidators() throws Exception {
        Files.write(root.resolve("hello.txt.gz"), new byte[] {1, 2, 3});
        Files.write(root.resolve("hello.txt.br"), new byte[] {4, 5});
        Files.createSymbolicLink(root.resolve("style.css.gz"), base.resolve("secret.txt"));
        cache(100, HOUR, 1 << 20, 64 << 10);
        FileCache.Entry hello = cache.lookup(path("/hello.txt"));
        assertTrue(hello.hasSiblings());
        assertEquals(3, hello.gzip.size);
        assertEquals(2, hello.br.size);
        assertFalse(hello.gzip.etag.equals(hello.identity.etag));
        assertFalse(hello.br.etag.equals(hello.gzip.etag));
        assertEquals(hello.identity.contentType, "text/plain; charset=utf-8");
        assertFalse(cache.lookup(path("/style.css")).hasSiblings(), "a sibling outside the root is no sibling");
        assertFalse(cache.lookup(path("/noext")).hasSiblings());
    }

    @Test
    void offMeansEveryLookupResolvesAndNothingIsHeld() throws Exception {
        cache(0, HOUR, 1 << 20, 64 << 10);
        FileCache.Entry first = cache.lookup(path("/hello.txt"));
        assertNull(first.identity.bytes());
        assertNull(first.identity.open.retainChannel());
        Files.writeString(root.resolve("hello.txt"), "changed\n");
        assertEquals(8, cache.lookup(path("/hello.txt")).identity.size, "asked the disk again");
        assertEquals(0, cache.size());
    }
}
