package io.switchboard.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.switchboard.client.internal.ClientHandler;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.FrameDecoder;
import io.switchboard.common.protocol.FrameEncoder;
import io.switchboard.common.protocol.Opcode;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.common.transport.TransportConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection to a Switchboard server over the framed protocol.
 *
 * <pre>{@code
 * try (SwitchboardClient client = SwitchboardClient.connect(ClientOptions.builder().port(7000).build()).join()) {
 *     Duration rtt = client.ping().join();
 *     byte[] back = client.echo("hi".getBytes(UTF_8)).join();
 * }
 * }</pre>
 *
 * <p>Every method may be called from any thread, and any number of requests may be in flight at
 * once: replies are matched by request id. Returned futures complete on the connection's I/O
 * thread, so do not block inside their callbacks; use the {@code ...Async} methods of
 * {@link CompletableFuture} to move work elsewhere.
 */
public final class SwitchboardClient implements AutoCloseable {
    private final ClientOptions options;
    private final TransportConfig transport;
    private final EventLoopGroup group;
    private final Channel channel;
    private final ClientHandler handler;
    private final Welcome welcome;

    private SwitchboardClient(ClientOptions options, TransportConfig transport, EventLoopGroup group, Channel channel,
            ClientHandler handler, Welcome welcome) {
        this.options = options;
        this.transport = transport;
        this.group = group;
        this.channel = channel;
        this.handler = handler;
        this.welcome = welcome;
    }

    /**
     * Connects and performs the handshake. The future fails with
     * {@link io.switchboard.common.transport.TransportUnavailableException} if the transport cannot
     * be used, {@link ConnectionClosedException} if the connection fails, {@link TimeoutException}
     * after the connect timeout, or {@link SwitchboardException} if the server refuses the HELLO.
     */
    public static CompletableFuture<SwitchboardClient> connect(ClientOptions options) {
        Objects.requireNonNull(options, "options");
        TransportConfig transport;
        try {
            transport = TransportConfig.resolve(options.transport(), options.epollMode());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        EventLoopGroup group = transport.newEventLoopGroup(1, "switchboard-client");
        ClientHandler handler = new ClientHandler(options.name(), options.token(), options.requestTimeout().toNanos());
        Bootstrap bootstrap = transport.configureSocket(new Bootstrap())
                .group(group)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("frameDecoder", new FrameDecoder(options.maxFrameLength()))
                                .addLast("frameEncoder", FrameEncoder.INSTANCE)
                                .addLast("client", handler);
                    }
                });
        CompletableFuture<SwitchboardClient> result = new CompletableFuture<>();
        bootstrap.connect(options.host(), options.port()).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                result.completeExceptionally(new ConnectionClosedException("cannot connect to " + options.host() + ":"
                        + options.port() + ": " + connected.cause().getMessage(), connected.cause()));
                return;
            }
            Channel ch = connected.channel();
            ch.eventLoop().schedule(() -> {
                handler.handshake().completeExceptionally(new TimeoutException(
                        "no WELCOME within " + options.connectTimeout().toMillis() + " ms"));
            }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            handler.handshake().whenComplete((welcome, failure) -> {
                if (failure != null) {
                    ch.close();
                    result.completeExceptionally(failure);
                } else {
                    result.complete(new SwitchboardClient(options, transport, group, ch, handler, welcome));
                }
            });
        });
        result.whenComplete((client, failure) -> {
            if (failure != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        });
        return result;
    }

    /** Sends a PING and completes with the round-trip time when the PONG arrives. */
    public CompletableFuture<Duration> ping() {
        long start = System.nanoTime();
        return handler.request(PayloadFrame.of(Opcode.PING, handler.nextId(), Unpooled.EMPTY_BUFFER))
                .thenApply(reply -> {
                    long elapsed = System.nanoTime() - start;
                    io.netty.util.ReferenceCountUtil.release(reply);
                    return Duration.ofNanos(elapsed);
                });
    }

    /** Sends {@code payload} in an ECHO and completes with the bytes of the ECHO_REPLY. */
    public CompletableFuture<byte[]> echo(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        return handler.request(PayloadFrame.of(Opcode.ECHO, handler.nextId(), Unpooled.wrappedBuffer(payload)))
                .thenApply(ClientHandler::payloadBytes);
    }

    /** The session id the server assigned in WELCOME. */
    public long sessionId() {
        return welcome.sessionId();
    }

    /** The server's name and version from WELCOME, for example {@code switchboard/0.1.0}. */
    public String serverName() {
        return welcome.server();
    }

    /** The largest frame the server accepts. */
    public int serverMaxFrameLength() {
        return welcome.maxFrameLength();
    }

    /** The server's address. */
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) channel.remoteAddress();
    }

    /** The transport this connection uses. */
    public TransportConfig transport() {
        return transport;
    }

    /** The options the client was connected with. */
    public ClientOptions options() {
        return options;
    }

    /** Whether the connection is open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the connection has closed, for whatever reason. */
    public CompletableFuture<Void> closeFuture() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        channel.closeFuture().addListener(f -> closed.complete(null));
        return closed;
    }

    /** The underlying channel; for tests and diagnostics. */
    public Channel channel() {
        return channel;
    }

    /**
     * Says BYE, closes the connection and stops the client's I/O thread. Requests still in flight
     * fail with {@link ConnectionClosedException}.
     */
    @Override
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new Bye(0, 0, "client closing")).addListener(ChannelFutureListener.CLOSE);
        }
        channel.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

}
