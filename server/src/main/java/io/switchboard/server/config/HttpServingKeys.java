package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigKey.key;

import io.switchboard.server.http.settings.HttpServing;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Keys of how the HTTP listener serves (section {@code http}): the open-file and small-file
 * caches, compression, CORS and the {@code /ws} origin check; they land on {@link HttpServing}.
 */
final class HttpServingKeys {
    private HttpServingKeys() {
    }

    static List<ConfigKey<?>> keys() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        keys.add(key("http.open-file-cache", Types.integer(0, 1_000_000))
                .flag("--http-open-file-cache")
                .description("Static files whose resolved path, attributes and open descriptor are kept "
                        + "(nginx's open_file_cache; not-found and other errors too); 0 = off, every request "
                        + "resolves and opens its file.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withOpenFileCache(v)))
                .read(c -> c.httpServing().openFileCache())
                .build());
        keys.add(key("http.open-file-cache-valid", Types.duration(ChronoUnit.MILLIS, Duration.ofMillis(1),
                        Duration.ofHours(1)))
                .flag("--http-open-file-cache-valid")
                .description("How long a cached file (or error) is used before the file is checked on disk again: "
                        + "a file replaced or removed is served as it now is after at most this long.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withOpenFileCacheValid(v)))
                .read(c -> c.httpServing().openFileCacheValid())
                .build());
        keys.add(key("http.file-cache-memory", Types.bytes(0, 1 << 30))
                .flag("--http-file-cache-memory")
                .description("Total size of small static files held in memory and written without copying "
                        + "(needs http.open-file-cache); 0 = none.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withFileCacheMemory(v)))
                .read(c -> (int) c.httpServing().fileCacheMemory())
                .build());
        keys.add(key("http.file-cache-max-file", Types.bytes(0, 16 << 20))
                .flag("--http-file-cache-max-file")
                .description("Largest static file held in memory; larger ones are sent from the cached descriptor "
                        + "(sendfile), which costs less than a copy from memory at that size.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withFileCacheMaxFile(v)))
                .read(c -> c.httpServing().fileCacheMaxFile())
                .build());
        keys.add(key("http.gzip-static", Types.bool())
                .flag("--http-gzip-static")
                .description("Serve a file's precompressed sibling (name.br, name.gz) to clients that accept "
                        + "that coding, with Vary: Accept-Encoding (nginx's gzip_static and brotli_static).")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withGzipStatic(v)))
                .read(c -> c.httpServing().gzipStatic())
                .build());
        keys.add(key("http.gzip-threshold", Types.integer(-1, Integer.MAX_VALUE))
                .flag("--http-gzip-threshold")
                .description("Dynamic responses of text types (/metrics, pages, JSON) longer than this many bytes "
                        + "are gzipped for clients that accept it; -1 = never.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withGzipThreshold(v)))
                .read(c -> c.httpServing().gzipThreshold())
                .build());
        keys.add(key("http.cors-origins", SocketIoKeys.ORIGINS)
                .flag("--http-cors-origins")
                .description("Origins whose pages may read the HTTP listener's responses (CORS on /healthz, "
                        + "/readyz, /metrics and files; preflights answered); * = any; empty = no CORS headers.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withCorsOrigins(v)))
                .read(c -> c.httpServing().corsOrigins())
                .build());
        keys.add(key("http.websocket-origin-check", Types.bool())
                .flag("--http-websocket-origin-check")
                .description("Refuse (403) a /ws upgrade whose Origin is neither the server's own (its Host) nor "
                        + "among http.cors-origins; clients that send no Origin are not affected.")
                .apply((b, v) -> b.httpServing(b.httpServingNow().withWebsocketOriginCheck(v)))
                .read(c -> c.httpServing().websocketOriginCheck())
                .build());
        return keys;
    }
}
