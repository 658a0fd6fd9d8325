package io.switchboard.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Rooms, events and acknowledgements end to end, on every transport this machine offers. */
class RoomsIntegrationTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    private final List<SwitchboardClient> clients = new ArrayList<>();

    private SwitchboardClient client(Server server, TransportUnderTest transport, String name) throws Exception {
        return client(server.address(Listener.FRAMED), transport, name, b -> { });
    }

    private SwitchboardClient client(InetSocketAddress address, TransportUnderTest transport, String name,
            java.util.function.Consumer<ClientOptions.Builder> customize) throws Exception {
        ClientOptions.Builder b = ClientOptions.builder()
                .host(address.getAddress().getHostAddress()).port(address.getPort())
                .transport(transport.choice).epollMode(transport.epollMode).name(name)
                .requestTimeout(Duration.ofSeconds(20));
        customize.accept(b);
        SwitchboardClient c = SwitchboardClient.connect(b.build()).get(10, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    @org.junit.jupiter.api.AfterEach
    void closeClients() {
        clients.forEach(SwitchboardClient::close);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        Await.until(what, condition::getAsBoolean);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void broadcastReachesEveryMemberOnceInOrderAndSkipsTheSender(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        SwitchboardClient alice = client(server, transport, "alice");
        SwitchboardClient bob = client(server, transport, "bob");
        SwitchboardClient carol = client(server, transport, "carol");
        BlockingQueue<String> atAlice = new LinkedBlockingQueue<>();
        BlockingQueue<String> atBob = new LinkedBlockingQueue<>();
        BlockingQueue<String> atCarol = new LinkedBlockingQueue<>();
        alice.on("msg", e -> atAlice.add(e.text()));
        bob.on("msg", e -> atBob.add(e.senderId() + "/" + e.room() + "/" + e.text()));
        carol.onAny(e -> atCarol.add(e.event() + ":" + e.text()));
        for (SwitchboardClient c : List.of(alice, bob, carol)) {
            c.join("chat/lobby").get(10, TimeUnit.SECONDS);
        }
        int n = 500;
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            acks.add(alice.publish("chat/lobby", "msg", ("m" + i).getBytes(UTF_8)));
        }
        CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < n; i++) {
            assertEquals(alice.sessionId() + "/chat/lobby/m" + i, atBob.poll(10, TimeUnit.SECONDS));
            assertEquals("msg:m" + i, atCarol.poll(10, TimeUnit.SECONDS));
        }
        // includeSelf delivers to the sender too; a marker proves nothing else is queued.
        alice.publish("chat/lobby", "msg", "self".getBytes(UTF_8), true, true).get(10, TimeUnit.SECONDS);
        assertEquals("self", atAlice.poll(10, TimeUnit.SECONDS));
        assertEquals(alice.sessionId() + "/chat/lobby/self", atBob.poll(10, TimeUnit.SECONDS));
        assertEquals("msg:self", atCarol.poll(10, TimeUnit.SECONDS));
        // No duplicates: a second marker, published after, is the next thing each member receives.
        alice.publish("chat/lobby", "msg", "end".getBytes(UTF_8), true, true).get(10, TimeUnit.SECONDS);
        assertEquals("end", atAlice.poll(10, TimeUnit.SECONDS));
        assertEquals(alice.sessionId() + "/chat/lobby/end", atBob.poll(10, TimeUnit.SECONDS));
        assertEquals("msg:end", atCarol.poll(10, TimeUnit.SECONDS));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void directMessagesBroadcastToAllMembersAndErrors(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        SwitchboardClient alice = client(server, transport, "alice");
        SwitchboardClient bob = client(server, transport, "bob");
        BlockingQueue<ReceivedEvent> atBob = new LinkedBlockingQueue<>();
        bob.onAny(atBob::add);
        alice.send(bob.sessionId(), "dm", "psst".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
        ReceivedEvent dm = atBob.poll(10, TimeUnit.SECONDS);
        assertEquals("psst", dm.text());
        assertEquals(Target.SESSION, dm.target());
        alice.broadcast("news", "all".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
        assertEquals("news", atBob.poll(10, TimeUnit.SECONDS).event());

        alice.join("room").get(10, TimeUnit.SECONDS);
        bob.join("room").get(10, TimeUnit.SECONDS);
        List<MemberInfo> members = alice.members("room").get(10, TimeUnit.SECONDS);
        assertEquals(Set.of("alice", "bob"), members.stream().map(MemberInfo::name).collect(Collectors.toSet()));

        assertError(ErrorCode.UNKNOWN_SESSION, alice.send(999_999, "dm", new byte[0]));
        assertError(ErrorCode.UNKNOWN_ROOM, alice.leave("nowhere"));
        assertError(ErrorCode.NOT_JOINED, alice.members("elsewhere"));
        assertError(ErrorCode.PAYLOAD_TOO_LARGE, alice.publish("room", "big", new byte[70_000]));
        assertError(ErrorCode.NAME_TOO_LONG, alice.join("r".repeat(129)));
        alice.leave("room").get(10, TimeUnit.SECONDS);
        assertError(ErrorCode.NOT_JOINED, alice.leave("room"));
        assertTrue(alice.isOpen(), "request errors keep the connection open");
    }

    private static void assertError(ErrorCode expected, CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        SwitchboardException error = assertInstanceOf(SwitchboardException.class, e.getCause());
        assertEquals(expected, error.errorCode(), error.getMessage());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void peerAcksRouteBackAndTimeOut(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport, b -> b.peerAckTimeout(Duration.ofMillis(300)));
        SwitchboardClient alice = client(server, transport, "alice");
        SwitchboardClient bob = client(server, transport, "bob");
        bob.on("question", e -> e.ack(("answer to " + e.text()).getBytes(UTF_8)));
        byte[] reply = alice.emit(bob.sessionId(), "question", "life".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
        assertArrayEquals("answer to life".getBytes(UTF_8), reply);
        // Bob ignores this one: the server times it out.
        bob.on("ignored", e -> { });
        long start = System.nanoTime();
        assertError(ErrorCode.ACK_TIMEOUT, alice.emit(bob.sessionId(), "ignored", new byte[0]));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "not before the timeout");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void presenceNotices(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        SwitchboardClient alice = client(server, transport, "alice");
        BlockingQueue<String> notices = new LinkedBlockingQueue<>();
        alice.onPresence((room, id, name, joined) -> notices.add((joined ? "+" : "-") + name + "@" + room));
        alice.join("p", true).get(10, TimeUnit.SECONDS);
        SwitchboardClient bob = client(server, transport, "bob");
        bob.join("p").get(10, TimeUnit.SECONDS);
        assertEquals("+bob@p", notices.poll(10, TimeUnit.SECONDS));
        bob.leave("p").get(10, TimeUnit.SECONDS);
        assertEquals("-bob@p", notices.poll(10, TimeUnit.SECONDS));
        SwitchboardClient carol = client(server, transport, "carol");
        carol.join("p").get(10, TimeUnit.SECONDS);
        assertEquals("+carol@p", notices.poll(10, TimeUnit.SECONDS));
        carol.close();
        assertEquals("-carol@p", notices.poll(10, TimeUnit.SECONDS), "a disconnect is a LEFT");
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void reconnectRejoinsRooms(TransportUnderTest transport) throws Exception {
        Server first = servers.start(transport);
        InetSocketAddress address = first.address(Listener.FRAMED);
        SwitchboardClient alice = client(address, transport, "alice",
                b -> b.reconnectDelays(Duration.ofMillis(20), Duration.ofMillis(200)));
        BlockingQueue<String> states = new LinkedBlockingQueue<>();
        alice.onConnection(new ConnectionListener() {
            @Override
            public void onDisconnected(Throwable cause) {
                states.add("down");
            }

            @Override
            public void onReconnected(long sessionId) {
                states.add("up " + sessionId);
            }
        });
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        alice.on("m", e -> received.add(e.text()));
        alice.join("r1").get(10, TimeUnit.SECONDS);
        alice.join("r2").get(10, TimeUnit.SECONDS);
        long oldSession = alice.sessionId();
        first.close();
        assertEquals("down", states.poll(10, TimeUnit.SECONDS));
        assertInstanceOf(NotConnectedException.class,
                assertThrows(ExecutionException.class, () -> alice.ping().get(5, TimeUnit.SECONDS)).getCause());
        Server second = servers.start(transport, b -> b.port(Listener.FRAMED, address.getPort()));
        String up = states.poll(20, TimeUnit.SECONDS);
        assertTrue(up != null && up.startsWith("up "), String.valueOf(up));
        assertEquals(Set.of("r1", "r2"), Set.copyOf(alice.rooms()));
        SwitchboardClient bob = client(second.address(Listener.FRAMED), transport, "bob", b -> { });
        bob.publish("r1", "m", "one".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
        bob.publish("r2", "m", "two".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
        assertEquals("one", received.poll(10, TimeUnit.SECONDS));
        assertEquals("two", received.poll(10, TimeUnit.SECONDS));
        assertNotEquals(oldSession, alice.sessionId());
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void callsWaitForTheReconnectionWhenAskedTo(TransportUnderTest transport) throws Exception {
        Server first = servers.start(transport);
        InetSocketAddress address = first.address(Listener.FRAMED);
        SwitchboardClient alice = client(address, transport, "alice", b -> b
                .reconnectDelays(Duration.ofMillis(20), Duration.ofMillis(100))
                .whileDisconnected(ClientOptions.WhileDisconnected.WAIT));
        first.close();
        await(() -> !alice.isOpen(), "the disconnect");
        CompletableFuture<Duration> ping = alice.ping();
        servers.start(transport, b -> b.port(Listener.FRAMED, address.getPort()));
        assertTrue(ping.get(20, TimeUnit.SECONDS).toNanos() > 0);
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void membersOfARoomLargerThanAFrameAreListedPageByPage(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        try (LightMembers light = new LightMembers(transport.config())) {
            light.connect(server.address(Listener.FRAMED), 2500, "big");
            // Every member takes 10 + 5 bytes ("light"): the whole room does not fit 16 KiB frames.
            SwitchboardClient alice = client(server.address(Listener.FRAMED), transport, "alice",
                    b -> b.maxFrameLength(16 * 1024));
            alice.join("big").get(10, TimeUnit.SECONDS);
            List<MemberInfo> members = alice.members("big").get(30, TimeUnit.SECONDS);
            assertEquals(2501, members.size(), "three pages of up to 1000");
            assertEquals(2501, members.stream().map(MemberInfo::sessionId).distinct().count(), "each member once");
            for (int i = 1; i < members.size(); i++) {
                assertTrue(Long.compareUnsigned(members.get(i - 1).sessionId(), members.get(i).sessionId()) < 0,
                        "in the order of their session ids");
            }
            assertTrue(members.contains(new MemberInfo(alice.sessionId(), "alice")));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void fanOutToAThousandMembersAndFanInFromAThousandPublishers(TransportUnderTest transport) throws Exception {
        // 1000 simultaneous publishers to one member queue about 60 KB for it at once, close to the
        // default 64 KiB high-water mark above which its events would be dropped (the slow-consumer
        // policy, tested on its own below): give it room, and check that nothing was dropped.
        Server server = servers.start(transport, b -> b.writeBufferWaterMarks(1 << 20, 2 << 20));
        try (LightMembers light = new LightMembers(transport.config())) {
            List<LightMembers.Member> members = light.connect(server.address(Listener.FRAMED), 1000, "big");
            SwitchboardClient publisher = client(server, transport, "publisher");
            int events = 20;
            for (int i = 0; i < events; i++) {
                publisher.publish("big", "e", ("n" + i).getBytes(UTF_8), false, false);
            }
            publisher.publish("big", "e", "last".getBytes(UTF_8)).get(30, TimeUnit.SECONDS);
            await(() -> members.stream().allMatch(m -> m.events.size() == events + 1), "fan-out delivery");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < events; i++) {
                expected.add(publisher.sessionId() + ":n" + i);
            }
            expected.add(publisher.sessionId() + ":last");
            for (LightMembers.Member m : members) {
                assertEquals(expected, new ArrayList<>(m.events), "every member, every event, once, in order");
            }

            // Fan-in: every one of the 1000 publishes to a room the client listens to.
            BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
            publisher.on("e", e -> inbox.add(e.text()));
            publisher.join("inbox").get(10, TimeUnit.SECONDS);
            int id = 100;
            for (LightMembers.Member m : members) {
                LightMembers.publish(m, id++, "inbox", "from " + m.channel.localAddress());
            }
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < members.size(); i++) {
                String text = inbox.poll(30, TimeUnit.SECONDS);
                assertTrue(text != null, "fan-in event " + i + " missing; dropped: " + server.hub().dropped());
                assertTrue(seen.add(text), "duplicate " + text);
            }
            await(() -> members.stream().allMatch(m -> m.acks.get() == 2), "publish acks");
            assertEquals(0, server.hub().dropped());
            assertTrue(members.stream().allMatch(m -> m.errors.get() == 0));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void aSlowConsumerDoesNotStallOthersOrGrowServerMemory(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        SwitchboardClient publisher = client(server, transport, "publisher");
        SwitchboardClient fast = client(server, transport, "fast");
        BlockingQueue<String> atFast = new LinkedBlockingQueue<>();
        fast.on("e", e -> atFast.add(e.text().substring(0, 8)));
        fast.join("s").get(10, TimeUnit.SECONDS);
        // The slow member joins and then never reads.
        try (java.net.Socket slow = new java.net.Socket(server.address(Listener.FRAMED).getAddress(),
                server.address(Listener.FRAMED).getPort())) {
            slow.setReceiveBufferSize(4096);
            java.io.OutputStream out = slow.getOutputStream();
            out.write(new byte[] {0, 0, 0, 11, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0}); // HELLO
            out.write(new byte[] {0, 0, 0, 9, 0x10, 0, 0, 0, 0, 2, 0, 1, 's'}); // JOIN "s"
            out.flush();
            await(() -> server.hub().members("s").size() == 2, "slow member joined");
            long before = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            byte[] payload = new byte[8 * 1024];
            int events = 4000; // 32 MiB in all, far more than the slow member's buffers hold
            for (int i = 0; i < events; i++) {
                byte[] tag = String.format("%08d", i).getBytes(UTF_8);
                System.arraycopy(tag, 0, payload, 0, 8);
                publisher.publish("s", "e", payload.clone(), false, false);
                // Paced by the fast member, so only the slow one falls behind.
                assertEquals(String.format("%08d", i), atFast.poll(10, TimeUnit.SECONDS), "fast member misses nothing");
            }
            assertTrue(server.hub().dropped() > 0, "events for the slow member were dropped and counted");
            long grown = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - before;
            assertTrue(grown < 16 << 20, "server memory grew by " + grown + " bytes");
        }
    }
}
