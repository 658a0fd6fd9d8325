package io.switchboard.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.testing.FaultProxy.Direction;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fault proxy against a plain blocking-socket target: each fault does what it says, and only that. */
@Timeout(30)
class FaultProxyTest {
    @RegisterExtension
    final FaultProxies proxies = new FaultProxies();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    /** The far end: a blocking-socket server on loopback that hands each accepted socket to the test. */
    private final class Target {
        final ServerSocket server;
        final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        Target() throws IOException {
            server = keep(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(keep(server.accept()));
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "fault-proxy-test-target");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        /** The target's end of the next connection, with reads bounded. */
        Socket next() throws InterruptedException, IOException {
            Socket far = accepted.poll(10, TimeUnit.SECONDS);
            assertNotNull(far, "a connection at the target within 10 s");
            far.setSoTimeout(10_000);
            return far;
        }
    }

    /** A connection through a proxy: the client's end and the target's. */
    private record Connection(Socket client, Socket far) {
        /** A byte from the client reaches the target: the path is up. */
        void carriesAByte() throws IOException {
            client.getOutputStream().write(1);
            assertEquals(1, far.getInputStream().read());
        }
    }

    /** The client's end of a new connection through {@code proxy}, with reads bounded. */
    private Socket connect(FaultProxy proxy) throws IOException {
        Socket s = keep(new Socket());
        s.connect(proxy.address(), 2000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** A new connection through {@code proxy} to {@code target}, both ends. */
    private Connection connect(FaultProxy proxy, Target target) throws IOException, InterruptedException {
        Socket client = connect(proxy);
        return new Connection(client, target.next());
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertEquals(n, b.length, "bytes before EOF");
        return b;
    }

    @Test
    void forwardsEveryByteInOrderThroughDelayJitterAndChunking() throws Exception {
        Target target = new Target();
        FaultProxy proxy = proxies.start(target.address(), 42)
                .delay(Direction.TO_TARGET, Duration.ofMillis(20), Duration.ofMillis(20))
                .delay(Direction.TO_CLIENT, Duration.ofMillis(20), Duration.ofMillis(20))
                .chunking(7);
        Connection c = connect(proxy, target);
        Socket client = c.client();
        Socket far = c.far();
        byte[] data = new byte[20_000];
        new Random(1).nextBytes(data);
        long start = System.nanoTime();
        for (int i = 0; i < data.length; i += 1000) {
            client.getOutputStream().write(data, i, 1000);
        }
        assertArrayEquals(data, readFully(far.getInputStream(), data.length));
        far.getOutputStream().write(data);
        assertArrayEquals(data, readFully(client.getInputStream(), data.length));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "both ways delayed 20 ms at least");
        assertTrue(proxy.writes() >= 2L * data.length / 7, "split into pieces of at most 7 bytes: " + proxy.writes());
        // A close travels after the data, as a FIN.
        client.shutdownOutput();
        assertEquals(-1, far.getInputStream().read());
    }

    @Test
    void aStallHoldsBytesForItsDurationThenDeliversThem() throws Exception {
        Target target = new Target();
        FaultProxy proxy = proxies.start(target.address());
        Connection c = connect(proxy, target);
        c.carriesAByte();

        long start = System.nanoTime();
        proxy.stall(Duration.ofMillis(400));
        c.client().getOutputStream().write(2);
        c.far().getOutputStream().write(3);
        assertEquals(2, c.far().getInputStream().read());
        assertEquals(3, c.client().getInputStream().read());
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= 400, "held for the stall: " + waited + " ms");
    }

    /** Reads {@code socket} on a thread of its own; each byte (or -1 at EOF) arrives with the time it was read. */
    private static BlockingQueue<long[]> timedReads(Socket socket) {
        BlockingQueue<long[]> reads = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try {
                int v;
                do {
                    v = socket.getInputStream().read();
                    reads.add(new long[] {v, System.nanoTime()});
                } while (v >= 0);
            } catch (IOException closed) {
                // the test is over
            }
        }, "fault-proxy-test-reader");
        t.setDaemon(true);
        t.start();
        return reads;
    }

    /**
     * A blackout holds data and closes both ways, on open connections and new ones, and a heal
     * delivers them: every byte and EOF is read after the heal, none before.
     */
    @Test
    void aBlackoutHoldsDataAndFinUntilHealedAndCoversNewConnections() throws Exception {
        Target target = new Target();
        FaultProxy proxy = proxies.start(target.address());
        Connection one = connect(proxy, target);
        Connection other = connect(proxy, target);
        Socket client = one.client();
        BlockingQueue<long[]> atFar = timedReads(one.far());
        BlockingQueue<long[]> atOther = timedReads(other.client());

        proxy.blackout();
        client.getOutputStream().write(7);
        client.shutdownOutput(); // FIN towards the target
        other.far().close(); // FIN towards the client
        Socket late = connect(proxy);
        late.getOutputStream().write(8);
        Thread.sleep(300); // the fault's duration, not a check
        long healedAt = System.nanoTime();
        proxy.heal();
        long[] seven = atFar.poll(10, TimeUnit.SECONDS);
        long[] eof = atFar.poll(10, TimeUnit.SECONDS);
        long[] otherEof = atOther.poll(10, TimeUnit.SECONDS);
        assertEquals(7, seven[0]);
        assertEquals(-1, eof[0]);
        assertEquals(-1, otherEof[0]);
        for (long[] read : List.of(seven, eof, otherEof)) {
            assertTrue(read[1] >= healedAt, "held until the heal: read " + (healedAt - read[1]) / 1_000_000 + " ms early");
        }
        assertEquals(8, target.next().getInputStream().read());
    }

    @Test
    void aResetAbortsBothEnds() throws Exception {
        Target target = new Target();
        FaultProxy proxy = proxies.start(target.address());
        Connection c = connect(proxy, target);
        c.carriesAByte();
        proxy.reset();
        SocketException atClient = assertThrows(SocketException.class, () -> c.client().getInputStream().read());
        assertTrue(atClient.getMessage().contains("reset"), atClient.getMessage());
        SocketException atFar = assertThrows(SocketException.class, () -> c.far().getInputStream().read());
        assertTrue(atFar.getMessage().contains("reset"), atFar.getMessage());
        Await.until("the proxy to drop the pair", () -> proxy.open() == 0);
    }

    @Test
    void independentDelaysReorderEventsAcrossConnections() throws Exception {
        Target target = new Target();
        FaultProxy proxy = proxies.start(target.address(), 7)
                .delay(Direction.TO_TARGET, Duration.ZERO, Duration.ofMillis(60));
        Connection ca = connect(proxy, target);
        Connection cb = connect(proxy, target);
        Socket a = ca.client();
        Socket b = cb.client();
        Socket farA = ca.far();
        Socket farB = cb.far();
        BlockingQueue<String> arrivals = new LinkedBlockingQueue<>();
        for (Socket[] pair : new Socket[][] {{farA}, {farB}}) {
            Socket far = pair[0];
            String tag = far == farA ? "a" : "b";
            Thread t = new Thread(() -> {
                try {
                    int v;
                    while ((v = far.getInputStream().read()) >= 0) {
                        arrivals.add(tag + v);
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            t.setDaemon(true);
            t.start();
        }
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            a.getOutputStream().write(i);
            sent.add("a" + i);
            b.getOutputStream().write(i);
            sent.add("b" + i);
            Thread.sleep(2); // separate reads, so that each byte gets its own delay
        }
        List<String> got = new ArrayList<>();
        for (int i = 0; i < sent.size(); i++) {
            String s = arrivals.poll(10, TimeUnit.SECONDS);
            assertTrue(s != null, "arrival " + i + " of " + sent.size());
            got.add(s);
        }
        assertNotEquals(sent, got, "events on two connections arrive in another order than sent");
        // ... but each connection's bytes keep theirs.
        assertEquals(sent.stream().filter(s -> s.startsWith("a")).toList(),
                got.stream().filter(s -> s.startsWith("a")).toList());
        assertEquals(sent.stream().filter(s -> s.startsWith("b")).toList(),
                got.stream().filter(s -> s.startsWith("b")).toList());
    }
}
