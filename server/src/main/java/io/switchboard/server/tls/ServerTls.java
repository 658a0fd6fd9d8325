package io.switchboard.server.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.switchboard.common.tls.TlsPolicy;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.Listener;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.reload.SecretFiles;
import io.switchboard.server.settings.TlsConfig;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server side of TLS for the listeners configured with it: the certificate and key from
 * {@code tls.cert} and {@code tls.key}, the protocol versions and cipher suites of
 * {@link TlsPolicy} (TLS 1.3 and 1.2, AEAD suites with forward secrecy), the JDK's TLS provider,
 * and a handshake timeout.
 *
 * <p>The certificate is reloaded when its files change ({@link FileWatcher}): the new context is
 * built off the event loops and swapped in atomically, so new connections get the new certificate
 * and connections already open keep theirs. A bad new file leaves the old context in use.
 *
 * <p>Thread-safe: {@link #addTo} is called by every listener's initializer on the I/O threads.
 */
public final class ServerTls {
    private static final Logger log = LogManager.getLogger(ServerTls.class);
    /** Certificates expiring sooner than this are warned about at load. */
    private static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    private final Path certFile;
    private final Path keyFile;
    private final long handshakeTimeoutMillis;
    private final Metrics metrics;
    /** One shared (stateless) handshake watcher per listener that can speak TLS. */
    private final Map<Listener, TlsHandshakeWatcher> watchers = new EnumMap<>(Listener.class);
    private volatile Loaded current;

    /** One loaded certificate with the context serving it. */
    record Loaded(SslContext context, X509Certificate leaf) {
    }

    private ServerTls(Path certFile, Path keyFile, Duration handshakeTimeout, Metrics metrics, Loaded loaded) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        this.metrics = metrics;
        for (Listener listener : new Listener[] {Listener.FRAMED, Listener.HTTP, Listener.ADMIN}) {
            watchers.put(listener, new TlsHandshakeWatcher(metrics.listener(listener)));
        }
        install(loaded);
    }

    /**
     * Loads the certificate for the listeners configured with TLS and starts watching its files;
     * returns {@code null} when no listener speaks TLS.
     *
     * @throws TlsFileException with a one-line message when the files cannot be used
     */
    public static ServerTls start(TlsConfig config, Metrics metrics, FileWatcher watcher) throws TlsFileException {
        if (config.listeners().isEmpty()) {
            if (config.certificate() != null) {
                log.warn("tls.cert is set but no listener has tls: true; nothing is served over TLS");
            }
            return null;
        }
        List<Path> files = List.of(config.certificate(), config.key());
        FileWatcher.Snapshot before = FileWatcher.snapshot(files);
        ServerTls tls = new ServerTls(config.certificate(), config.key(), config.handshakeTimeout(), metrics,
                load(config.certificate(), config.key()));
        SecretFiles.warnIfReadableByOthers("tls.key", config.key());
        log.info("TLS on {}: {} ({}; handshake timeout {} ms{})",
                String.join(", ", config.listeners()),
                describe(tls.current.leaf()), String.join(", ", TlsPolicy.PROTOCOLS), tls.handshakeTimeoutMillis,
                config.reloadInterval().isZero() ? ", not reloaded"
                        : ", reloaded on change, checked every " + config.reloadInterval().toMillis() + " ms");
        watcher.watch("TLS certificate " + config.certificate(), files, before, config.reloadInterval(),
                tls::reload);
        return tls;
    }

    /** Builds a server context from the files; for tests and for reloading. */
    static Loaded load(Path certFile, Path keyFile) throws TlsFileException {
        PemFiles.KeyAndChain pem = PemFiles.read(certFile, keyFile);
        warnAboutValidity(certFile, pem.leaf());
        try {
            SslContext context = SslContextBuilder.forServer(pem.key(), pem.chain())
                    .sslProvider(SslProvider.JDK)
                    .protocols(TlsPolicy.PROTOCOLS)
                    .ciphers(TlsPolicy.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
                    .clientAuth(ClientAuth.NONE)
                    .build();
            return new Loaded(context, pem.leaf());
        } catch (SSLException | RuntimeException e) {
            throw new TlsFileException("tls.cert: " + certFile + " with tls.key " + keyFile
                    + " cannot make a TLS context: " + e.getMessage(), e);
        }
    }

    /** Loads the files again and serves the new certificate to new connections. */
    void reload() throws TlsFileException {
        Loaded loaded = load(certFile, keyFile);
        X509Certificate old = current.leaf();
        install(loaded);
        log.info("TLS certificate reloaded: {} (was serial {})", describe(loaded.leaf()), serial(old));
    }

    private void install(Loaded loaded) {
        current = loaded;
        metrics.tlsCertificateNotAfter(loaded.leaf().getNotAfter().toInstant().getEpochSecond());
    }

    /** The leaf certificate new connections are served. */
    public X509Certificate certificate() {
        return current.leaf();
    }

    /**
     * Adds the {@link HandlerNames#TLS} handler with the current certificate and the handshake
     * timeout, and {@link HandlerNames#TLS_HANDSHAKE}, which counts handshakes and closes quietly
     * on TLS failures, at the end of {@code pipeline}.
     */
    public void addTo(ChannelPipeline pipeline, Listener listener) {
        TlsHandshakeWatcher watcher = watchers.get(listener);
        if (watcher == null) {
            throw new IllegalArgumentException(listener.id() + " listener: no TLS (expected: framed or http)");
        }
        pipeline.addLast(HandlerNames.TLS, newHandler(pipeline.channel().alloc()))
                .addLast(HandlerNames.TLS_HANDSHAKE, watcher);
    }

    SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = current.context().newHandler(alloc);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    static String describe(X509Certificate leaf) {
        return "certificate " + leaf.getSubjectX500Principal() + ", serial " + serial(leaf) + ", issued by "
                + leaf.getIssuerX500Principal() + ", valid until " + leaf.getNotAfter().toInstant();
    }

    private static String serial(X509Certificate cert) {
        return cert.getSerialNumber().toString(16);
    }

    private static void warnAboutValidity(Path file, X509Certificate leaf) {
        Instant now = Instant.now();
        Instant notAfter = leaf.getNotAfter().toInstant();
        Instant notBefore = leaf.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            log.warn("tls.cert: {}: the certificate expired at {}; clients will refuse it", file, notAfter);
        } else if (now.isBefore(notBefore)) {
            log.warn("tls.cert: {}: the certificate is not valid before {}; clients will refuse it", file, notBefore);
        } else if (now.plus(EXPIRY_WARNING).isAfter(notAfter)) {
            log.warn("tls.cert: {}: the certificate expires at {}", file, notAfter);
        }
    }
}
