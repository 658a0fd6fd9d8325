package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.common.transport.EpollMode;
import java.nio.file.Path;
import java.time.Duration;
import io.switchboard.common.transport.TransportChoice;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The options every subcommand shares: where to connect and over which transport. */
final class ConnectionOptions {
    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Server host (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Server port (default: 7000 framed, 7001 with --raw).")
    Integer port;

    @Option(names = "--transport", paramLabel = "auto|epoll|kqueue|nio", defaultValue = "auto",
            converter = TransportConverter.class, description = "I/O transport (default: ${DEFAULT-VALUE}).")
    TransportChoice transport;

    @Option(names = "--epoll-mode", paramLabel = "edge|level", converter = EpollModeConverter.class,
            description = "epoll trigger mode (default: edge); only with epoll.")
    EpollMode epollMode;

    @Option(names = "--timeout", paramLabel = "MILLIS", defaultValue = "5000",
            description = "Connect and reply timeout in milliseconds (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "",
            description = "Auth token for servers started with --auth-token (default: none).")
    String token;

    @Option(names = "--tls", description = "Connect with TLS 1.3 or 1.2, verifying the server's certificate "
            + "and its name (the --host, or --tls-server-name).")
    boolean tls;

    @Option(names = "--ca", paramLabel = "FILE",
            description = "With --tls: trust the PEM CA certificate(s) in FILE instead of the system trust store.")
    Path ca;

    @Option(names = "--insecure",
            description = "With --tls: trust any certificate and skip the name check (tests with a generated certificate).")
    boolean insecure;

    @Option(names = "--tls-server-name", paramLabel = "NAME",
            description = "With --tls: the name to send (SNI) and verify instead of --host.")
    String tlsServerName;

    /**
     * Client options from these flags; {@code defaultPort} applies when --port is absent.
     *
     * @throws IllegalArgumentException naming the flag when a value or combination is wrong
     */
    ClientOptions.Builder builder(int defaultPort, String name) {
        if (!tls && (ca != null || insecure || tlsServerName != null)) {
            throw new IllegalArgumentException((ca != null ? "--ca" : insecure ? "--insecure" : "--tls-server-name")
                    + " needs --tls");
        }
        if (insecure && ca != null) {
            throw new IllegalArgumentException("--insecure and --ca are mutually exclusive");
        }
        if (ca != null && !java.nio.file.Files.isReadable(ca)) {
            throw new IllegalArgumentException("--ca: " + ca + " (expected: a readable PEM file)");
        }
        return ClientOptions.builder()
                .tls(tls)
                .tlsCaFile(ca)
                .tlsInsecure(insecure)
                .tlsServerName(tlsServerName)
                .host(host)
                .port(port == null ? defaultPort : port)
                .transport(transport)
                .epollMode(epollMode)
                .name(name)
                .token(token)
                .connectTimeout(Duration.ofMillis(timeoutMillis))
                .requestTimeout(Duration.ofMillis(timeoutMillis));
    }

    static final class TransportConverter implements ITypeConverter<TransportChoice> {
        @Override
        public TransportChoice convert(String value) {
            try {
                return TransportChoice.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class EpollModeConverter implements ITypeConverter<EpollMode> {
        @Override
        public EpollMode convert(String value) {
            try {
                return EpollMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
