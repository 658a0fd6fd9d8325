package io.switchboard.client.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.client.load.engine.Progress;
import io.switchboard.client.load.engine.StageException;
import io.switchboard.client.load.engine.StageRunner;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.result.Interval;
import io.switchboard.client.load.result.StageResult;
import io.switchboard.client.load.run.LoadRun;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The engine end to end over real loopback sockets: the real server for raw, framed and HTTP
 * over every transport, and small in-test servers that corrupt echoes or stall. Runs are ~1 s.
 */
@Timeout(60)
class LoadIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private EventLoopGroup testServerGroup;

    @AfterEach
    void stopTestServer() {
        if (testServerGroup != null) {
            testServerGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static LoadSettings.Builder settings(TransportUnderTest t, Protocol protocol, String target) {
        return LoadSettings.builder()
                .protocol(protocol)
                .target(target)
                .transport(t.choice)
                .epollMode(t.epollMode)
                .duration(Duration.ofMillis(1000))
                .timeout(Duration.ofSeconds(5));
    }

    private static StageResult run(LoadSettings s) throws Exception {
        return new StageRunner(Progress.silent()).run(s);
    }

    private static String hostPort(Server server, Listener listener) {
        InetSocketAddress a = server.address(listener);
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Every request sent is completed, failed or still in flight at the end: nothing is lost. */
    private static void assertBalanced(StageResult r) {
        Map<String, Long> c = r.counters();
        long sent = c.get("sent");
        long requestErrors = c.get("request_errors");
        assertEquals(sent, c.get("completed") + requestErrors + c.get("in_flight_at_end"),
                () -> "sent = completed + errors + in flight: " + r.totals() + " " + c);
        assertEquals(c.get("scheduled"), sent + c.get("unsent_at_end"));
        // these runs have no warm-up: the measured totals are the whole stage
        assertEquals(c.get("completed"), r.totals().completed());
        assertEquals(c.get("in_flight_at_end"), r.totals().inFlightAtEnd());
        long recorded = r.latency().getTotalCount();
        assertEquals(r.totals().completed() + requestErrors + r.totals().inFlightAtEnd()
                + c.get("unsent_at_end"), recorded, "every request has one latency sample");
        long intervalCompleted = r.intervals().stream().filter(i -> !i.warmup()).mapToLong(Interval::completed).sum();
        assertEquals(r.totals().completed(), intervalCompleted, "intervals add up to the totals");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void rawEchoClosedLoopWithPipelining(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        StageResult r = run(settings(t, Protocol.RAW, hostPort(server, Listener.ECHO))
                .connections(4).pipeline(8).payload(PayloadSpec.range(1, 3000)).build());
        assertTrue(r.totals().completed() > 0, () -> "completed " + r.totals());
        assertEquals(0, r.totals().errors(), () -> "errors " + r.errors());
        assertBalanced(r);
        assertTrue(r.totals().bytesReceived() > 0 && r.totals().bytesSent() >= r.totals().bytesReceived());
        assertEquals(4, r.intervals().stream().mapToInt(Interval::connections).max().orElse(0), "4 connections open");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void framedEchoPingAndPublish(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        for (String mode : new String[] {"echo", "ping", "publish"}) {
            StageResult r = run(settings(t, Protocol.FRAMED, hostPort(server, Listener.FRAMED))
                    .mode(mode).connections(3).pipeline(4).duration(null).requests(300).build());
            assertEquals(300, r.totals().completed(), () -> mode + ": completed " + r.totals());
            assertEquals(0, r.totals().errors(), () -> mode + ": errors " + r.errors());
            assertBalanced(r);
            if (mode.equals("publish")) {
                assertTrue(r.counters().get("events_received") > 0, "members of the room received the others' events");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void httpOpenLoopSendsExactlyTheSchedule(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        InetSocketAddress http = server.address(Listener.HTTP);
        StageResult r = run(settings(t, Protocol.HTTP, "http://127.0.0.1:" + http.getPort() + "/healthz")
                .connections(4).pipeline(2).threads(2).rate(2000).build());
        assertEquals(2000, r.counters().get("scheduled"), "2000 req/s for 1 s, intended times in [0, 1 s)");
        assertEquals(0, r.totals().errors(), () -> "errors " + r.errors());
        // How many complete depends on the server's speed (cold JIT, paranoid leak detection, a
        // busy machine); what the schedule sent does not.
        assertTrue(r.totals().completed() > 0, () -> "completed " + r.totals());
        assertBalanced(r);
        assertEquals(2000, r.self().targetRate());
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "NIO"})
    void httpStatusOutside2xxIsCounted(TransportUnderTest t) throws Exception {
        Server server = servers.start(t);
        InetSocketAddress http = server.address(Listener.HTTP);
        StageResult r = run(settings(t, Protocol.HTTP, "http://127.0.0.1:" + http.getPort() + "/no-such-page")
                .connections(2).pipeline(4).duration(null).requests(200).build());
        assertEquals(0, r.totals().completed());
        assertEquals(Map.of(ErrorKind.HTTP_STATUS, 200L), r.errors());
        assertBalanced(r);
    }

    /**
     * POST bodies of every size from 0 to 12,000 bytes: an in-test server answers 200 only when
     * the request's Content-Length equals the body it got and the body is in the asked range, so a
     * wrong length header (the digits are written per request) shows up as HTTP_STATUS errors.
     */
    @Test
    void httpPostSendsTheRightContentLengthForEverySize() throws Exception {
        int port = startTestServer(ch -> ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new HttpObjectAggregator(1 << 16))
                .addLast(new SimpleChannelInboundHandler<FullHttpRequest>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                        int body = req.content().readableBytes();
                        boolean ok = req.method() == HttpMethod.POST && body <= 12_000
                                && String.valueOf(body).equals(req.headers().get(HttpHeaderNames.CONTENT_LENGTH));
                        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                ok ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST);
                        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                        ctx.writeAndFlush(res);
                    }
                }));
        StageResult r = run(settings(TransportUnderTest.NIO, Protocol.HTTP, "http://127.0.0.1:" + port + "/")
                .method("POST").payload(PayloadSpec.range(0, 12_000)).connections(2).pipeline(4)
                .duration(null).requests(2000).build());
        assertEquals(Map.of(), r.errors());
        assertEquals(2000, r.totals().completed());
        assertBalanced(r);
    }

    @Test
    void intervalHistogramsAndCountsDescribeTheSameRequests() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        StageResult r = run(settings(TransportUnderTest.NIO, Protocol.RAW, hostPort(server, Listener.ECHO))
                .connections(4).threads(2).rate(1500).warmup(Duration.ofMillis(500)).duration(Duration.ofMillis(1000))
                .build());
        assertTrue(r.intervals().get(0).warmup());
        for (Interval i : r.intervals()) {
            // no errors and nothing in flight except in the last interval's sweep
            if (i != r.intervals().get(r.intervals().size() - 1)) {
                assertEquals(i.completed(), i.latency().getTotalCount(), () -> "interval " + i);
            }
        }
        Map<String, Long> c = r.counters();
        assertEquals(c.get("sent"), c.get("completed") + c.get("request_errors") + c.get("in_flight_at_end"));
        assertEquals(c.get("scheduled"), c.get("sent") + c.get("unsent_at_end"));
        assertEquals(r.totals().completed() + r.totals().errors() + r.totals().inFlightAtEnd()
                + c.get("unsent_at_end"), r.latency().getTotalCount());
    }

    @Test
    void requestCountBoundsARun() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        StageResult r = run(settings(TransportUnderTest.NIO, Protocol.RAW, hostPort(server, Listener.ECHO))
                .connections(3).pipeline(2).duration(null).requests(1000).build());
        assertEquals(1000, r.totals().completed());
        assertEquals(1000, r.counters().get("sent"));
        assertEquals(0, r.totals().inFlightAtEnd());
    }

    @Test
    void capacitySearchBisectsToTheHighestRateWithinTheBound() throws Exception {
        Server server = servers.start(TransportUnderTest.NIO);
        LoadSettings base = settings(TransportUnderTest.NIO, Protocol.RAW, hostPort(server, Listener.ECHO))
                .connections(4).warmup(Duration.ofMillis(300)).duration(Duration.ofMillis(700)).build();
        var run = LoadRun.findMaxRate(base, Duration.ofSeconds(2), List.of(), Progress.silent());
        assertEquals("probe-closed", run.stages().get(0).name());
        assertTrue(run.capacity().size() >= 2, () -> "probes " + run.capacity());
        assertEquals(run.capacity().size() + 1, run.stages().size());
        double best = run.capacity().stream().filter(p -> p.passed()).mapToDouble(p -> p.targetRate()).max().orElse(0);
        assertEquals(best, run.maxRate());
        for (var p : run.capacity()) {
            boolean shouldPass = p.p99Micros() <= 2_000_000 && p.errors() == 0 && p.achievedRate() >= 0.95 * p.targetRate();
            assertEquals(shouldPass, p.passed(), () -> "probe " + p);
        }
        // bisection: every probe lies strictly between the best passing and the lowest failing rate so far
        double ceiling = run.stages().get(0).totals().rate() * 1.1;
        double lo = 0;
        double hi = ceiling;
        for (var p : run.capacity()) {
            assertTrue(p.targetRate() > lo && p.targetRate() < hi + 1, () -> "probe " + p + " outside the bracket");
            if (p.passed()) {
                lo = p.targetRate();
            } else {
                hi = p.targetRate();
            }
        }
    }

    @Test
    void refusedConnectionsMakeTheStageFail() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        int closedPort = port;
        var e = org.junit.jupiter.api.Assertions.assertThrows(StageException.class,
                () -> run(settings(TransportUnderTest.NIO, Protocol.RAW, "127.0.0.1:" + closedPort)
                        .connections(2).timeout(Duration.ofMillis(200)).duration(Duration.ofSeconds(20)).build()));
        assertTrue(e.getMessage().contains("could not connect"), e.getMessage());
    }

    @Test
    void aCorruptedEchoIsAWrongEcho() throws Exception {
        int port = startTestServer(ch -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            private long seen;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf in = (ByteBuf) msg;
                // flip one bit of the 100th byte this connection sees
                if (seen <= 99 && seen + in.readableBytes() > 99) {
                    int i = in.readerIndex() + (int) (99 - seen);
                    in.setByte(i, in.getByte(i) ^ 0x01);
                }
                seen += in.readableBytes();
                ctx.writeAndFlush(in);
            }
        }));
        StageResult r = run(settings(TransportUnderTest.NIO, Protocol.RAW, "127.0.0.1:" + port)
                .connections(2).pipeline(1).payload(PayloadSpec.fixed(64)).duration(Duration.ofMillis(500)).build());
        // byte 99 is in each connection's second request (bytes 64..127)
        assertEquals(2, r.errors().getOrDefault(ErrorKind.WRONG_ECHO, 0L), () -> "errors " + r.errors());
        assertEquals(2, r.totals().errors());
        assertTrue(r.totals().completed() > 100);
        assertBalanced(r);
    }

    @Test
    void aStalledServerShowsUpInLatencyNotInServiceTime() throws Exception {
        // Echoes at once, except that everything arriving 300..700 ms after its first byte is held
        // until 700 ms. At 1000 req/s that is ~400 requests whose intended times fall in the stall.
        AtomicLong firstByte = new AtomicLong();
        int port = startTestServer(ch -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            private final ArrayDeque<Object> held = new ArrayDeque<>();

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                long now = System.nanoTime();
                firstByte.compareAndSet(0, now);
                long since = now - firstByte.get();
                long from = TimeUnit.MILLISECONDS.toNanos(300);
                long until = TimeUnit.MILLISECONDS.toNanos(700);
                if (!held.isEmpty() || (since >= from && since < until)) {
                    if (held.isEmpty()) {
                        ctx.executor().schedule(() -> {
                            while (!held.isEmpty()) {
                                ctx.write(held.poll());
                            }
                            ctx.flush();
                        }, until - since, TimeUnit.NANOSECONDS);
                    }
                    held.add(msg);
                } else {
                    ctx.writeAndFlush(msg);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                held.forEach(io.netty.util.ReferenceCountUtil::release);
                held.clear();
            }
        }));
        StageResult r = run(settings(TransportUnderTest.NIO, Protocol.RAW, "127.0.0.1:" + port)
                .connections(2).pipeline(1).threads(1).rate(1000).payload(PayloadSpec.fixed(32))
                .duration(Duration.ofMillis(1200)).build());
        assertEquals(0, r.totals().errors(), () -> "errors " + r.errors());
        assertBalanced(r);
        long p99 = r.latency().getValueAtPercentile(99);
        long p90 = r.latency().getValueAtPercentile(90);
        assertTrue(p99 >= 300_000 && p90 >= 100_000, "the stall is in the latency: p90 " + p90 + " us, p99 " + p99 + " us");
        assertTrue(r.totals().blocked() >= 300, () -> "requests waited for a free connection: " + r.totals());
        // A closed-loop tool would only have seen the two requests held by the server.
        long slowServiceTimes = r.serviceTime().getCountBetweenValues(100_000, Long.MAX_VALUE / 2);
        assertTrue(slowServiceTimes <= 4, "service time is slow only for the held requests: " + slowServiceTimes);
        assertTrue(r.self().findings().stream().anyMatch(f -> f.contains("waited for a free connection")),
                () -> "findings " + r.self().findings());
    }

    /** Starts a NIO server on loopback with the given child pipeline; returns its port. */
    private int startTestServer(Consumer<Channel> init) {
        TransportConfig nio = TransportConfig.resolve(TransportChoice.NIO, null);
        testServerGroup = nio.newEventLoopGroup(1, "test-server");
        Channel listener = nio.configure(new ServerBootstrap())
                .group(testServerGroup)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        init.accept(ch);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }
}
