package io.switchboard.server.socketio.engine;

import io.switchboard.server.socketio.settings.EngineConfig;
import io.netty.buffer.ByteBuf;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.socketio.LocalhostServer;
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

    private final LocalhostServer server;

    private EngineEchoApp(LocalhostServer server) {
        this.server = server;
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
        return new EngineEchoApp(LocalhostServer.start(port, transport,
                b -> b.socketIo(conformanceConfig()), new Echo()));
    }

    /** The address of the HTTP listener. */
    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
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
        System.out.println("Engine.IO echo server on " + app.address());
        stop.await();
    }
}
