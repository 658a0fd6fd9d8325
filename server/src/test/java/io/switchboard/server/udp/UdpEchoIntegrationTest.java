package io.switchboard.server.udp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The UDP echo over real loopback sockets, on every transport this machine offers. UDP may drop
 * datagrams even on loopback, so requests are retried on timeout; what comes back is always
 * checked byte for byte.
 */
class UdpEchoIntegrationTest {
    private static final int ATTEMPTS = 5;
    private static final int REPLY_TIMEOUT_MS = 1000;

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL", "NIO"})
    void datagramsOfEverySizeComeBackUnchanged(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        InetSocketAddress address = server.address(Listener.UDP);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (DatagramSocket socket = socket()) {
                Random random = new Random(42);
                for (int size : new int[] {0, 1, 1400, 65_507}) {
                    byte[] data = new byte[size];
                    random.nextBytes(data);
                    assertArrayEquals(data, echo(socket, address, data), size + " bytes");
                }
            }
        });
        awaitCount(() -> UdpMetrics.out(server.metrics()), 4);
        assertEquals(0, UdpMetrics.dropped(server.metrics()));
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL", "NIO"})
    void anOversizedDatagramIsDroppedAndCountedAndTheNextOneAnswered(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.maxDatagramBytes(1000));
        InetSocketAddress address = server.address(Listener.UDP);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (DatagramSocket socket = socket()) {
                byte[] big = new byte[2000];
                Arrays.fill(big, (byte) 'x');
                socket.send(new DatagramPacket(big, big.length, address));
                // Loopback may (rarely) lose it: wait until the server has seen it before asserting.
                awaitCount(() -> UdpMetrics.dropped(server.metrics()), 1);
                assertNull(receive(socket, 300), "no reply to an oversized datagram");
                byte[] atLimit = new byte[1000];
                new Random(1).nextBytes(atLimit);
                assertArrayEquals(atLimit, echo(socket, address, atLimit));
                byte[] small = "still here".getBytes();
                assertArrayEquals(small, echo(socket, address, small));
            }
        });
        assertEquals(1, UdpMetrics.dropped(server.metrics()));
        assertTrue(UdpMetrics.out(server.metrics()) >= 2);
    }

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL", "NIO"})
    void manyDatagramsFromSeveralSocketsAreAllAnswered(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        InetSocketAddress address = server.address(Listener.UDP);
        int sockets = 8;
        int perSocket = 500;
        int window = 16;
        ExecutorService pool = Executors.newFixedThreadPool(sockets);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int s = 0; s < sockets; s++) {
                int id = s;
                results.add(pool.submit(() -> windowed(address, id, perSocket, window)));
            }
            int answered = 0;
            for (Future<Integer> result : results) {
                answered += result.get(60, TimeUnit.SECONDS);
            }
            assertEquals(sockets * perSocket, answered);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertTrue(UdpMetrics.out(server.metrics()) >= sockets * perSocket);
        assertEquals(0, UdpMetrics.dropped(server.metrics()));
    }

    /**
     * Sends {@code count} distinct messages with at most {@code window} unanswered, resending what
     * is outstanding when replies stop; returns how many distinct messages came back correct.
     */
    private static int windowed(InetSocketAddress address, int id, int count, int window) throws Exception {
        try (DatagramSocket socket = socket()) {
            Map<Integer, byte[]> outstanding = new HashMap<>();
            boolean[] answered = new boolean[count];
            int next = 0;
            int done = 0;
            int resends = 0;
            while (done < count) {
                while (outstanding.size() < window && next < count) {
                    byte[] message = message(id, next);
                    outstanding.put(next, message);
                    socket.send(new DatagramPacket(message, message.length, address));
                    next++;
                }
                byte[] reply = receive(socket, 500);
                if (reply == null) {
                    assertTrue(++resends <= 20, "socket " + id + ": too many timeouts, " + done + " of " + count);
                    for (byte[] message : outstanding.values()) {
                        socket.send(new DatagramPacket(message, message.length, address));
                    }
                    continue;
                }
                ByteBuffer header = ByteBuffer.wrap(reply);
                assertEquals(id, header.getInt(), "a reply for this socket");
                int seq = header.getInt();
                assertArrayEquals(message(id, seq), reply, "reply content");
                if (!answered[seq]) {
                    answered[seq] = true;
                    outstanding.remove(seq);
                    done++;
                }
            }
            return done;
        }
    }

    private static byte[] message(int id, int seq) {
        int length = 8 + (seq * 31 + id) % 1200;
        ByteBuffer buffer = ByteBuffer.allocate(length).putInt(id).putInt(seq);
        while (buffer.hasRemaining()) {
            buffer.put((byte) (seq + buffer.position()));
        }
        return buffer.array();
    }

    private static DatagramSocket socket() throws Exception {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(1 << 20);
        socket.setSendBufferSize(1 << 20);
        return socket;
    }

    /** One request, retried on timeout; the reply from the server's address. */
    private static byte[] echo(DatagramSocket socket, InetSocketAddress address, byte[] data) throws Exception {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            socket.send(new DatagramPacket(data, data.length, address));
            byte[] reply = receive(socket, REPLY_TIMEOUT_MS);
            if (reply != null) {
                return reply;
            }
        }
        throw new AssertionError("no reply to " + data.length + " bytes after " + ATTEMPTS + " attempts");
    }

    /** The next datagram, or null after the timeout; one byte more than the UDP maximum to see truncation. */
    private static byte[] receive(DatagramSocket socket, int timeoutMillis) throws Exception {
        byte[] buffer = new byte[65_508];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.setSoTimeout(timeoutMillis);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(buffer, packet.getLength());
    }

    private interface Count {
        long get();
    }

    private static void awaitCount(Count count, long expected) throws InterruptedException {
        Await.until(() -> "a count of " + expected + ", not " + count.get(), Await.TIMEOUT,
                () -> count.get() >= expected);
        assertEquals(expected, count.get());
    }
}
