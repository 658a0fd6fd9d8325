package io.switchboard.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.FaultProxies;
import io.switchboard.testing.FaultProxy;
import io.switchboard.testing.FaultProxy.Direction;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The framed protocol and the client library over a network that misbehaves: a {@link FaultProxy}
 * between the clients and the server delays, splits, stalls and blacks out the path, on every
 * transport. What each test proves, and which protection makes it pass, is in its Javadoc.
 */
@Timeout(60)
class NetworkFaultsTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    /** Closed before the clients: their RST ends the clients' connections at once. */
    @RegisterExtension
    final FaultProxies proxies = new FaultProxies();

    private final List<SwitchboardClient> clients = new ArrayList<>();

    @AfterEach
    void closeAll() {
        clients.forEach(SwitchboardClient::close);
    }

    private FaultProxy proxy(Server server) throws InterruptedException {
        return proxies.start(server.address(Listener.FRAMED));
    }

    private SwitchboardClient client(InetSocketAddress address, TransportUnderTest transport, String name,
            Consumer<ClientOptions.Builder> customize) throws Exception {
        ClientOptions.Builder b = ClientOptions.builder()
                .host(address.getAddress().getHostAddress()).port(address.getPort())
                .transport(transport.choice).epollMode(transport.epollMode).name(name)
                .requestTimeout(Duration.ofSeconds(20));
        customize.accept(b);
        SwitchboardClient c = SwitchboardClient.connect(b.build()).get(10, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    private SwitchboardClient client(InetSocketAddress address, TransportUnderTest transport, String name)
            throws Exception {
        return client(address, transport, name, b -> { });
    }

    /**
     * A member of room "room" behind {@code proxy} that reconnects quickly, recording the "news"
     * events it receives, its disconnections and its reconnections.
     */
    private final class Subscriber {
        final SwitchboardClient client;
        final long firstSession;
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> disconnected = new LinkedBlockingQueue<>();
        final BlockingQueue<Long> reconnected = new LinkedBlockingQueue<>();

        Subscriber(FaultProxy proxy, TransportUnderTest transport, Consumer<ClientOptions.Builder> customize)
                throws Exception {
            client = client(proxy.address(), transport, "subscriber",
                    b -> customize.accept(b.reconnectDelays(Duration.ofMillis(50), Duration.ofMillis(200))));
            client.on("news", e -> received.add(e.text()));
            client.onConnection(new ConnectionListener() {
                @Override
                public void onDisconnected(Throwable cause) {
                    disconnected.add(cause);
                }

                @Override
                public void onReconnected(long sessionId) {
                    reconnected.add(sessionId);
                }
            });
            client.join("room").get(10, TimeUnit.SECONDS);
            firstSession = client.sessionId();
        }

        /** Waits for the reconnection, then checks it joined again and receives what is published from then on. */
        void assertBackInTheRoom(Server server, SwitchboardClient publisher, String why) throws Exception {
            Long newSession = reconnected.poll(20, TimeUnit.SECONDS);
            assertTrue(newSession != null, why);
            assertNotEquals(firstSession, newSession.longValue());
            assertTrue(server.hub().isMember("room", newSession), "joined again after the reconnection");
            publisher.publish("room", "news", "after".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
            assertEquals("after", received.poll(10, TimeUnit.SECONDS));
        }
    }

    /**
     * Delay with jitter both ways, each connection drawing its own, and every write split into
     * pieces of 1 to 16 bytes: three publishers pipeline acknowledged publishes to a room of two
     * subscribers, all through the proxy. Every acknowledged publish reaches each subscriber once,
     * in its publisher's order. Protection: the frame decoder's reassembly of split frames and the
     * per-member ordering of writes (a decoder that dropped a partial frame fails this).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void acknowledgedPublishesSurviveDelayJitterAndChunking(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        FaultProxy proxy = proxy(server)
                .delay(Direction.TO_TARGET, Duration.ofMillis(1), Duration.ofMillis(4))
                .delay(Direction.TO_CLIENT, Duration.ofMillis(1), Duration.ofMillis(4))
                .chunking(16);
        List<SwitchboardClient> publishers = new ArrayList<>();
        List<BlockingQueue<ReceivedEvent>> inboxes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            SwitchboardClient s = client(proxy.address(), transport, "sub" + i);
            BlockingQueue<ReceivedEvent> inbox = new LinkedBlockingQueue<>();
            s.on("seq", inbox::add);
            s.join("faults").get(20, TimeUnit.SECONDS);
            inboxes.add(inbox);
        }
        for (int i = 0; i < 3; i++) {
            SwitchboardClient p = client(proxy.address(), transport, "pub" + i);
            p.join("faults").get(20, TimeUnit.SECONDS);
            publishers.add(p);
        }
        int n = 150;
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i <= n; i++) {
            for (SwitchboardClient p : publishers) {
                String text = i == n ? "end" : Integer.toString(i);
                acks.add(p.publish("faults", "seq", text.getBytes(UTF_8)));
            }
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);

        for (BlockingQueue<ReceivedEvent> inbox : inboxes) {
            Map<Long, Integer> next = new HashMap<>();
            int ended = 0;
            while (ended < publishers.size()) {
                ReceivedEvent e = inbox.poll(20, TimeUnit.SECONDS);
                assertTrue(e != null, "an event within 20 s; so far " + next + ", ended " + ended);
                int expected = next.getOrDefault(e.senderId(), 0);
                if (e.text().equals("end")) {
                    assertEquals(n, expected, "publisher " + e.senderId() + " ended after " + expected);
                    next.put(e.senderId(), expected + 1);
                    ended++;
                } else {
                    assertEquals(expected, Integer.parseInt(e.text()), "order of publisher " + e.senderId());
                    next.put(e.senderId(), expected + 1);
                }
            }
            // Each publisher's "end" came after all of its events, once each: nothing lost, nothing twice.
            assertEquals(publishers.size(), next.size());
        }
        assertTrue(proxy.writes() > 3L * n, "the proxy split the traffic: " + proxy.writes() + " writes");
    }

    /**
     * A stall, then a blackout for good, each longer than the client's request timeout: every
     * request made meanwhile (ping, echo, acknowledged publish, members, a new connection's
     * handshake) completes, with a {@link TimeoutException} the caller sees; none is left pending.
     * After the stall, late replies to timed-out requests are ignored and new requests get their
     * own replies. Protection: the client's per-request timeout ({@code ClientHandler.request}
     * and the handshake's in {@code SwitchboardClient.connectOnce}).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void everyRequestCompletesDuringAStallOrABlackout(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        FaultProxy proxy = proxy(server);
        Duration timeout = Duration.ofMillis(400);
        SwitchboardClient c = client(proxy.address(), transport, "patient", b -> b.requestTimeout(timeout)
                .connectTimeout(timeout));
        c.join("r").get(10, TimeUnit.SECONDS);

        proxy.stall(Duration.ofMillis(1500));
        List<CompletableFuture<?>> stalled = burst(c);
        assertAllTimeOut("stall", stalled);
        // After the stall: the late replies went to no one, and each new request gets its own.
        Await.until("the path to carry a ping again", () -> {
            try {
                c.ping().get(5, TimeUnit.SECONDS);
                return true;
            } catch (ExecutionException e) {
                assertInstanceOf(TimeoutException.class, e.getCause());
                return false;
            }
        });
        for (int i = 0; i < 20; i++) {
            byte[] payload = ("after-" + i).getBytes(UTF_8);
            assertArrayEquals(payload, c.echo(payload).get(10, TimeUnit.SECONDS));
        }

        proxy.blackout();
        List<CompletableFuture<?>> blackedOut = burst(c);
        CompletableFuture<SwitchboardClient> handshake = SwitchboardClient.connect(ClientOptions.builder()
                .host(proxy.address().getAddress().getHostAddress()).port(proxy.address().getPort())
                .transport(transport.choice).epollMode(transport.epollMode).connectTimeout(timeout).build());
        handshake.thenAccept(clients::add); // closed after the test, should it have connected
        blackedOut.add(handshake);
        assertAllTimeOut("blackout", blackedOut);
    }

    /** Forty requests of every kind, pipelined. */
    private static List<CompletableFuture<?>> burst(SwitchboardClient c) {
        List<CompletableFuture<?>> requests = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            requests.add(c.ping());
            requests.add(c.echo(("x" + i).getBytes(UTF_8)));
            requests.add(c.publish("r", "e", ("p" + i).getBytes(UTF_8)));
            requests.add(c.members("r"));
        }
        return requests;
    }

    private static void assertAllTimeOut(String fault, List<CompletableFuture<?>> requests) throws Exception {
        Await.until(() -> fault + ": every request to complete; pending: "
                + requests.stream().filter(f -> !f.isDone()).count() + " of " + requests.size(),
                Duration.ofSeconds(10), () -> requests.stream().allMatch(CompletableFuture::isDone));
        for (CompletableFuture<?> f : requests) {
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, f::join,
                    fault + ": a request answered through a dead path");
            assertInstanceOf(TimeoutException.class, e.getCause(), fault + ": " + e.getCause());
        }
    }

    /**
     * A subscriber behind the proxy; the whole path blacks out (the open connection and any new
     * one) for longer than the server's idle timeout (1 s), then comes back. Both ends find the
     * dead connection while the path is dark, and the test waits for both: the server's idle
     * timeout closes the session (seen in the hub), and the client, whose pings (every third of
     * that timeout) go unanswered for the whole timeout, closes its side and starts reconnecting.
     * Its attempts fail while the path is dark (no WELCOME within the connect timeout); once the
     * path is back one gets through, the client joins its room again, and the events published
     * from then on reach it. Protections: the server's idle timeout ({@code idleTimeout 0}: the
     * first wait fails), the client's silence check (the client never notices), the client's
     * reconnect ({@code reconnect(false)}: the reconnection never comes).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theClientReconnectsAndRejoinsThroughABlackout(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.idleTimeout(Duration.ofSeconds(1)));
        FaultProxy proxy = proxy(server);
        SwitchboardClient publisher = client(server.address(Listener.FRAMED), transport, "publisher");
        Subscriber subscriber = new Subscriber(proxy, transport, b -> b.connectTimeout(Duration.ofSeconds(1)));
        publisher.publish("room", "news", "before".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
        assertEquals("before", subscriber.received.poll(10, TimeUnit.SECONDS));

        proxy.blackout();
        Await.until("the server's idle timeout to close the blacked-out session",
                () -> server.hub().session(subscriber.firstSession) == null);
        assertTrue(subscriber.disconnected.poll(20, TimeUnit.SECONDS) != null, "the client to find the dead connection");
        proxy.heal();

        subscriber.assertBackInTheRoom(server, publisher, "the client to reconnect once the path is back");
    }

    /**
     * The path dies for good under the open connection while new connections get through (a NAT
     * or a firewall that lost the flow's state). No FIN will ever arrive: what detects the dead
     * connection is the client itself. It pings every third of the server's idle timeout (1 s)
     * and nothing answers for the whole timeout, so it closes the connection, reconnects, joins
     * its room again and gets the events published from then on. Protection: the client's check
     * for silence in {@code ClientHandler.userEventTriggered} (without it the client keeps the dead
     * connection: the reconnection never comes).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theClientFindsADeadPathByItselfAndReconnects(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.idleTimeout(Duration.ofSeconds(1)));
        FaultProxy proxy = proxy(server);
        SwitchboardClient publisher = client(server.address(Listener.FRAMED), transport, "publisher");
        Subscriber subscriber = new Subscriber(proxy, transport, b -> { });

        proxy.blackoutOpenConnections();
        subscriber.assertBackInTheRoom(server, publisher, "the client to find the dead path and reconnect");
    }

    /**
     * Half-open connections: five members behind the proxy vanish without a FIN or an RST (a
     * blackout for good); a sixth, connected directly, stays. The server's idle timeout (1 s) finds
     * the five and closes them: the hub's sessions and room memberships and the
     * {@code switchboard_connections_open} and {@code switchboard_room_members} gauges of
     * {@code /metrics} drop to the one live client, which the same timeout left alone because its
     * pings arrive. (TCP keepalive would not find these: the proxy's sockets are alive and answer
     * its probes, as a NAT box that lost the flow would not; the idle timeout is what covers both.)
     * Protection: the server's idle timeout ({@code idleTimeout 0} fails the wait).
     */
    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void halfOpenConnectionsAreFoundByTheIdleTimeoutAndClosed(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.idleTimeout(Duration.ofSeconds(1)));
        FaultProxy proxy = proxy(server);
        SwitchboardClient live = client(server.address(Listener.FRAMED), transport, "live");
        live.join("room").get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 5; i++) {
            client(proxy.address(), transport, "vanishing" + i, b -> b.reconnect(false))
                    .join("room").get(10, TimeUnit.SECONDS);
        }
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(6, server.hub().membershipCount());
        assertEquals("6", metric(http, server, "switchboard_connections_open{listener=\"framed\"}"));
        assertEquals("6", metric(http, server, "switchboard_room_members"));

        proxy.blackout();
        Await.until(() -> "the five half-open sessions to be closed; members " + server.hub().membershipCount()
                        + ", sessions " + server.hub().localSessions().size(), Await.TIMEOUT,
                () -> server.hub().membershipCount() == 1 && server.hub().localSessions().size() == 1);
        Await.until("/metrics to show one framed connection and one member",
                () -> "1".equals(metric(http, server, "switchboard_connections_open{listener=\"framed\"}"))
                        && "1".equals(metric(http, server, "switchboard_room_members")));
        assertEquals(live.sessionId(), server.hub().localSessions().get(0).id());
        live.ping().get(10, TimeUnit.SECONDS);
    }

    private static String metric(HttpClient http, Server server, String series) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.address(Listener.HTTP).getPort() + "/metrics");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return line.substring(series.length() + 1).trim();
            }
        }
        return null;
    }
}
