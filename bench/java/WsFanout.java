import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * WebSocket room fan-out driver for bench/run-ws-alloc.sh: MEMBERS WebSocket sessions join one
 * room on Switchboard's /ws bridge, then one more session publishes EVENTS events to it, at most
 * WINDOW events ahead of the slowest member. Loopback only; stops by itself: after EVENTS, after
 * 2 s without a delivery (a member's events were dropped as a slow consumer's), or after 120 s.
 * Prints one line: {@code RESULT members= sent= deliveries= expected= seconds=} (expected: sent
 * times members; fewer deliveries mean drops).
 *
 * <p>Run as a single-file program on the server jar's class path (it holds Netty):
 * {@code java -cp server/target/switchboard-server.jar bench/java/WsFanout.java PORT MEMBERS EVENTS}.
 */
public final class WsFanout {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final int WINDOW = 16;
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int members = Integer.parseInt(args[1]);
        int events = Integer.parseInt(args[2]);
        URI uri = new URI("ws://127.0.0.1:" + port + "/ws");
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        AtomicLong deliveries = new AtomicLong();
        AtomicLongArray received = new AtomicLongArray(members);
        CountDownLatch joined = new CountDownLatch(members);
        EventLoopGroup group = new NioEventLoopGroup(2);
        int code = 1;
        try {
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                int member = i;
                channels.add(connect(group, uri, text -> {
                    if (text.startsWith("{\"type\":\"event\"")) {
                        received.incrementAndGet(member);
                        deliveries.incrementAndGet();
                    } else if (text.startsWith("{\"type\":\"ack\"")) {
                        joined.countDown();
                    }
                }));
            }
            for (Channel ch : channels) {
                ch.writeAndFlush(new TextWebSocketFrame("{\"type\":\"join\",\"room\":\"fan\",\"id\":1}"));
            }
            if (!joined.await(remaining(deadline), TimeUnit.NANOSECONDS)) {
                throw new IllegalStateException("only " + (members - joined.getCount()) + " of " + members + " joined");
            }
            Channel publisher = connect(group, uri, text -> { });
            long start = System.nanoTime();
            String publish = "{\"type\":\"publish\",\"room\":\"fan\",\"event\":\"tick\",\"data\":\""
                    + "x".repeat(64) + "\"}";
            int sent = 0;
            long lastCount = -1;
            long lastProgress = System.nanoTime();
            while (sent < events && System.nanoTime() < deadline) {
                if (sent - slowest(received) < WINDOW) {
                    publisher.writeAndFlush(new TextWebSocketFrame(publish));
                    sent++;
                } else if (stalled(deliveries.get(), lastCount, lastProgress)) {
                    break;
                } else {
                    if (deliveries.get() != lastCount) {
                        lastCount = deliveries.get();
                        lastProgress = System.nanoTime();
                    }
                    Thread.sleep(0, 100_000);
                }
            }
            long expected = (long) sent * members;
            lastProgress = System.nanoTime();
            while (deliveries.get() < expected && System.nanoTime() < deadline
                    && !stalled(deliveries.get(), lastCount, lastProgress)) {
                if (deliveries.get() != lastCount) {
                    lastCount = deliveries.get();
                    lastProgress = System.nanoTime();
                }
                Thread.sleep(5);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("RESULT members=%d sent=%d deliveries=%d expected=%d seconds=%.2f%n",
                    members, sent, deliveries.get(), expected, seconds);
            code = deliveries.get() == expected ? 0 : 1;
            for (Channel ch : channels) {
                ch.close();
            }
            publisher.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        System.exit(code);
    }

    /** The fewest events any member has received. */
    private static long slowest(AtomicLongArray received) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < received.length(); i++) {
            min = Math.min(min, received.get(i));
        }
        return min;
    }

    private static boolean stalled(long count, long lastCount, long lastProgress) {
        return count == lastCount && System.nanoTime() - lastProgress > STALL_NANOS;
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    interface Receiver {
        void text(String text);
    }

    /** One upgraded WebSocket connection; returns once the upgrade is done. */
    private static Channel connect(EventLoopGroup group, URI uri, Receiver receiver) throws Exception {
        CountDownLatch upgraded = new CountDownLatch(1);
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 16),
                                new WebSocketClientProtocolHandler(WebSocketClientHandshakerFactory.newHandshaker(
                                        uri, WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), 1 << 16)),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                                            upgraded.countDown();
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                                        receiver.text(frame.text());
                                    }
                                });
                    }
                })
                .connect(uri.getHost(), uri.getPort()).sync().channel();
        if (!upgraded.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no WebSocket upgrade in 10 s");
        }
        return ch;
    }
}
