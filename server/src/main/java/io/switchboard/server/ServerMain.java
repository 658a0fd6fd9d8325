package io.switchboard.server;

import io.netty.util.ResourceLeakDetector;
import io.switchboard.common.Version;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** {@code switchboard-server}: parses the command line into a {@link ServerConfig} and runs it. */
@Command(name = "switchboard-server", mixinStandardHelpOptions = true, versionProvider = ServerMain.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Runs the Switchboard server: framed protocol (rooms, events, acks), raw TCP and UDP echo, and HTTP listeners.")
public final class ServerMain implements Callable<Integer> {
    private static final Logger log = LogManager.getLogger(ServerMain.class);

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Address every listener binds (default: ${DEFAULT-VALUE}).")
    InetAddress bind;

    @Option(names = "--framed-port", paramLabel = "PORT|off", defaultValue = "7000", converter = PortConverter.class,
            description = "Framed protocol port; 0 = ephemeral, off = disabled (default: ${DEFAULT-VALUE}).")
    int framedPort;

    @Option(names = "--echo-port", paramLabel = "PORT|off", defaultValue = "7001", converter = PortConverter.class,
            description = "Raw TCP echo port; 0 = ephemeral, off = disabled (default: ${DEFAULT-VALUE}).")
    int echoPort;

    @Option(names = "--udp-port", paramLabel = "PORT|off", defaultValue = "7002", converter = PortConverter.class,
            description = "UDP echo port; 0 = ephemeral, off = disabled (default: ${DEFAULT-VALUE}).")
    int udpPort;

    @Option(names = "--max-datagram", paramLabel = "BYTES", defaultValue = "65507",
            description = "Larger UDP datagrams are dropped and counted (default: ${DEFAULT-VALUE}).")
    int maxDatagram;

    @Option(names = "--http-port", paramLabel = "PORT|off", defaultValue = "8080", converter = PortConverter.class,
            description = "HTTP port (health, metrics, files, WebSocket); 0 = ephemeral, off = disabled (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--static-root", paramLabel = "DIR",
            description = "Directory served over HTTP (default: none, a built-in page at /).")
    Path staticRoot;

    @Option(names = "--http-max-initial-line", paramLabel = "BYTES", defaultValue = "8192",
            description = "Longest HTTP request line; longer gets 414 (default: ${DEFAULT-VALUE}).")
    int httpMaxInitialLine;

    @Option(names = "--http-max-header", paramLabel = "BYTES", defaultValue = "16384",
            description = "Most HTTP header bytes; more gets 431 (default: ${DEFAULT-VALUE}).")
    int httpMaxHeaderBytes;

    @Option(names = "--http-max-body", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Largest HTTP request body and WebSocket message; larger gets 413 (default: ${DEFAULT-VALUE}).")
    int httpMaxBodyBytes;

    @Option(names = "--http-idle-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Close HTTP keep-alive connections idle this long (default: ${DEFAULT-VALUE}).")
    long httpIdleTimeoutSeconds;

    @Option(names = "--http-zero-copy", paramLabel = "true|false", defaultValue = "true", arity = "1",
            description = "Send static files zero-copy (sendfile) where possible; false reads them in chunks "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean httpZeroCopy;

    @Option(names = "--transport", paramLabel = "auto|epoll|kqueue|nio", defaultValue = "auto",
            converter = TransportConverter.class,
            description = "I/O transport; auto prefers epoll, then kqueue, then NIO (default: ${DEFAULT-VALUE}).")
    TransportChoice transport;

    @Option(names = "--epoll-mode", paramLabel = "edge|level", converter = EpollModeConverter.class,
            description = "epoll trigger mode (default: edge); only with the epoll transport.")
    EpollMode epollMode;

    @Option(names = "--io-threads", paramLabel = "N", defaultValue = "0",
            description = "I/O event loop threads; 0 = twice the cores (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--max-frame-length", paramLabel = "BYTES", defaultValue = "1048576",
            description = "Largest framed-protocol frame accepted (default: ${DEFAULT-VALUE}).")
    int maxFrameLength;

    @Option(names = "--idle-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "Close framed sessions silent this long; 0 = never (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds;

    @Option(names = "--auth-token", paramLabel = "TOKEN", defaultValue = "",
            description = "Token every framed HELLO must carry; empty = no auth (default: none).")
    String authToken;

    @Option(names = "--max-rooms-per-session", paramLabel = "N", defaultValue = "64",
            description = "Rooms one session may be in (default: ${DEFAULT-VALUE}).")
    int maxRoomsPerSession;

    @Option(names = "--max-room-name", paramLabel = "BYTES", defaultValue = "128",
            description = "Longest room name in UTF-8 bytes (default: ${DEFAULT-VALUE}).")
    int maxRoomNameBytes;

    @Option(names = "--max-payload", paramLabel = "BYTES",
            description = "Largest event payload (default: 65536, or the max frame length if smaller).")
    Integer maxPayloadBytes;

    @Option(names = "--slow-consumer", paramLabel = "drop|disconnect", defaultValue = "drop",
            converter = SlowConsumerConverter.class,
            description = "Events for a member above its write-buffer high-water mark are dropped and counted, "
                    + "or the member is disconnected with ERROR 307 (default: ${DEFAULT-VALUE}).")
    SlowConsumerPolicy slowConsumer;

    @Option(names = "--peer-ack-timeout", paramLabel = "MILLIS", defaultValue = "10000",
            description = "How long a publisher waits for a peer's ack (default: ${DEFAULT-VALUE}).")
    long peerAckTimeoutMillis;

    @Option(names = "--cluster", paramLabel = "redis://HOST:PORT",
            description = "Join a cluster of nodes through this Redis server: rooms, presence and direct messages "
                    + "span every node (default: none, a single node).")
    URI cluster;

    @Option(names = "--leak-detection", paramLabel = "disabled|simple|advanced|paranoid",
            description = "Netty's buffer leak detector. Off by default: at its lightest level it still cost "
                    + "about a fifth of framed echo throughput in bench/run-echo.sh; the test suite runs it at paranoid. "
                    + "-Dio.netty.leakDetection.level, if given, wins.")
    ResourceLeakDetector.Level leakDetection;

    /** Sets Netty's leak detection level: the flag, else the system property, else disabled. */
    void applyLeakDetection() {
        if (leakDetection != null) {
            ResourceLeakDetector.setLevel(leakDetection);
        } else if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    /** Builds the configuration from the parsed options; throws with the bad value named. */
    ServerConfig toConfig() {
        ServerConfig.Builder builder = ServerConfig.builder()
                .authToken(authToken)
                .maxRoomsPerSession(maxRoomsPerSession)
                .maxRoomNameBytes(maxRoomNameBytes)
                .slowConsumerPolicy(slowConsumer)
                .peerAckTimeout(Duration.ofMillis(peerAckTimeoutMillis));
        if (maxPayloadBytes != null) {
            builder.maxPayloadBytes(maxPayloadBytes);
        }
        return builder
                .bindAddress(bind)
                .port(Listener.FRAMED, framedPort)
                .port(Listener.ECHO, echoPort)
                .port(Listener.UDP, udpPort)
                .maxDatagramBytes(maxDatagram)
                .port(Listener.HTTP, httpPort)
                .staticRoot(staticRoot)
                .httpMaxInitialLine(httpMaxInitialLine)
                .httpMaxHeaderBytes(httpMaxHeaderBytes)
                .httpMaxBodyBytes(httpMaxBodyBytes)
                .httpIdleTimeout(Duration.ofSeconds(httpIdleTimeoutSeconds))
                .httpZeroCopy(httpZeroCopy)
                .cluster(cluster)
                .transport(transport)
                .epollMode(epollMode)
                .ioThreads(ioThreads)
                .maxFrameLength(maxFrameLength)
                .idleTimeout(Duration.ofSeconds(idleTimeoutSeconds))
                .build();
    }

    /** Parses {@code args} into a configuration without starting anything. */
    static ServerConfig parse(String... args) {
        ServerMain main = new ServerMain();
        new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        return main.toConfig();
    }

    @Override
    public Integer call() {
        ServerConfig config;
        try {
            config = toConfig();
        } catch (IllegalArgumentException e) {
            System.err.println("switchboard-server: " + e.getMessage());
            return 2;
        }
        applyLeakDetection();
        log.info("switchboard {} starting (leak detection {})", Version.get(),
                ResourceLeakDetector.getLevel().name().toLowerCase(java.util.Locale.ROOT));
        Server server;
        try {
            server = Server.start(config);
        } catch (ServerStartException e) {
            log.error("cannot start: {}", e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            server.close();
            stopped.countDown();
            LogManager.shutdown();
        }, "switchboard-shutdown"));
        log.info("switchboard {} ready", Version.get());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ServerMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0) {
            LogManager.shutdown();
            System.exit(code);
        }
    }

    static final class PortConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            if ("off".equalsIgnoreCase(value)) {
                return ServerConfig.DISABLED;
            }
            try {
                int port = Integer.parseInt(value);
                if (port >= 0 && port <= 65535) {
                    return port;
                }
            } catch (NumberFormatException ignored) {
                // falls through to the message below
            }
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' (expected: 0..65535, 0 for an ephemeral port, or off)");
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

    static final class SlowConsumerConverter implements ITypeConverter<SlowConsumerPolicy> {
        @Override
        public SlowConsumerPolicy convert(String value) {
            try {
                return SlowConsumerPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"switchboard-server " + Version.get()};
        }
    }
}
