package io.switchboard.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Leave;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Presence;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.protocol.Wire;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A client of a Switchboard server over the framed protocol: requests (ping, echo), rooms
 * (join, leave, members), events (publish, broadcast, direct send, emit with a peer's
 * acknowledgement) and listeners for what arrives.
 *
 * <pre>{@code
 * try (SwitchboardClient client = SwitchboardClient.connect(ClientOptions.builder().name("alice").build()).join()) {
 *     client.on("chat", e -> System.out.println(e.senderId() + ": " + e.text()));
 *     client.join("lobby").join();
 *     client.publish("lobby", "chat", "hello".getBytes(UTF_8)).join();
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Every method may be called from any thread, with any number of requests in
 * flight; replies are matched by request id. Returned futures complete on the connection's I/O
 * thread, so do not block in their callbacks (use the {@code ...Async} methods of
 * {@link CompletableFuture}). Listeners run on a thread of their own per client, in arrival order,
 * unless {@link ClientOptions.Builder#listenerExecutor} says otherwise.
 *
 * <p><b>Reconnection.</b> When the connection drops the client reconnects with exponential
 * backoff and jitter, joins its rooms again, and tells {@link ConnectionListener}s; the session
 * id changes. Calls made meanwhile fail with {@link NotConnectedException} or wait, as
 * {@link ClientOptions#whileDisconnected()} says. A connection on which nothing arrives for the
 * server's idle timeout (from its WELCOME), although the client pings every third of it, is
 * presumed dead and closed: a path that died without a FIN or an RST is found in that time.
 * Requests in flight when the connection drops
 * fail with {@link ConnectionClosedException}: the client never resends on its own, since it
 * cannot know whether the server acted on them.
 *
 * <p><b>Server shutdown.</b> A server that shuts down gracefully says BYE. The client then sends
 * no new request on that connection (calls are treated as while disconnected), the requests already
 * sent get their replies, the client says BYE and the server closes; then the client reconnects,
 * if configured, as after any drop. A call that fails because of the BYE fails with
 * {@link NotConnectedException} and was never sent.
 */
public final class SwitchboardClient implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SwitchboardClient.class);

    private final ClientOptions options;
    private final TransportConfig transport;
    /** The TLS setup every connection of this client shares, or {@code null} for plaintext. */
    private final ClientTls tls;
    private final EventLoopGroup group;
    private final ExecutorService ownListenerThread;
    private final Executor listenerExecutor;
    private final Map<String, Boolean> rooms = new ConcurrentHashMap<>();
    private final Map<String, List<EventListener>> eventListeners = new ConcurrentHashMap<>();
    private final List<EventListener> anyListeners = new CopyOnWriteArrayList<>();
    private final List<PresenceListener> presenceListeners = new CopyOnWriteArrayList<>();
    private final List<ConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<SwitchboardException>> errorListeners = new CopyOnWriteArrayList<>();
    private volatile Connection connection;
    /** Completes with the live connection; replaced by a fresh one when that connection drops. */
    /** The token HELLO carries: {@link ClientOptions#token()}, then the last {@link #refreshToken}. */
    private final AtomicReference<String> token = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Connection>> reconnected =
            new AtomicReference<>(new CompletableFuture<>());
    private volatile boolean closed;

    /** One TCP connection with its completed handshake. */
    private static final class Connection {
        final Channel channel;
        final ClientHandler handler;
        final Welcome welcome;

        Connection(Channel channel, ClientHandler handler, Welcome welcome) {
            this.channel = channel;
            this.handler = handler;
            this.welcome = welcome;
        }
    }

    private SwitchboardClient(ClientOptions options, TransportConfig transport, ClientTls tls) {
        this.options = options;
        this.token.set(options.token());
        this.transport = transport;
        this.tls = tls;
        this.group = transport.newEventLoopGroup(1, "switchboard-client");
        if (options.listenerExecutor() == null) {
            ownListenerThread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("switchboard-listener", true));
            listenerExecutor = ownListenerThread;
        } else {
            ownListenerThread = null;
            listenerExecutor = options.listenerExecutor();
        }
    }

    /**
     * Connects and performs the handshake. The future fails with
     * {@link io.switchboard.common.transport.TransportUnavailableException} if the transport cannot
     * be used, {@link ConnectionClosedException} if the connection fails, {@link TimeoutException}
     * after the connect timeout, or {@link SwitchboardException} if the server refuses the HELLO.
     * Reconnection applies only after this first connection succeeded.
     */
    public static CompletableFuture<SwitchboardClient> connect(ClientOptions options) {
        Objects.requireNonNull(options, "options");
        TransportConfig transport;
        ClientTls tls;
        try {
            transport = TransportConfig.resolve(options.transport(), options.epollMode());
            tls = ClientTls.of(options);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        SwitchboardClient client = new SwitchboardClient(options, transport, tls);
        return client.connectOnce().handle((c, failure) -> {
            if (failure != null) {
                client.shutdownResources(false); // on the I/O thread: must not wait for it
                throw failure instanceof RuntimeException ? (RuntimeException) failure
                        : new java.util.concurrent.CompletionException(failure);
            }
            client.adopt(c);
            return client;
        });
    }

    private CompletableFuture<Connection> connectOnce() {
        ClientHandler handler = new ClientHandler(options.name(), token.get(), options.requestTimeout().toNanos(),
                new InboundDispatch());
        Bootstrap bootstrap = transport.configureSocket(new Bootstrap())
                .group(group)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
                        (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), options.port()));
                        }
                        ch.pipeline()
                                .addLast("frameDecoder", new FrameDecoder(options.maxFrameLength()))
                                .addLast("frameEncoder", FrameEncoder.INSTANCE)
                                .addLast("client", handler);
                    }
                });
        CompletableFuture<Connection> result = new CompletableFuture<>();
        bootstrap.connect(options.host(), options.port()).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                result.completeExceptionally(new ConnectionClosedException("cannot connect to " + options.host() + ":"
                        + options.port() + ": " + connected.cause().getMessage(), connected.cause()));
                return;
            }
            Channel ch = connected.channel();
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl != null) {
                // Said before the close that follows, so the caller learns why (an untrusted
                // certificate, a wrong name, no common version).
                ssl.handshakeFuture().addListener(done -> {
                    if (!done.isSuccess()) {
                        handler.handshake().completeExceptionally(new ConnectionClosedException("TLS handshake with "
                                + options.host() + ":" + options.port() + " failed: " + tlsFailure(done.cause()),
                                done.cause()));
                    }
                });
            }
            ch.eventLoop().schedule(() -> {
                handler.handshake().completeExceptionally(new TimeoutException(
                        "no WELCOME within " + options.connectTimeout().toMillis() + " ms"));
            }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            handler.handshake().whenComplete((welcome, failure) -> {
                if (failure != null) {
                    ch.close();
                    result.completeExceptionally(failure);
                    return;
                }
                ch.eventLoop().execute(() -> {
                    if (welcome.idleTimeoutMillis() > 0 && ch.isActive()) {
                        // Send something at least three times per server idle period, and ping
                        // when nothing was heard for as long; nothing heard for the whole period
                        // means a dead path (ClientHandler closes the connection).
                        long interval = Math.max(1,
                                welcome.idleTimeoutMillis() / ClientHandler.DEAD_AFTER_SILENT_PERIODS);
                        ch.pipeline().addBefore("client", "heartbeat",
                                new IdleStateHandler(interval, interval, 0, TimeUnit.MILLISECONDS));
                    }
                    result.complete(new Connection(ch, handler, welcome));
                });
            });
        });
        return result;
    }

    /** The innermost message of a TLS failure, which names what was wrong. */
    private static String tlsFailure(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /** Makes {@code c} the current connection and watches it for drops. */
    private void adopt(Connection c) {
        connection = c;
        reconnected.get().complete(c);
        c.channel.closeFuture().addListener(f -> onDisconnected(c));
    }

    private void onDisconnected(Connection c) {
        if (closed) {
            return;
        }
        CompletableFuture<Connection> next = nextConnection(c);
        ConnectionClosedException cause = new ConnectionClosedException("connection to " + options.host() + ":"
                + options.port() + " lost");
        log.info("session {}: connection to {}:{} lost{}", c.welcome.sessionId(), options.host(), options.port(),
                options.reconnect() ? ", reconnecting" : "");
        for (ConnectionListener listener : connectionListeners) {
            listenerExecutor.execute(() -> listener.onDisconnected(cause));
        }
        if (options.reconnect()) {
            scheduleReconnect(0);
        } else {
            next.completeExceptionally(cause);
        }
    }

    private void scheduleReconnect(int attempt) {
        if (closed || group.isShuttingDown()) {
            return;
        }
        long initial = options.reconnectInitialDelay().toMillis();
        long max = options.reconnectMaxDelay().toMillis();
        long base = Math.min(max, initial << Math.min(attempt, 30));
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        group.next().schedule(() -> {
            if (closed) {
                return;
            }
            connectOnce().thenCompose(this::rejoin).whenComplete((c, failure) -> {
                if (failure != null) {
                    log.debug("reconnect attempt {} failed: {}", attempt + 1, failure.toString());
                    scheduleReconnect(attempt + 1);
                    return;
                }
                if (closed) {
                    c.channel.close();
                    return;
                }
                adopt(c);
                for (ConnectionListener listener : connectionListeners) {
                    listenerExecutor.execute(() -> listener.onReconnected(c.welcome.sessionId()));
                }
            });
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Joins every room the client was in again, on a fresh connection. */
    private CompletableFuture<Connection> rejoin(Connection c) {
        List<CompletableFuture<Frame>> joins = new ArrayList<>();
        for (Map.Entry<String, Boolean> room : rooms.entrySet()) {
            int flags = Flags.ACK | (room.getValue() ? Flags.PRESENCE : 0);
            joins.add(c.handler.request(new Join(c.handler.nextId(), flags, room.getKey())));
        }
        return CompletableFuture.allOf(joins.toArray(new CompletableFuture<?>[0]))
                .thenApply(done -> {
                    joins.forEach(j -> ReferenceCountUtil.release(j.join()));
                    return c;
                })
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        c.channel.close();
                    }
                });
    }

    /** The live connection, or a failure/wait according to the options. */
    private CompletableFuture<Connection> active() {
        Connection c = connection;
        if (c != null && c.channel.isActive() && !c.handler.draining()) {
            return CompletableFuture.completedFuture(c);
        }
        if (closed) {
            return CompletableFuture.failedFuture(new ConnectionClosedException("client is closed"));
        }
        if (!options.reconnect()) {
            return CompletableFuture.failedFuture(c != null && c.handler.draining()
                    ? new NotConnectedException("not sent: the server said BYE, it is shutting down")
                    : new ConnectionClosedException("connection closed"));
        }
        if (options.whileDisconnected() == ClientOptions.WhileDisconnected.FAIL) {
            return CompletableFuture.failedFuture(new NotConnectedException("not connected to " + options.host() + ":"
                    + options.port() + "; reconnecting"));
        }
        return nextConnection(c).copy().orTimeout(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The future for the connection after {@code dead}: the current one, unless it still holds
     * {@code dead} (the drop was seen here before the close listener ran), in which case a fresh
     * one replaces it, exactly once whoever gets here first.
     */
    private CompletableFuture<Connection> nextConnection(Connection dead) {
        while (true) {
            CompletableFuture<Connection> current = reconnected.get();
            if (!current.isDone() || current.isCompletedExceptionally() || current.join() != dead) {
                return current;
            }
            CompletableFuture<Connection> fresh = new CompletableFuture<>();
            if (reconnected.compareAndSet(current, fresh)) {
                return fresh;
            }
        }
    }

    private CompletableFuture<Frame> request(Function<ClientHandler, Frame> frame, long timeoutNanos) {
        return active().thenCompose(c -> c.handler.request(frame.apply(c.handler), timeoutNanos));
    }

    private CompletableFuture<Frame> request(Function<ClientHandler, Frame> frame) {
        return request(frame, options.requestTimeout().toNanos());
    }

    private static Void done(Frame reply) {
        ReferenceCountUtil.release(reply);
        return null;
    }

    // ---- requests ----

    /**
     * Replaces the session's signed token before it expires (a HELLO after the handshake,
     * docs/protocol.md): completes when the server answered WELCOME, fails with a
     * {@link SwitchboardException} of code 403 when it refused the token (the old one stays). A
     * reconnection presents the new token.
     */
    public CompletableFuture<Void> refreshToken(String signedToken) {
        Objects.requireNonNull(signedToken, "signedToken");
        return request(h -> new Hello(h.nextId(), Wire.PROTOCOL_VERSION, options.name(), signedToken)).thenApply(reply -> {
                    token.set(signedToken);
                    return done(reply);
                });
    }

    /** Sends a PING and completes with the round-trip time when the PONG arrives. */
    public CompletableFuture<Duration> ping() {
        long start = System.nanoTime();
        return request(h -> PayloadFrame.of(Opcode.PING, h.nextId(), Unpooled.EMPTY_BUFFER))
                .thenApply(reply -> {
                    long elapsed = System.nanoTime() - start;
                    ReferenceCountUtil.release(reply);
                    return Duration.ofNanos(elapsed);
                });
    }

    /** Sends {@code payload} in an ECHO and completes with the bytes of the ECHO_REPLY. */
    public CompletableFuture<byte[]> echo(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        return request(h -> PayloadFrame.of(Opcode.ECHO, h.nextId(), Unpooled.wrappedBuffer(payload)))
                .thenApply(ClientHandler::payloadBytes);
    }

    /** Joins {@code room} without presence notices; completes when the server acknowledged. */
    public CompletableFuture<Void> join(String room) {
        return join(room, false);
    }

    /**
     * Joins {@code room}; with {@code presence}, {@link PresenceListener}s hear who joins and
     * leaves it. The client rejoins the room by itself after a reconnection.
     */
    public CompletableFuture<Void> join(String room, boolean presence) {
        Objects.requireNonNull(room, "room");
        int flags = Flags.ACK | (presence ? Flags.PRESENCE : 0);
        return request(h -> new Join(h.nextId(), flags, room)).thenApply(reply -> {
            rooms.put(room, presence);
            return done(reply);
        });
    }

    /** Leaves {@code room}; fails with ERROR 300 or 301 if the client is not in it. */
    public CompletableFuture<Void> leave(String room) {
        Objects.requireNonNull(room, "room");
        return request(h -> new Leave(h.nextId(), Flags.ACK, room)).thenApply(reply -> {
            rooms.remove(room);
            return done(reply);
        });
    }

    /** The rooms this client is in (and will rejoin after a reconnection). */
    public List<String> rooms() {
        return List.copyOf(rooms.keySet());
    }

    /** The members a page request asks for when {@link #members(String)} walks a room. */
    static final int MEMBERS_PAGE = 1000;

    /**
     * Lists the members of a room this client is in, in the order of their session ids, a page of
     * {@value #MEMBERS_PAGE} at a time, so that a room of any size fits the frame limit. Members
     * who join or leave while the pages are read may be missing or listed.
     */
    public CompletableFuture<List<MembersReply.MemberInfo>> members(String room) {
        Objects.requireNonNull(room, "room");
        List<MembersReply.MemberInfo> all = new ArrayList<>();
        return membersFrom(room, 0, all);
    }

    private CompletableFuture<List<MembersReply.MemberInfo>> membersFrom(String room, long after,
            List<MembersReply.MemberInfo> all) {
        return membersPage(room, after, MEMBERS_PAGE).thenCompose(page -> {
            all.addAll(page.members());
            return page.next() == 0 ? CompletableFuture.completedFuture(List.copyOf(all))
                    : membersFrom(room, page.next(), all);
        });
    }

    /**
     * One page of the members of a room this client is in: at most {@code limit} (1 to
     * {@value Members#MAX_LIMIT}) members whose session ids come after {@code after} (0: from the
     * first); the reply's {@link MembersReply#next()} is the cursor of the next page, 0 after the last.
     */
    public CompletableFuture<MembersReply> membersPage(String room, long after, int limit) {
        Objects.requireNonNull(room, "room");
        return request(h -> new Members(h.nextId(), room, after, limit)).thenApply(reply -> (MembersReply) reply);
    }

    /**
     * Publishes an event to every member of {@code room} but this client; completes when the
     * server has handed it to every recipient's connection.
     */
    public CompletableFuture<Void> publish(String room, String event, byte[] payload) {
        return publish(room, event, payload, true, false);
    }

    /**
     * Publishes an event to a room.
     *
     * @param ack wait for the server's acknowledgement; without it the future completes once the
     *     frame is written to the socket, and a refusal reaches {@link #onError} listeners
     * @param includeSelf deliver to this client too, if it is a member
     */
    public CompletableFuture<Void> publish(String room, String event, byte[] payload, boolean ack, boolean includeSelf) {
        Objects.requireNonNull(room, "room");
        return publish(Target.ROOM, room, 0, event, payload, ack, includeSelf);
    }

    /** Publishes an event to every session on the server but this one; acknowledged. */
    public CompletableFuture<Void> broadcast(String event, byte[] payload) {
        return publish(Target.ALL, "", 0, event, payload, true, false);
    }

    /** Sends an event to one session; acknowledged once handed to its connection. */
    public CompletableFuture<Void> send(long sessionId, String event, byte[] payload) {
        return publish(Target.SESSION, "", sessionId, event, payload, true, false);
    }

    private CompletableFuture<Void> publish(Target target, String room, long sessionId, String event, byte[] payload,
            boolean ack, boolean includeSelf) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(payload, "payload");
        int flags = (ack ? Flags.ACK : 0) | (includeSelf ? Flags.INCLUDE_SELF : 0);
        if (!ack) {
            // A request id still, so that a refusal reaches onError listeners.
            return active().thenCompose(c -> c.handler.send(new Publish(c.handler.nextId(), flags, target, room,
                    sessionId, event, Unpooled.wrappedBuffer(payload))));
        }
        return request(h -> new Publish(h.nextId(), flags, target, room, sessionId, event,
                Unpooled.wrappedBuffer(payload))).thenApply(SwitchboardClient::done);
    }

    /**
     * Sends an event to one session and waits for that session's acknowledgement (socket.io's
     * emit with a callback); completes with the bytes it answered. Fails with ERROR 306
     * ACK_TIMEOUT if the peer does not answer in the server's peer-ack timeout, or 305 if there is
     * no such session.
     */
    public CompletableFuture<byte[]> emit(long sessionId, String event, byte[] payload) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(payload, "payload");
        return request(h -> new Publish(h.nextId(), Flags.PEER_ACK, Target.SESSION, "", sessionId, event,
                Unpooled.wrappedBuffer(payload)), options.peerAckTimeout().toNanos())
                .thenApply(reply -> {
                    try {
                        return ByteBufUtil.getBytes(((Ack) reply).content());
                    } finally {
                        ReferenceCountUtil.release(reply);
                    }
                });
    }

    // ---- listeners ----

    /** Calls {@code listener} for every event named {@code event}. */
    public Subscription on(String event, EventListener listener) {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(listener, "listener");
        eventListeners.computeIfAbsent(event, e -> new CopyOnWriteArrayList<>()).add(listener);
        return () -> {
            List<EventListener> list = eventListeners.get(event);
            if (list != null) {
                list.remove(listener);
            }
        };
    }

    /** Calls {@code listener} for every event, whatever its name. */
    public Subscription onAny(EventListener listener) {
        anyListeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> anyListeners.remove(listener);
    }

    /** Calls {@code listener} for JOINED and LEFT notices of rooms joined with presence. */
    public Subscription onPresence(PresenceListener listener) {
        presenceListeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> presenceListeners.remove(listener);
    }

    /** Calls {@code listener} when the connection drops and when it is back. */
    public Subscription onConnection(ConnectionListener listener) {
        connectionListeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> connectionListeners.remove(listener);
    }

    /**
     * Calls {@code listener} for refusals of requests sent without waiting for a reply (a publish
     * without ack): the server answers those only when they fail.
     */
    public Subscription onError(Consumer<SwitchboardException> listener) {
        errorListeners.add(Objects.requireNonNull(listener, "listener"));
        return () -> errorListeners.remove(listener);
    }

    /** Turns frames from the I/O thread into listener calls on the listener executor. */
    private final class InboundDispatch implements ClientHandler.Inbound {
        @Override
        public void event(Event event, Channel channel) {
            byte[] payload;
            try {
                payload = ByteBufUtil.getBytes(event.content());
            } finally {
                event.release();
            }
            int relayId = event.requestId();
            ReceivedEvent received = new ReceivedEvent(event.senderId(), event.target(), event.room(), event.event(),
                    payload, Flags.has(event.flags(), Flags.PEER_ACK)
                            ? reply -> channel.writeAndFlush(new Ack(relayId, Unpooled.wrappedBuffer(reply)))
                            : null);
            List<EventListener> named = eventListeners.get(event.event());
            if ((named == null || named.isEmpty()) && anyListeners.isEmpty()) {
                return;
            }
            listenerExecutor.execute(() -> {
                if (named != null) {
                    named.forEach(l -> call(l, received));
                }
                anyListeners.forEach(l -> call(l, received));
            });
        }

        private void call(EventListener listener, ReceivedEvent event) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("event listener failed on {}", event, e);
            }
        }

        @Override
        public void uncorrelatedError(ErrorFrame error) {
            SwitchboardException exception = new SwitchboardException(error.code(), error.message());
            if (errorListeners.isEmpty()) {
                log.warn("request {} refused: {}", error.requestId(), exception.getMessage());
            }
            for (Consumer<SwitchboardException> listener : errorListeners) {
                listenerExecutor.execute(() -> listener.accept(exception));
            }
        }

        @Override
        public void presence(Presence presence) {
            boolean joined = presence.opcode() == Opcode.JOINED;
            for (PresenceListener listener : presenceListeners) {
                listenerExecutor.execute(() -> {
                    try {
                        listener.onPresence(presence.room(), presence.sessionId(), presence.name(), joined);
                    } catch (RuntimeException e) {
                        log.warn("presence listener failed on {}", presence, e);
                    }
                });
            }
        }
    }

    // ---- state ----

    private Connection current() {
        Connection c = connection;
        if (c == null) {
            throw new IllegalStateException("not connected");
        }
        return c;
    }

    /** The session id the server assigned in the current connection's WELCOME. */
    public long sessionId() {
        return current().welcome.sessionId();
    }

    /** The server's name and version from WELCOME, for example {@code switchboard/0.1.0}. */
    public String serverName() {
        return current().welcome.server();
    }

    /** The largest frame the server accepts. */
    public int serverMaxFrameLength() {
        return current().welcome.maxFrameLength();
    }

    /** The server's address. */
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) current().channel.remoteAddress();
    }

    /** The transport this client uses. */
    public TransportConfig transport() {
        return transport;
    }

    /** The options the client was created with. */
    public ClientOptions options() {
        return options;
    }

    /** Whether the client is connected right now. */
    public boolean isOpen() {
        Connection c = connection;
        return c != null && c.channel.isActive();
    }

    /** Completes when the current connection closes, for whatever reason. */
    public CompletableFuture<Void> closeFuture() {
        CompletableFuture<Void> closedFuture = new CompletableFuture<>();
        current().channel.closeFuture().addListener(f -> closedFuture.complete(null));
        return closedFuture;
    }

    /** The current connection's channel; for tests and diagnostics. */
    public Channel channel() {
        return current().channel;
    }

    /**
     * Says BYE, closes the connection, stops reconnecting and stops the client's threads.
     * Requests still in flight fail with {@link ConnectionClosedException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Connection c = connection;
        if (c != null) {
            Channel channel = c.channel;
            if (channel.isActive()) {
                channel.writeAndFlush(new Bye(0, 0, "client closing")).addListener(ChannelFutureListener.CLOSE);
            }
            channel.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
            channel.close().awaitUninterruptibly();
        }
        reconnected.get().completeExceptionally(new ConnectionClosedException("client is closed"));
        shutdownResources(!group.next().inEventLoop());
    }

    private void shutdownResources(boolean await) {
        io.netty.util.concurrent.Future<?> terminated = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        if (await) {
            terminated.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (ownListenerThread != null) {
            ownListenerThread.shutdown();
        }
    }
}
