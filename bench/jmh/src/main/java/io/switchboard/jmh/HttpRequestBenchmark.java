package io.switchboard.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportConfig;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.http.HttpServerInitializer;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.RoomHub;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP listener's own cost per request, without the kernel: a request's bytes enter the
 * listener's real pipeline (as {@link HttpServerInitializer} builds it for a connection, on an
 * {@link EmbeddedChannel}), and the response's bytes leave it. This is the user-space part of
 * what {@code bench/run-http.sh} measures with wrk against nginx, and what a change to the codec,
 * the handlers or the router moves.
 *
 * <pre>java -jar bench/jmh/target/switchboard-jmh.jar HttpRequestBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx512m", "-Dio.netty.leakDetection.level=disabled"})
public class HttpRequestBenchmark {
    /** What is asked: the 16-byte row's request (as wrk sends it), or a browser-like one. */
    @Param({"wrk", "browser"})
    public String request;

    private EmbeddedChannel channel;
    private ByteBuf bytes;
    private HttpServerInitializer initializer;

    @Setup
    public void setUp() {
        initializer = new HttpServerInitializer(ServerConfig.builder().build().httpConfig(),
                new RoomHub(PooledByteBufAllocator.DEFAULT), new Metrics(),
                TransportConfig.resolve(TransportChoice.NIO, null), () -> true);
        channel = new EmbeddedChannel(initializer);
        String raw = request.equals("wrk")
                ? "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:18080\r\n\r\n"
                : "GET /healthz HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                        + "Accept: application/json,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n"
                        + "Accept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\nCookie: session=abc123\r\n\r\n";
        bytes = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(raw.getBytes(StandardCharsets.US_ASCII)));
        if (roundTrip() == 0) {
            throw new IllegalStateException("no response to " + raw);
        }
    }

    /** One request in, its response out; returns the response's size. */
    @Benchmark
    public int roundTrip() {
        channel.writeInbound(bytes.duplicate());
        int size = 0;
        for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            if (out instanceof ByteBuf buf) {
                size += buf.readableBytes();
            }
            ReferenceCountUtil.release(out);
        }
        return size;
    }

    @TearDown
    public void tearDown() {
        channel.finishAndReleaseAll();
        initializer.close();
    }
}
