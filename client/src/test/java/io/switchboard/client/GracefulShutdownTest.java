package io.switchboard.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.server.lifecycle.Connections;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Shuts the server down while several clients pipeline ECHO and acknowledged PUBLISH requests,
 * and accounts for every request: each one is answered in full, or failed with
 * {@link NotConnectedException} because the client had already seen the server's BYE and never
 * sent it. A request lost in flight (connection closed, timeout) or a reply cut short fails the
 * test, as does an acknowledged publish that did not reach the room's subscriber.
 */
class GracefulShutdownTest {
    private static final int CLIENTS = 4;
    private static final int WINDOW = 32;
    private static final String ROOM = "drain";

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    /** One request and what became of it. */
    private record Sent(boolean publish, byte[] payload, CompletableFuture<byte[]> reply) {
    }

    private static ClientOptions options(Server server, TransportUnderTest transport, String name) {
        InetSocketAddress address = server.address(Listener.FRAMED);
        return ClientOptions.builder()
                .host(address.getAddress().getHostAddress())
                .port(address.getPort())
                .transport(transport.choice)
                .epollMode(transport.epollMode)
                .name(name)
                .reconnect(false)
                .requestTimeout(Duration.ofSeconds(30))
                .build();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    @Timeout(90)
    void everyRequestIsAnsweredOrWasNeverSent(TransportUnderTest transport) throws Exception {
        // Water marks high enough that the subscriber is never a slow consumer whose events are dropped.
        Server server = servers.start(transport, b -> b.drainTimeout(Duration.ofSeconds(20))
                .writeBufferWaterMarks(32 << 20, 64 << 20));
        Set<ByteBuffer> delivered = ConcurrentHashMap.newKeySet();
        ExecutorService subscriberListener = Executors.newSingleThreadExecutor();
        ClientOptions base = options(server, transport, "subscriber");
        SwitchboardClient subscriber = SwitchboardClient.connect(ClientOptions.builder()
                .host(base.host()).port(base.port()).transport(transport.choice).epollMode(transport.epollMode)
                .name("subscriber").reconnect(false).requestTimeout(Duration.ofSeconds(30))
                .listenerExecutor(subscriberListener).build()).get(10, TimeUnit.SECONDS);
        subscriber.on("load", e -> delivered.add(ByteBuffer.wrap(e.payload())));
        subscriber.join(ROOM).get(10, TimeUnit.SECONDS);

        List<SwitchboardClient> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(SwitchboardClient.connect(options(server, transport, "load-" + i)).get(10, TimeUnit.SECONDS));
        }
        List<List<Sent>> sentByClient = new ArrayList<>();
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch warmedUp = new CountDownLatch(1);
        List<Thread> loaders = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            List<Sent> sent = new ArrayList<>();
            sentByClient.add(sent);
            SwitchboardClient client = clients.get(c);
            int clientId = c;
            Thread loader = new Thread(() -> load(client, clientId, sent, answered, warmedUp), "loader-" + c);
            loaders.add(loader);
            loader.start();
        }
        assertTrue(warmedUp.await(30, TimeUnit.SECONDS), "load never got going");

        // Everything acknowledged before the shutdown starts must reach the subscriber.
        List<byte[]> ackedBefore = new ArrayList<>();
        for (List<Sent> sent : sentByClient) {
            synchronized (sent) {
                for (Sent s : sent) {
                    if (s.publish() && s.reply().isDone() && !s.reply().isCompletedExceptionally()) {
                        ackedBefore.add(s.payload());
                    }
                }
            }
        }
        long start = System.nanoTime();
        Connections.DrainResult drained = server.shutdownGracefully(Duration.ofSeconds(20));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        for (Thread loader : loaders) {
            loader.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue(!loader.isAlive(), loader.getName() + " did not stop after the BYE");
        }

        int total = 0;
        int replies = 0;
        int notSent = 0;
        for (int c = 0; c < CLIENTS; c++) {
            int notSentHere = 0;
            for (Sent s : sentByClient.get(c)) {
                total++;
                try {
                    byte[] reply = s.reply().get(30, TimeUnit.SECONDS);
                    replies++;
                    if (!s.publish()) {
                        assertArrayEquals(s.payload(), reply, "client " + c + ": echo reply differs (cut off?)");
                    }
                } catch (ExecutionException e) {
                    assertInstanceOf(NotConnectedException.class, e.getCause(),
                            "client " + c + ": a request was lost instead of answered or refused before sending: " + e.getCause());
                    notSent++;
                    notSentHere++;
                }
            }
            assertTrue(notSentHere > 0, "client " + c + " never saw the BYE");
        }
        assertEquals(total, replies + notSent);
        assertTrue(replies > CLIENTS * WINDOW, "too little load before the shutdown: " + replies);
        assertEquals(0, drained.forced(), "connections had to be cut at the drain timeout");
        assertEquals(CLIENTS + 1, drained.atStart());
        assertTrue(tookMillis < 20_000, "drain took " + tookMillis + " ms");
        for (SwitchboardClient client : clients) {
            client.closeFuture().get(10, TimeUnit.SECONDS);
            client.close();
        }
        subscriber.closeFuture().get(10, TimeUnit.SECONDS);
        subscriber.close();
        subscriberListener.shutdown(); // runs the events still queued, then ends
        assertTrue(subscriberListener.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(0, server.hub().dropped(), "events dropped for a slow consumer");
        int missing = 0;
        for (byte[] payload : ackedBefore) {
            if (!delivered.contains(ByteBuffer.wrap(payload))) {
                missing++;
            }
        }
        assertEquals(0, missing, "publishes acknowledged before the shutdown that never reached the subscriber, of "
                + ackedBefore.size());
        System.out.printf("%s: %d requests, %d answered, %d refused before sending, %d acked publishes checked, "
                + "drain %d ms%n", transport, total, replies, notSent, ackedBefore.size(), tookMillis);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    @Timeout(60)
    void afterTheByeTheClientReconnectsToTheNextServer(TransportUnderTest transport) throws Exception {
        Server first = servers.start(transport);
        int port = first.address(Listener.FRAMED).getPort();
        CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
        CompletableFuture<Long> reconnected = new CompletableFuture<>();
        try (SwitchboardClient client = SwitchboardClient.connect(ClientOptions.builder()
                .host("127.0.0.1").port(port).transport(transport.choice).epollMode(transport.epollMode)
                .name("returning").reconnect(true).reconnectDelays(Duration.ofMillis(50), Duration.ofMillis(200))
                .whileDisconnected(ClientOptions.WhileDisconnected.FAIL)
                .requestTimeout(Duration.ofSeconds(10)).build()).get(10, TimeUnit.SECONDS)) {
            client.onConnection(new ConnectionListener() {
                @Override
                public void onDisconnected(Throwable cause) {
                    disconnected.complete(cause);
                }

                @Override
                public void onReconnected(long sessionId) {
                    reconnected.complete(sessionId);
                }
            });
            client.join("back").get(10, TimeUnit.SECONDS);
            long before = client.sessionId();
            Connections.DrainResult drained = first.shutdownGracefully(Duration.ofSeconds(10));
            assertEquals(0, drained.forced(), "the client did not answer the BYE with its own");
            disconnected.get(10, TimeUnit.SECONDS);
            Server second = servers.start(transport, b -> b.port(Listener.FRAMED, port));
            long after = reconnected.get(30, TimeUnit.SECONDS);
            assertTrue(after != before, "same session id after reconnecting to a new server");
            assertArrayEquals(new byte[] {1, 2, 3}, client.echo(new byte[] {1, 2, 3}).get(10, TimeUnit.SECONDS));
            assertEquals(1, second.hub().members("back").size(), "the room was not rejoined");
        }
    }

    /** Keeps WINDOW requests in flight, echo and acknowledged publish in turn, until the BYE refuses one. */
    private static void load(SwitchboardClient client, int clientId, List<Sent> sent, AtomicInteger answered,
            CountDownLatch warmedUp) {
        Semaphore window = new Semaphore(WINDOW);
        Random random = new Random(clientId);
        for (long n = 0; ; n++) {
            window.acquireUninterruptibly();
            byte[] payload = new byte[16 + random.nextInt(4000)];
            random.nextBytes(payload);
            ByteBuffer.wrap(payload).putInt(clientId).putLong(n);
            boolean publish = (n & 1) == 1;
            CompletableFuture<byte[]> reply = publish
                    ? client.publish(ROOM, "load", payload).thenApply(v -> new byte[0])
                    : client.echo(payload);
            Sent s = new Sent(publish, payload, reply);
            synchronized (sent) {
                sent.add(s);
            }
            reply.whenComplete((r, failure) -> {
                window.release();
                if (failure == null && answered.incrementAndGet() == CLIENTS * 500) {
                    warmedUp.countDown();
                }
            });
            if (reply.isCompletedExceptionally()) {
                Throwable cause = reply.handle((r, f) -> f).join();
                if (cause instanceof CompletionException) {
                    cause = cause.getCause();
                }
                if (cause instanceof NotConnectedException) {
                    return; // the BYE: stop sending
                }
            }
        }
    }

    @SuppressWarnings("unused")
    private static String hex(byte[] b) {
        return Arrays.toString(Arrays.copyOf(b, 12));
    }
}
