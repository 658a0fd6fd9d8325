package io.switchboard.server.socketio;

import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.launch.Server;
import io.switchboard.server.socketio.engine.EngineListener;
import io.switchboard.server.socketio.engine.LoopbackForwarder;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * A server whose HTTP listener answers on {@code localhost:PORT} however the client resolves it:
 * bound to 127.0.0.1, with [::1] relayed to it where the machine has IPv6 loopback (Node 20 may
 * resolve localhost to ::1). The other listeners get ephemeral ports. For the conformance apps.
 */
public final class LocalhostServer implements AutoCloseable {
    private final Server server;
    private final LoopbackForwarder ipv6;

    private LocalhostServer(Server server, LoopbackForwarder ipv6) {
        this.server = server;
        this.ipv6 = ipv6;
    }

    /** Starts it on {@code port} (0: ephemeral, then no IPv6 relay), after {@code configure} has set the rest. */
    public static LocalhostServer start(int port, TransportChoice transport, UnaryOperator<ServerConfig.Builder> configure)
            throws Exception {
        return start(port, transport, configure, null);
    }

    /** Like {@link #start(int, TransportChoice, UnaryOperator)}, Engine.IO sessions handed to {@code engine} when not null. */
    public static LocalhostServer start(int port, TransportChoice transport, UnaryOperator<ServerConfig.Builder> configure,
            EngineListener engine) throws Exception {
        ServerConfig.Builder b = ServerConfig.builder()
                .bindAddress(InetAddress.getByName("127.0.0.1"))
                .transport(transport)
                .ioThreads(2);
        for (Listener l : Listener.values()) {
            b.port(l, 0);
        }
        b.port(Listener.HTTP, port);
        Server server = engine == null ? Server.start(configure.apply(b).build())
                : Server.start(configure.apply(b).build(), engine);
        LoopbackForwarder relay = null;
        if (port != 0) {
            try {
                InetAddress v6 = InetAddress.getByName("::1");
                if (v6 instanceof Inet6Address) {
                    relay = new LoopbackForwarder(new InetSocketAddress(v6, port), server.address(Listener.HTTP));
                }
            } catch (Exception e) {
                relay = null; // no IPv6 loopback here: 127.0.0.1 only
            }
        }
        return new LocalhostServer(server, relay);
    }

    public Server server() {
        return server;
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
}
