package io.switchboard.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The raw echo over real loopback sockets, on every transport this machine offers. */
class RawEchoIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void sixteenMebibytesInRandomChunksComeBackInOrder(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        byte[] data = new byte[16 << 20];
        Random random = new Random(42);
        random.nextBytes(data);
        try (Socket socket = connect(server)) {
            ExecutorService writer = Executors.newSingleThreadExecutor();
            try {
                // Write and read concurrently: the server stops reading while we do not drain.
                Future<?> sent = writer.submit(() -> {
                    OutputStream out = socket.getOutputStream();
                    Random chunks = new Random(7);
                    int offset = 0;
                    while (offset < data.length) {
                        int n = Math.min(data.length - offset, 1 + chunks.nextInt(100_000));
                        out.write(data, offset, n);
                        offset += n;
                    }
                    out.flush();
                    return null;
                });
                byte[] back = new byte[data.length];
                new DataInputStream(socket.getInputStream()).readFully(back);
                sent.get(30, TimeUnit.SECONDS);
                assertArrayEquals(data, back);
            } finally {
                writer.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void manyConcurrentClients(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        int clients = 100;
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                results.add(pool.submit(() -> {
                    try (Socket socket = connect(server)) {
                        OutputStream out = socket.getOutputStream();
                        DataInputStream in = new DataInputStream(socket.getInputStream());
                        for (int i = 0; i < 50; i++) {
                            byte[] message = ("client " + id + " message " + i).getBytes();
                            out.write(message);
                            byte[] back = new byte[message.length];
                            in.readFully(back);
                            assertArrayEquals(message, back);
                        }
                        return 50;
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get(60, TimeUnit.SECONDS);
            }
            assertEquals(clients * 50, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aPeerThatDoesNotReadIsThrottledAndOthersAreServed(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (Socket hog = connect(server)) {
            hog.setSoTimeout(0);
            OutputStream out = hog.getOutputStream();
            // Send without reading until the writes block: the server stopped reading from us.
            ExecutorService writer = Executors.newSingleThreadExecutor();
            long[] written = {0};
            writer.submit(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (int i = 0; i < 4096; i++) { // at most 256 MiB, never reached
                        out.write(chunk);
                        synchronized (written) {
                            written[0] += chunk.length;
                        }
                    }
                } catch (Exception e) {
                    // the socket is closed at the end of the test
                }
                return null;
            });
            // The server stops reading from us (backpressure closes the connection's read gate)
            // once its echoes pile up, long before 128 MiB have gone out.
            Await.until("backpressure to stop reading the hog", () -> {
                for (Channel ch : server.connections().channels(Listener.ECHO)) {
                    if (ch.eventLoop().submit(() -> ReadGate.of(ch).isClosedBy(ReadGate.Reason.BACKPRESSURE)).get()) {
                        return true;
                    }
                }
                return false;
            });
            long current;
            synchronized (written) {
                current = written[0];
            }
            assertTrue(current < 128L << 20, "reading should stop well before 128 MiB, got " + current);
            // Another client is unaffected.
            try (Socket other = connect(server)) {
                other.getOutputStream().write("still here".getBytes());
                byte[] back = new byte[10];
                new DataInputStream(other.getInputStream()).readFully(back);
                assertEquals("still here", new String(back));
            }
            writer.shutdownNow();
        }
    }

    private static Socket connect(Server server) throws Exception {
        InetSocketAddress address = server.address(Listener.ECHO);
        Socket socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

}
