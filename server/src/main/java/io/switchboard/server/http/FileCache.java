package io.switchboard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What request paths name under the static root, kept for a while like nginx's
 * {@code open_file_cache}: the resolved real path, its attributes and validators, an open
 * descriptor for files sent from disk, the bytes of small files (one read-only direct buffer,
 * shared by every response and written without copying), the precompressed siblings, and also
 * the failures (not found, outside the root, unreadable).
 *
 * <p>An entry is used for {@code valid} after it was resolved; the first request after that
 * resolves the path again from scratch, with every check of a miss (real path under the root's
 * real path, a regular file, readable). When the file is still the same one (same real path, file
 * key, size and modification time) the descriptor and bytes are kept; otherwise they are dropped
 * and the new file is served. So a file replaced, changed or removed on disk is served as it now
 * is at most {@code valid} later, and no path is ever served that did not pass the checks when
 * it was resolved.
 *
 * <p>Bounded: at most {@code maxEntries} entries (when full, the oldest of a few sampled entries
 * goes), and at most {@code maxMemory} bytes of file contents. Shared by every event loop.
 * With {@code maxEntries} 0 nothing is kept: every lookup resolves, and bodies are read per request.
 */
final class FileCache implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(FileCache.class);
    private static final int EVICTION_SAMPLE = 8;

    private final Path root;
    private final Path realRoot;
    private final int maxEntries;
    private final long validNanos;
    private final long maxMemory;
    private final int maxFileInMemory;
    private final boolean siblings;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong memory = new AtomicLong();
    private volatile long nextSweep;

    /**
     * @param siblings whether precompressed siblings ({@code .br}, {@code .gz}) are looked up
     * @throws IOException when the root's real path cannot be resolved
     */
    FileCache(Path root, int maxEntries, Duration valid, long maxMemory, int maxFileInMemory, boolean siblings)
            throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = root.toRealPath();
        this.maxEntries = maxEntries;
        this.validNanos = valid.toNanos();
        this.maxMemory = maxEntries == 0 ? 0 : maxMemory;
        this.maxFileInMemory = maxFileInMemory;
        this.siblings = siblings;
        this.nextSweep = System.nanoTime() + sweepInterval();
    }

    /** What the path names now (within the validity interval). */
    Entry lookup(RequestPath path) {
        if (maxEntries == 0) {
            return resolve(path, null, false, System.nanoTime());
        }
        String key = key(path);
        long now = System.nanoTime();
        Entry cached = entries.get(key);
        if (cached != null && now - cached.validUntil < 0) {
            return cached;
        }
        Entry fresh = resolve(path, cached, true, now);
        Entry displaced = entries.put(key, fresh);
        if (displaced != null) {
            displaced.drop();
        } else if (entries.size() > maxEntries) {
            evict(key);
        }
        if (now - nextSweep > 0) {
            nextSweep = now + sweepInterval();
            sweep(now);
        }
        return fresh;
    }

    /** Entries held now (for tests). */
    int size() {
        return entries.size();
    }

    /** Bytes of file contents held now (for tests). */
    long memory() {
        return memory.get();
    }

    /** Drops every entry: closes the descriptors once no response uses them. */
    @Override
    public void close() {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry entry = it.next();
            it.remove();
            entry.drop();
        }
    }

    private long sweepInterval() {
        return Math.max(validNanos, Duration.ofSeconds(1).toNanos()) * 10;
    }

    /** Entries long past their validity hold descriptors of files nobody asks for: they go. */
    private void sweep(long now) {
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (now - e.getValue().validUntil - validNanos > 0 && entries.remove(e.getKey(), e.getValue())) {
                e.getValue().drop();
            }
        }
    }

    private void evict(String keep) {
        String oldestKey = null;
        Entry oldest = null;
        int sampled = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getKey().equals(keep)) {
                continue;
            }
            if (oldest == null || e.getValue().validUntil - oldest.validUntil < 0) {
                oldestKey = e.getKey();
                oldest = e.getValue();
            }
            if (++sampled == EVICTION_SAMPLE) {
                break;
            }
        }
        if (oldest != null && entries.remove(oldestKey, oldest)) {
            oldest.drop();
        }
    }

    private static String key(RequestPath path) {
        List<String> segments = path.segments();
        return segments.size() == 1 ? segments.get(0) : String.join("/", segments);
    }

    /** The path under the root that a request path names, not yet resolved; {@code null} when outside. */
    private Path candidate(RequestPath path) {
        Path candidate = root;
        for (String segment : path.segments()) {
            candidate = candidate.resolve(segment);
        }
        candidate = candidate.normalize();
        return candidate.startsWith(root) ? candidate : null;
    }

    /** Resolves a path from scratch, keeping what {@code previous} had opened where the file is the same. */
    private Entry resolve(RequestPath path, Entry previous, boolean keep, long now) {
        long validUntil = now + validNanos;
        Path candidate = candidate(path);
        if (candidate == null) {
            return new Entry(false, null, null, null, validUntil);
        }
        boolean directory = false;
        Path real;
        try {
            real = candidate.toRealPath();
            directory = Files.isDirectory(real);
            if (directory) {
                real = real.resolve("index.html").toRealPath();
            }
        } catch (NoSuchFileException e) {
            return new Entry(directory, null, null, null, validUntil);
        } catch (IOException | SecurityException | InvalidPathException e) {
            log.debug("static file {}: {}", candidate, e.toString());
            return new Entry(directory, null, null, null, validUntil);
        }
        File identity = file(real, previous == null ? null : previous.identity, keep, "");
        if (identity == null || !siblings) {
            return new Entry(directory, identity, null, null, validUntil);
        }
        String name = real.getFileName().toString();
        File br = file(real.resolveSibling(name + ".br"), previous == null ? null : previous.br, keep, "br");
        File gz = file(real.resolveSibling(name + ".gz"), previous == null ? null : previous.gzip, keep, "gz");
        return new Entry(directory, identity, gz, br, validUntil);
    }

    /**
     * The regular, readable file at {@code path} whose real path lies under the root, or {@code null};
     * {@code previous} when it is still that same file.
     */
    private File file(Path path, File previous, boolean keep, String coding) {
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(realRoot)) {
                return null;
            }
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile() || !Files.isReadable(real)) {
                return null;
            }
            long size = attributes.size();
            long modified = attributes.lastModifiedTime().toMillis();
            Object fileKey = attributes.fileKey();
            if (previous != null && previous.real.equals(real) && previous.size == size
                    && previous.modified == modified && Objects.equals(previous.fileKey, fileKey)
                    && previous.open.retainForEntry()) {
                return previous;
            }
            return new File(real, size, modified, fileKey, coding, keep ? open(real, size) : OpenFile.NONE);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | SecurityException | InvalidPathException e) {
            log.debug("static file {}: {}", path, e.toString());
            return null;
        }
    }

    /** Opens a file for the cache: its bytes when small and there is room, else its descriptor. */
    private OpenFile open(Path real, long size) {
        try {
            FileChannel channel = FileChannel.open(real, StandardOpenOption.READ);
            if (size > maxFileInMemory || !reserve(size)) {
                return new OpenFile(channel, null, 0, memory);
            }
            try (channel) {
                ByteBuffer bytes = ByteBuffer.allocateDirect((int) size);
                while (bytes.hasRemaining()) {
                    if (channel.read(bytes, bytes.position()) < 0) {
                        break;
                    }
                }
                if (bytes.hasRemaining() || channel.size() != size) {
                    memory.addAndGet(-size); // changing while read: served from disk until it settles
                    return OpenFile.NONE;
                }
                bytes.flip();
                // Unreleasable and read-only: every response writes a duplicate of the same memory;
                // the garbage collector frees it once the entry and the last response are gone.
                ByteBuf shared = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes.asReadOnlyBuffer()));
                return new OpenFile(null, shared, size, memory);
            }
        } catch (IOException | SecurityException e) {
            log.debug("static file {}: {}", real, e.toString());
            return OpenFile.NONE;
        }
    }

    private boolean reserve(long size) {
        for (;;) {
            long used = memory.get();
            if (used + size > maxMemory) {
                return false;
            }
            if (memory.compareAndSet(used, used + size)) {
                return true;
            }
        }
    }

    /** What one path names: its file (if any) and the file's precompressed siblings. */
    static final class Entry {
        /** Whether the path names a directory (then {@link #identity} is its index.html, if any). */
        final boolean directory;
        /** The file to serve, or {@code null} (not found, outside the root, not a regular readable file). */
        final File identity;
        /** {@code name.gz} beside the file, or {@code null}. */
        final File gzip;
        /** {@code name.br} beside the file, or {@code null}. */
        final File br;
        final long validUntil;

        Entry(boolean directory, File identity, File gzip, File br, long validUntil) {
            this.directory = directory;
            this.identity = identity;
            this.gzip = gzip;
            this.br = br;
            this.validUntil = validUntil;
        }

        /** Whether a precompressed sibling exists, so that the response varies with Accept-Encoding. */
        boolean hasSiblings() {
            return gzip != null || br != null;
        }

        /** The entry leaves the cache: its files lose the reference it held (a successor holds its own). */
        void drop() {
            for (File file : new File[] {identity, gzip, br}) {
                if (file != null) {
                    file.open.release();
                }
            }
        }
    }

    /** One file as resolved: validators, and what the cache opened of it. */
    static final class File {
        final Path real;
        final long size;
        final long modified;
        final Object fileKey;
        /** Strong, and different for each coding of the same file (RFC 9110 section 8.8.3). */
        final String etag;
        final String lastModified;
        final String contentType;
        final OpenFile open;

        File(Path real, long size, long modified, Object fileKey, String coding, OpenFile open) {
            this.real = real;
            this.size = size;
            this.modified = modified;
            this.fileKey = fileKey;
            this.etag = "\"" + Long.toHexString(size) + "-" + Long.toHexString(modified)
                    + (coding.isEmpty() ? "" : "-" + coding) + "\"";
            this.lastModified = DateFormatter.format(new Date(modified));
            this.contentType = StaticFiles.contentType(real.getFileName().toString());
            this.open = open;
        }

        /** The whole content as a shared read-only buffer (release is a no-op), or {@code null}. */
        ByteBuf bytes() {
            return open.bytes;
        }
    }

    /**
     * What the cache holds open of one file: its descriptor (counted: the entry holds one
     * reference and each response sending from it another, and the last to let go closes it) or
     * its bytes.
     */
    static final class OpenFile {
        static final OpenFile NONE = new OpenFile(null, null, 0, null);

        private final FileChannel channel;
        private final ByteBuf bytes;
        private final long memorySize;
        private final AtomicLong memory;
        private final AtomicInteger refs = new AtomicInteger(1);

        OpenFile(FileChannel channel, ByteBuf bytes, long memorySize, AtomicLong memory) {
            this.channel = channel;
            this.bytes = bytes;
            this.memorySize = memorySize;
            this.memory = memory;
        }

        /**
         * The descriptor, retained for one response (release it with {@link #release}), or
         * {@code null} when there is none or it is being closed (the caller opens the file itself).
         */
        FileChannel retainChannel() {
            return channel != null && tryRetain() ? channel : null;
        }

        /** A successor entry takes this over from the entry it replaces. */
        boolean retainForEntry() {
            return this == NONE || tryRetain();
        }

        private boolean tryRetain() {
            for (;;) {
                int n = refs.get();
                if (n == 0) {
                    return false;
                }
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        /** Lets go of one reference; the last closes the descriptor and gives back the memory. */
        void release() {
            if (this == NONE || refs.decrementAndGet() != 0) {
                return;
            }
            if (memorySize > 0) {
                memory.addAndGet(-memorySize);
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    log.debug("closing {}: {}", channel, e.toString());
                }
            }
        }
    }

    /** A file region over a cached descriptor: the descriptor is released, not closed, when sent. */
    static final class SharedRegion extends DefaultFileRegion {
        private final OpenFile open;

        SharedRegion(OpenFile open, FileChannel channel, long position, long count) {
            super(channel, position, count);
            this.open = open;
        }

        @Override
        protected void deallocate() {
            open.release();
        }
    }
}
