package io.switchboard.server.http.settings;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the HTTP listener serves: its open-file and small-file caches, compression and CORS.
 * Components take this record, never the whole server configuration. Each value is checked
 * here, and a wrong one is named with what was expected.
 *
 * @param openFileCache entries of the open-file cache (resolved path, attributes, open
 *     descriptor, or the error of a path that failed); 0 turns it off
 * @param openFileCacheValid how long an entry is used before its file is checked again on disk
 *     (errors such as not-found included)
 * @param fileCacheMemory total bytes of small files' contents held in memory; 0 holds none
 * @param fileCacheMaxFile files up to this size are held in memory (within {@code fileCacheMemory})
 * @param gzipStatic whether a file's precompressed sibling ({@code name.br}, {@code name.gz}) is
 *     served to a client that accepts that coding
 * @param gzipThreshold dynamic responses of compressible types longer than this are gzipped for a
 *     client that accepts gzip; negative turns it off
 * @param corsOrigins origins whose pages may read the HTTP endpoints' responses; {@code ["*"]} is
 *     any, empty none (no CORS headers)
 * @param websocketOriginCheck whether a {@code /ws} upgrade whose {@code Origin} is neither the
 *     server's own (the request's Host) nor among {@code corsOrigins} is refused with 403
 */
public record HttpServing(int openFileCache, Duration openFileCacheValid, long fileCacheMemory, int fileCacheMaxFile,
        boolean gzipStatic, int gzipThreshold, List<String> corsOrigins, boolean websocketOriginCheck) {

    public HttpServing {
        if (openFileCache < 0) {
            throw new IllegalArgumentException("openFileCache: " + openFileCache + " (expected: 0 or more)");
        }
        Objects.requireNonNull(openFileCacheValid, "openFileCacheValid");
        if (openFileCacheValid.isNegative() || openFileCacheValid.isZero()) {
            throw new IllegalArgumentException("openFileCacheValid: " + openFileCacheValid + " (expected: positive)");
        }
        if (fileCacheMemory < 0) {
            throw new IllegalArgumentException("fileCacheMemory: " + fileCacheMemory + " (expected: 0 or more)");
        }
        if (fileCacheMaxFile < 0) {
            throw new IllegalArgumentException("fileCacheMaxFile: " + fileCacheMaxFile + " (expected: 0 or more)");
        }
        corsOrigins = List.copyOf(corsOrigins);
        for (String origin : corsOrigins) {
            if (!origin.equals("*") && !origin.startsWith("http://") && !origin.startsWith("https://")) {
                throw new IllegalArgumentException("corsOrigins: " + origin + " (expected: * or http(s) origins)");
            }
        }
    }

    /**
     * The defaults: 1,000 cached files revalidated after 1 s, 64 MiB of files up to 16 KiB in
     * memory (larger ones cost less as a sendfile from the cached descriptor than as a copy from memory), precompressed siblings served, gzip above 1 KiB, no CORS, {@code /ws} origin checked.
     */
    public static HttpServing defaults() {
        return new HttpServing(1000, Duration.ofSeconds(1), 64L << 20, 16 << 10, true, 1024, List.of(), true);
    }

    /** Whether any origin may read responses ({@code *} among {@link #corsOrigins}). */
    public boolean anyOrigin() {
        return corsOrigins.contains("*");
    }

    /** Whether pages of {@code origin} may read responses. */
    public boolean originAllowed(String origin) {
        return origin != null && (anyOrigin() || corsOrigins.contains(origin));
    }

    public HttpServing withOpenFileCache(int entries) {
        return new HttpServing(entries, openFileCacheValid, fileCacheMemory, fileCacheMaxFile, gzipStatic, gzipThreshold,
                corsOrigins, websocketOriginCheck);
    }

    public HttpServing withOpenFileCacheValid(Duration valid) {
        return new HttpServing(openFileCache, valid, fileCacheMemory, fileCacheMaxFile, gzipStatic, gzipThreshold,
                corsOrigins, websocketOriginCheck);
    }

    public HttpServing withFileCacheMemory(long bytes) {
        return new HttpServing(openFileCache, openFileCacheValid, bytes, fileCacheMaxFile, gzipStatic, gzipThreshold,
                corsOrigins, websocketOriginCheck);
    }

    public HttpServing withFileCacheMaxFile(int bytes) {
        return new HttpServing(openFileCache, openFileCacheValid, fileCacheMemory, bytes, gzipStatic, gzipThreshold,
                corsOrigins, websocketOriginCheck);
    }

    public HttpServing withGzipStatic(boolean on) {
        return new HttpServing(openFileCache, openFileCacheValid, fileCacheMemory, fileCacheMaxFile, on, gzipThreshold,
                corsOrigins, websocketOriginCheck);
    }

    public HttpServing withGzipThreshold(int bytes) {
        return new HttpServing(openFileCache, openFileCacheValid, fileCacheMemory, fileCacheMaxFile, gzipStatic, bytes,
                corsOrigins, websocketOriginCheck);
    }

    public HttpServing withCorsOrigins(List<String> origins) {
        return new HttpServing(openFileCache, openFileCacheValid, fileCacheMemory, fileCacheMaxFile, gzipStatic,
                gzipThreshold, origins, websocketOriginCheck);
    }

    public HttpServing withWebsocketOriginCheck(boolean on) {
        return new HttpServing(openFileCache, openFileCacheValid, fileCacheMemory, fileCacheMaxFile, gzipStatic,
                gzipThreshold, corsOrigins, on);
    }
}
