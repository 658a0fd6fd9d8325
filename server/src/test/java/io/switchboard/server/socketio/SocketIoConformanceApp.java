package io.switchboard.server.socketio;

import io.switchboard.server.socketio.settings.SocketIoOptions;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.socketio.settings.EngineConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The application the official Socket.IO test suite expects, written against the embedding API
 * as any application would: on localhost:3000, pingInterval 300, pingTimeout 200, maxPayload 1e6,
 * connectTimeout 1000, CORS *; a connection to {@code /} or {@code /custom} is sent {@code auth}
 * with its handshake's auth payload; {@code message} is answered with {@code message-back} and the
 * same arguments; {@code message-with-ack} is acknowledged with its arguments; any other namespace
 * is refused.
 */
public final class SocketIoConformanceApp implements AutoCloseable {
    private final LocalhostServer server;

    private SocketIoConformanceApp(LocalhostServer server) {
        this.server = server;
    }

    public static SocketIoConformanceApp start(int port, TransportChoice transport) throws Exception {
        LocalhostServer server = LocalhostServer.start(port, transport, b -> b
                .socketIo(EngineConfig.builder()
                        .pingInterval(Duration.ofMillis(300))
                        .pingTimeout(Duration.ofMillis(200))
                        .maxPayload(1_000_000)
                        .corsOrigins(List.of("*"))
                        .build())
                .socketIoOptions(SocketIoOptions.defaults().withRelay(false).withConnectTimeout(Duration.ofMillis(1000))));
        SocketIoServer io = server.server().socketIo();
        for (Namespace nsp : List.of(io.sockets(), io.of("/custom"))) {
            nsp.onConnection(socket -> socket.emit("auth", socket.auth()));
            nsp.on("message", (socket, args, ack) -> socket.emitArgs("message-back", args));
            nsp.on("message-with-ack", (socket, args, ack) -> ack.sendArgs(args));
        }
        return new SocketIoConformanceApp(server);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        SocketIoConformanceApp app = start(port, TransportChoice.AUTO);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stop.countDown();
        }));
        System.out.println("Socket.IO conformance app on " + app.address());
        stop.await();
    }
}
