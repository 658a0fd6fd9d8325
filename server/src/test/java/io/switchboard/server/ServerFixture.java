package io.switchboard.server;

import io.switchboard.server.launch.Server;
import io.switchboard.server.socketio.engine.EngineListener;
import io.switchboard.server.launch.ServerStartException;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Owns the servers a test starts: each on 127.0.0.1 with ephemeral ports, each closed after the
 * test. Register with {@code @RegisterExtension final ServerFixture servers = new ServerFixture();}.
 */
public final class ServerFixture implements AfterEachCallback {
    private final List<Server> started = new ArrayList<>();

    /** Starts a server on the given transport with every listener on an ephemeral loopback port. */
    public Server start(TransportUnderTest transport) throws ServerStartException {
        return start(transport, b -> { });
    }

    /** Like {@link #start(TransportUnderTest)}, letting the test adjust the configuration first. */
    public Server start(TransportUnderTest transport, Consumer<ServerConfig.Builder> customize)
            throws ServerStartException {
        return start(transport, customize, null);
    }

    /** Like {@link #start(TransportUnderTest, Consumer)}, Engine.IO sessions handed to {@code engine} when not null. */
    public Server start(TransportUnderTest transport, Consumer<ServerConfig.Builder> customize, EngineListener engine)
            throws ServerStartException {
        transport.config(); // skips the test when the transport is not available here
        ServerConfig.Builder builder = ServerConfig.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .transport(transport.choice)
                .epollMode(transport.epollMode)
                .ioThreads(2);
        for (Listener listener : Listener.values()) {
            builder.port(listener, 0);
        }
        customize.accept(builder);
        Server server = engine == null ? Server.start(builder.build()) : Server.start(builder.build(), engine);
        synchronized (started) {
            started.add(server);
        }
        return server;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        synchronized (started) {
            for (Server server : started) {
                server.close();
            }
            started.clear();
        }
    }
}
