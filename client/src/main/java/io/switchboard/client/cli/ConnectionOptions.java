package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.Transport;
import java.time.Duration;
import io.switchboard.common.transport.TransportChoice;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
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

    @Mixin
    TlsOptions tls;

    /**
     * Client options from these flags; {@code defaultPort} applies when --port is absent.
     *
     * @throws IllegalArgumentException naming the flag when a value or combination is wrong
     */
    ClientOptions.Builder builder(int defaultPort, String name) {
        tls.check(false, null);
        checkEpollMode(transport, epollMode);
        return ClientOptions.builder()
                .tls(tls.enabled)
                .tlsCaFile(tls.ca)
                .tlsInsecure(tls.insecure)
                .tlsServerName(tls.serverName)
                .host(host)
                .port(port == null ? defaultPort : port)
                .transport(transport)
                .epollMode(epollMode)
                .name(name)
                .token(token)
                .connectTimeout(Duration.ofMillis(timeoutMillis))
                .requestTimeout(Duration.ofMillis(timeoutMillis));
    }

    /**
     * An epoll mode is only for epoll: with a transport forced to something else the combination
     * is a usage error, known before anything starts (exit 2). With {@code auto} it applies when
     * epoll is chosen; where epoll cannot load, connecting says why (exit 1).
     *
     * @throws IllegalArgumentException naming both flags
     */
    static void checkEpollMode(TransportChoice transport, EpollMode epollMode) {
        Transport forced = transport.forced();
        if (epollMode != null && forced != null && forced != Transport.EPOLL) {
            throw new IllegalArgumentException("--epoll-mode " + epollMode.id()
                    + ": only with --transport epoll or auto (the transport is " + forced.id() + ")");
        }
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
