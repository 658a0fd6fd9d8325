package io.switchboard.server.socketio;

import io.switchboard.server.socketio.settings.SocketIoOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.limits.Limits;
import io.switchboard.server.metrics.MetricSource;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.SessionConfig;
import io.switchboard.server.socketio.engine.EngineListener;
import io.switchboard.server.socketio.engine.EngineSocket;
import io.switchboard.server.socketio.protocol.SioEncoder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Socket.IO v5 on top of Engine.IO, in the rooms every protocol shares: socket.io's {@code io}.
 * Namespaces are made with {@link #of(String)} (or on demand, for names matching a pattern given
 * to {@link #of(Pattern, Consumer)}); a CONNECT to any other namespace gets {@code connect_error}
 * "Invalid namespace". The main namespace {@code /} always exists.
 */
public final class SocketIoServer {
    private static final Logger log = LogManager.getLogger(SocketIoServer.class);

    private final RoomHub hub;
    private final Limits limits;
    private final SessionConfig sessionConfig;
    private final Authenticator auth;
    private final SocketIoOptions options;
    private final SioEncoder encoder;
    private final Map<String, Namespace> namespaces = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Dynamic> dynamic = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final EngineListener listener = new Listener();
    private final ClusterOps clusterOps;

    private record Dynamic(Pattern pattern, Consumer<Namespace> setup) {
    }

    public SocketIoServer(RoomHub hub, SessionConfig sessionConfig, Authenticator auth, ByteBufAllocator alloc,
            SocketIoOptions options) {
        this(hub, sessionConfig, auth, alloc, options, null);
    }

    /** With {@code limits}: each Engine.IO session's events are held to {@code limits.rate} per second. */
    public SocketIoServer(RoomHub hub, SessionConfig sessionConfig, Authenticator auth, ByteBufAllocator alloc,
            SocketIoOptions options, Limits limits) {
        this.limits = limits;
        this.hub = hub;
        this.sessionConfig = sessionConfig;
        this.auth = auth;
        this.options = options;
        this.encoder = new SioEncoder(alloc);
        this.clusterOps = new ClusterOps(this);
        of("/");
    }

    /** The namespace {@code name}, made if needed. */
    public Namespace of(String name) {
        if (!name.startsWith("/")) {
            throw new IllegalArgumentException("namespace '" + name + "' must start with '/'");
        }
        return namespaces.computeIfAbsent(name, n -> new Namespace(this, n));
    }

    /** Namespaces made on their first connection, for names matching {@code pattern}; {@code setup} configures each. */
    public SocketIoServer of(Pattern pattern, Consumer<Namespace> setup) {
        dynamic.add(new Dynamic(pattern, setup));
        return this;
    }

    /** The main namespace {@code /}. */
    public Namespace sockets() {
        return namespaces.get("/");
    }

    /** What Engine.IO hands its sessions to. */
    public EngineListener engineListener() {
        return listener;
    }

    /** Socket.IO sockets by namespace, and refusals and faults by cause, for {@code /metrics}. */
    public void writeMetrics(MetricSource.Sink sink) {
        sink.header("switchboard_socketio_sockets", "gauge", "Socket.IO sockets connected on this node, by namespace.");
        for (Namespace nsp : namespaces.values()) {
            sink.sample("switchboard_socketio_sockets", "namespace=\"" + nsp.name().replace("\\", "\\\\")
                    .replace("\"", "\\\"") + "\"", nsp.localSockets().size());
        }
        sink.header("switchboard_socketio_refused_total", "counter",
                "Socket.IO packets and connections refused or ignored, by cause (docs/socketio.md).");
        counts().forEach((cause, n) -> sink.sample("switchboard_socketio_refused_total", "cause=\"" + cause + "\"", n));
    }

    /** How many times each refusal or protocol fault happened, by cause (for /metrics). */
    public Map<String, Long> counts() {
        Map<String, Long> out = new java.util.TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    // ---- for the layer ----

    Namespace lookup(String name) {
        Namespace existing = namespaces.get(name);
        if (existing != null) {
            return existing;
        }
        for (Dynamic d : dynamic) {
            if (d.pattern().matcher(name).matches()) {
                boolean[] made = {false};
                Namespace nsp = namespaces.computeIfAbsent(name, n -> {
                    made[0] = true;
                    return new Namespace(this, n);
                });
                if (made[0]) {
                    d.setup().accept(nsp);
                }
                return nsp;
            }
        }
        return null;
    }

    /** The namespace {@code name} if it exists on this node (not made on demand). */
    Namespace existing(String name) {
        return namespaces.get(name);
    }

    ClusterOps clusterOps() {
        return clusterOps;
    }

    RoomHub hub() {
        return hub;
    }

    SessionConfig sessionConfig() {
        return sessionConfig;
    }

    Authenticator auth() {
        return auth;
    }

    SocketIoOptions options() {
        return options;
    }

    SioEncoder encoder() {
        return encoder;
    }

    /** A new session's event rate, or {@code null} when unlimited. */
    ConnectionRate newRate() {
        return limits == null ? null : limits.connectionRate(io.switchboard.server.Listener.HTTP, "Socket.IO events");
    }

    void count(String cause) {
        counters.computeIfAbsent(cause, k -> new LongAdder()).increment();
    }

    /** Engine.IO sessions to Socket.IO connections: each session carries its connection ({@link EngineSocket#attach}). */
    private final class Listener implements EngineListener {
        @Override
        public void onOpen(EngineSocket socket) {
            socket.attach(new Connection(SocketIoServer.this, socket));
        }

        @Override
        public void onMessage(EngineSocket socket, String text) {
            if (socket.attachment() instanceof Connection c) {
                c.onText(text);
            }
        }

        @Override
        public void onBinary(EngineSocket socket, ByteBuf data) {
            if (!(socket.attachment() instanceof Connection c)) {
                data.release();
                return;
            }
            c.onBinary(data);
        }

        @Override
        public void onClose(EngineSocket socket, String reason) {
            if (socket.attachment() instanceof Connection c) {
                socket.attach(null);
                c.onClose(reason);
            }
            log.debug("engine.io session {} closed: {}", socket.id(), reason);
        }
    }
}
