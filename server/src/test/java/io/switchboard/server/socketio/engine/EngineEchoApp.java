package io.switchboard.server.socketio.engine;

import io.netty.buffer.ByteBuf;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.Server;
import io.switchboard.server.ServerConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server the official Engine.IO test suite expects: the HTTP listener on port 3000 of
 * {@code localhost} (127.0.0.1, and [::1] through a relay where the machine has IPv6 loopback),
 * Engine.IO at {@code /engine.io/} with pingInterval 300, pingTimeout 200, maxPayload 1e6, CORS *,
 * every message echoed back. {@code main} runs it until interrupted; tests use {@link #start}.
 */
public final class EngineEchoApp implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(EngineEchoApp.class);

    private final Server server;
    private final LoopbackForwarder ipv6;

    private EngineEchoApp(Server server, LoopbackForwarder ipv6) {
        this.server = server;
        this.ipv6 = ipv6;
    }

    /** The settings the conformance suite's README asks for. */
    static EngineConfig conformanceConfig() {
        return EngineConfig.builder()
                .path("/engine.io/")
                .pingInterval(Duration.ofMillis(300))
                .pingTimeout(Duration.ofMillis(200))
                .maxPayload(1_000_000)
                .corsOrigins(List.of("*"))
                .build();
    }

    /** Sends every message back to its sender. */
    static final class Echo implements EngineListener {
        @Override
        public void onOpen(EngineSocket socket) {
        }

        @Override
        public void onMessage(EngineSocket socket, String text) {
            socket.send(text);
        }

        @Override
        public void onBinary(EngineSocket socket, ByteBuf data) {
            socket.send(data);
        }

        @Override
        public void onClose(EngineSocket socket, String reason) {
        }
    }

    /** Starts the echo server on {@code port} (0 for an ephemeral one, then no IPv6 relay). */
    public static EngineEchoApp start(int port, TransportChoice transport) throws Exception {
        ServerConfig.Builder b = ServerConfig.builder()
                .bindAddress(InetAddress.getByName("127.0.0.1"))
                .transport(transport)
                .ioThreads(2)
                .socketIo(conformanceConfig())
                .socketIoListener(new Echo());
        for (Listener l : Listener.values()) {
            b.port(l, 0);
        }
        b.port(Listener.HTTP, port);
        Server server = Server.start(b.build());
        LoopbackForwarder relay = null;
        if (port != 0) {
            try {
                InetAddress v6 = InetAddress.getByName("::1");
                if (v6 instanceof Inet6Address) {
                    relay = new LoopbackForwarder(new InetSocketAddress(v6, port), server.address(Listener.HTTP));
                }
            } catch (Exception e) {
                log.info("no IPv6 loopback here ({}); serving 127.0.0.1 only", e.toString());
            }
        }
        return new EngineEchoApp(server, relay);
    }

    /** The address of the HTTP listener. */
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
        EngineEchoApp app = start(port, TransportChoice.AUTO);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stop.countDown();
        }));
        System.out.println("Engine.IO echo server on " + app.address() + (app.ipv6 != null ? " and [::1]" : ""));
        stop.await();
    }
}
