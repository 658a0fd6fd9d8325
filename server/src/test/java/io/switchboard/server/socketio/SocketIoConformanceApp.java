package io.switchboard.server.socketio;

import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.Server;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.socketio.engine.EngineConfig;
import io.switchboard.server.socketio.engine.LoopbackForwarder;
import java.net.Inet6Address;
import java.net.InetAddress;
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
    private final Server server;
    private final LoopbackForwarder ipv6;

    private SocketIoConformanceApp(Server server, LoopbackForwarder ipv6) {
        this.server = server;
        this.ipv6 = ipv6;
    }

    public static SocketIoConformanceApp start(int port, TransportChoice transport) throws Exception {
        ServerConfig.Builder b = ServerConfig.builder()
                .bindAddress(InetAddress.getByName("127.0.0.1"))
                .transport(transport)
                .ioThreads(2)
                .socketIo(EngineConfig.builder()
                        .pingInterval(Duration.ofMillis(300))
                        .pingTimeout(Duration.ofMillis(200))
                        .maxPayload(1_000_000)
                        .corsOrigins(List.of("*"))
                        .build())
                .socketIoOptions(SocketIoOptions.defaults().withRelay(false).withConnectTimeout(Duration.ofMillis(1000)));
        for (Listener l : Listener.values()) {
            b.port(l, 0);
        }
        b.port(Listener.HTTP, port);
        Server server = Server.start(b.build());
        SocketIoServer io = server.socketIo();
        for (Namespace nsp : List.of(io.sockets(), io.of("/custom"))) {
            nsp.onConnection(socket -> socket.emit("auth", socket.auth()));
            nsp.on("message", (socket, args, ack) -> socket.emitArgs("message-back", args));
            nsp.on("message-with-ack", (socket, args, ack) -> ack.sendArgs(args));
        }
        LoopbackForwarder relay = null;
        if (port != 0) {
            InetAddress v6 = InetAddress.getByName("::1");
            if (v6 instanceof Inet6Address) {
                try {
                    relay = new LoopbackForwarder(new InetSocketAddress(v6, port), server.address(Listener.HTTP));
                } catch (Exception e) {
                    relay = null; // no IPv6 loopback here: 127.0.0.1 only
                }
            }
        }
        return new SocketIoConformanceApp(server, relay);
    }

    public InetSocketAddress address() {
        return server.address(Listener.HTTP);
    }

    @Override
    public void close() {
        if (ipv6 != null) {
            ipv6.close();
        }
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
