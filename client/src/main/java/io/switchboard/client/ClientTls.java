package io.switchboard.client;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.switchboard.common.tls.TlsPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The client side of TLS, built once from {@link ClientOptions} and shared by every connection a
 * client (or a load generator) opens: the JDK provider, the versions and suites of
 * {@link TlsPolicy}, the trust the options ask for, and per connection SNI and host name
 * verification (the certificate must name the host, or {@link ClientOptions#tlsServerName()};
 * an IP address must be among its IP entries). Thread-safe.
 */
public final class ClientTls {
    private final SslContext context;
    private final boolean verifyName;
    private final String serverName;
    private final int handshakeTimeoutMillis;

    private ClientTls(SslContext context, boolean verifyName, String serverName, int handshakeTimeoutMillis) {
        this.context = context;
        this.verifyName = verifyName;
        this.serverName = serverName;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    /**
     * The TLS setup the options ask for, or {@code null} when they ask for plaintext.
     *
     * @throws IllegalArgumentException with a one-line message when the CA file cannot be used
     */
    public static ClientTls of(ClientOptions options) {
        Objects.requireNonNull(options, "options");
        if (!options.tls()) {
            return null;
        }
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(TlsPolicy.PROTOCOLS)
                .ciphers(TlsPolicy.CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE);
        if (options.tlsInsecure()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (options.tlsCaFile() != null) {
            builder.trustManager(readCertificates(options.tlsCaFile()));
        }
        try {
            return new ClientTls(builder.build(), !options.tlsInsecure(),
                    options.tlsServerName() != null ? options.tlsServerName() : options.host(),
                    (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()));
        } catch (SSLException e) {
            throw new IllegalArgumentException("tls: cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** The shared context; for protocols other than the framed one (HTTPS, WSS) over the same trust. */
    public SslContext context() {
        return context;
    }

    /**
     * A handler for one new connection to {@code port}: SNI and the name check use the server
     * name, and the handshake must finish within the connect timeout.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, int port) {
        SslHandler handler = context.newHandler(alloc, serverName, port);
        SSLEngine engine = handler.engine();
        SSLParameters parameters = engine.getSSLParameters();
        // Set explicitly either way: whether Netty's client contexts check names by default
        // differs between versions.
        parameters.setEndpointIdentificationAlgorithm(verifyName ? "HTTPS" : null);
        engine.setSSLParameters(parameters);
        handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return handler;
    }

    private static X509Certificate[] readCertificates(Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (var certificate : factory.generateCertificates(in)) {
                certificates.add((X509Certificate) certificate);
            }
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("tls CA file: " + file + ": " + e.getMessage()
                    + " (expected: PEM CA certificates)", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("tls CA file: " + file + " holds no certificate (expected: PEM CA certificates)");
        }
        return certificates.toArray(new X509Certificate[0]);
    }
}
