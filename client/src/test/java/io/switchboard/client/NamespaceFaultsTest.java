package io.switchboard.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.launch.ServerMain;
import io.switchboard.testing.Await;
import io.switchboard.testing.NetNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Network faults made by the kernel, in a network namespace of the test's own ({@link NetNamespace}:
 * root, {@code ip}, {@code iptables}, {@code tc}; skipped without them, failed under CI): a
 * server JVM and a client JVM ({@link NamespaceAgent}) run in it, talking over its loopback only,
 * and the test puts {@code iptables} DROP and REJECT rules and a {@code tbf} rate limit between
 * them. Unlike {@link io.switchboard.testing.FaultProxy} (user space, in
 * {@link NetworkFaultsTest}), these are the real thing: SYNs that go unanswered, RSTs from the
 * kernel, a peer whose kernel stops answering, TCP congestion control against a slow link. The
 * server runs with a 2 s idle timeout (its clients ping every third of it) and the default
 * slow-consumer policy, {@code drop}; the last test starts a second one with {@code disconnect}. Clients on the path under fault connect to 127.0.0.2, the
 * others to 127.0.0.1. Each test says what it checks and which protection makes it pass
 * (docs/operations.md, "What we test", has the figures).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(60)
class NamespaceFaultsTest {
    private static final Duration IDLE = Duration.ofSeconds(2);
    /**
     * How long a framed connection the server closes waits, its output shut down, for its peer's
     * FIN ({@code FramedConnection.LINGER_MILLIS}): a vanished peer's is never coming.
     */
    private static final long LINGER_MILLIS = 2000;
    /** The clients' request timeout on the blacked-out path (NamespaceAgent). */
    private static final long REQUEST_TIMEOUT_MILLIS = 1000;
    /** The rate limit of the slow subscriber's path: 256 kbit/s, 32 KB/s. */
    private static final long LIMIT_BYTES_PER_SECOND = 32_000;
    private static final Set<String> CLIENT_ERRORS = Set.of("TimeoutException", "NotConnectedException",
            "ConnectionClosedException");

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private Path dir;
    private NetNamespace ns;
    /** The server of every test but the last, with {@code rooms.slow-consumer: drop}. */
    private NsServer main;
    /** The last test's, with {@code rooms.slow-consumer: disconnect}. */
    private NsServer second;
    private Process server;
    private Process agent;
    private Writer toAgent;
    private final BlockingQueue<String> fromAgent = new LinkedBlockingQueue<>();
    private Path agentLog;
    private int framed;
    private final Map<String, String> figures = new LinkedHashMap<>();

    /** A server JVM in the namespace: its process, log and ports. */
    private record NsServer(Process process, Path log, int framed, int http) {
    }

    /**
     * Starts a server in the namespace on ephemeral ports of 0.0.0.0, with the idle timeout
     * {@link #IDLE}, a 32 KiB socket send buffer (else the kernel's send-buffer autotuning, up to
     * 4 MiB here, holds seconds of a slow link's backlog before the server's own buffer, and its
     * slow-consumer policy, see any of it) and the given slow-consumer policy.
     */
    private NsServer startServer(String name, String slowConsumer) throws Exception {
        Path addresses = dir.resolve(name + ".addresses");
        Path log = dir.resolve(name + ".log");
        Process p = ns.start(new ProcessBuilder(JAVA,
                "-Xmx256m", "-XX:MaxDirectMemorySize=64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                "--bind", "0.0.0.0", "--framed-port", "0", "--http-port", "0", "--echo-port", "off",
                "--udp-port", "off", "--io-threads", "2", "--address-file", addresses.toString(),
                "--idle-timeout", IDLE.toMillis() + "ms", "--send-buffer", "32k", "--slow-consumer", slowConsumer,
                "--drain-timeout", "1s", "--leak-detection", "paranoid")
                .redirectErrorStream(true).redirectOutput(log.toFile()));
        Await.until(() -> "the server to write its address file; log: " + read(log), Duration.ofSeconds(30), () -> {
            assertTrue(p.isAlive(), () -> "server exited " + p.exitValue() + ": " + read(log));
            return Files.exists(addresses);
        });
        return new NsServer(p, log, port(addresses, "framed"), port(addresses, "http"));
    }

    /** Stops a server with SIGTERM (a graceful shutdown) and checks its log. */
    private static void stopServer(NsServer s) throws Exception {
        s.process().destroy();
        if (!s.process().waitFor(20, TimeUnit.SECONDS)) {
            s.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        // Kept for a look after a failure: the temporary directory goes with the test.
        Files.copy(s.log(), Path.of("target", "namespace-faults-" + s.log().getFileName()),
                StandardCopyOption.REPLACE_EXISTING);
        String text = read(s.log());
        assertFalse(text.contains("OutOfMemoryError"), text);
        assertFalse(text.contains("LEAK:"), text);
        assertFalse(text.lines().anyMatch(l -> l.contains(" ERROR ")), text);
    }

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        NetNamespace.require();
        dir = tmp;
        ns = NetNamespace.create();
        agentLog = dir.resolve("agent.log");
        main = startServer("server", "drop");
        server = main.process();
        framed = main.framed();
        agent = ns.start(new ProcessBuilder(JAVA, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), NamespaceAgent.class.getName(),
                Integer.toString(framed), Integer.toString(main.http()))
                .redirectError(agentLog.toFile()));
        toAgent = new OutputStreamWriter(agent.getOutputStream(), UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(agent.getInputStream(), UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    fromAgent.add(line);
                }
            } catch (IOException e) {
                fromAgent.add("ERR agent output: " + e);
            }
        }, "namespace-agent-reader");
        reader.setDaemon(true);
        reader.start();
        String ready = fromAgent.poll(30, TimeUnit.SECONDS);
        assertEquals("OK ready", ready, () -> "the agent to start; its log: " + read(agentLog));
    }

    @AfterEach
    void clearFaults() throws Exception {
        if (ns != null) {
            ns.tryRun("iptables", "-F", "INPUT");
            ns.tryRun("tc", "qdisc", "del", "dev", "lo", "root");
        }
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (agent != null) {
                try {
                    toAgent.write("quit\n");
                    toAgent.flush();
                } catch (IOException gone) {
                    // it ended already
                }
                if (!agent.waitFor(15, TimeUnit.SECONDS)) {
                    agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            if (main != null) {
                stopServer(main);
            }
        } finally {
            if (ns != null) {
                ns.close(); // kills what still runs in it
            }
            if (agentLog != null && Files.exists(agentLog)) {
                Files.copy(agentLog, Path.of("target", "namespace-faults-agent.log"), StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.println("NamespaceFaultsTest figures: " + figures);
        }
    }

    /**
     * Silent blackout: a publisher on the faulty path publishes with ACK every 20 ms (1 s request
     * timeout, reconnection on); a subscriber on the same path and an observer on the clean one
     * are in the room. Then every packet to and from the server's framed port on that path is
     * DROPped (no FIN, no RST: SYNs go unanswered too) until the server's idle timeout has closed
     * both sessions and at least 3 s have passed, and the rules are removed. Checked: every
     * publish completed (none left pending: the client saw each failure), each failure is a
     * timeout or a not-connected/closed error and came within the request timeout (plus slack);
     * nothing was acknowledged while the path was dark; the observer got every acknowledged
     * event once, in order; the subscriber lost its connection during the blackout, reconnected
     * after it, joined its room again and received events; the publisher's ACKs came back.
     * Protections: the client's request timeout, its silence check and its reconnection with
     * rejoin ({@code reconnect(false)} makes the recovery wait fail), the server's idle timeout
     * ({@code --idle-timeout 0} makes the wait for the closed sessions fail).
     */
    @Test
    @Order(1)
    void silentBlackout() throws Exception {
        String open = metricOrZero("switchboard_connections_open{listener=\"framed\"}");
        Map<String, String> started = ask("blackout-start");
        assertEquals("true", started.get("acking"), "ACKs and events before the blackout: " + started);
        long withClients = Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}"));
        assertEquals(Long.parseLong(open) + 3, withClients, "observer, subscriber and publisher connected");

        long cut = System.currentTimeMillis();
        ns.run("iptables", "-I", "INPUT", "-d", NamespaceAgent.FAULTY, "-p", "tcp", "--dport", Integer.toString(framed),
                "-j", "DROP");
        ns.run("iptables", "-I", "INPUT", "-s", NamespaceAgent.FAULTY, "-p", "tcp", "--sport", Integer.toString(framed),
                "-j", "DROP");
        long dark = System.currentTimeMillis(); // both rules in place
        // The server finds both dead sessions by its idle timeout; the blackout lasts at least 3 s.
        Await.until(() -> "the server to close the two blacked-out sessions; framed connections "
                + quietly(() -> metric("switchboard_connections_open{listener=\"framed\"}")),
                Duration.ofSeconds(15), () -> Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}"))
                        == withClients - 2);
        long serverClosed = System.currentTimeMillis() - cut;
        Thread.sleep(Math.max(0, 3000 - (System.currentTimeMillis() - cut)));
        long heal = System.currentTimeMillis();
        ns.run("iptables", "-F", "INPUT");

        Map<String, String> r = ask("blackout-finish " + dark + " " + heal);
        figures.put("blackout.serverClosedMillis", Long.toString(serverClosed));
        figures.put("blackout.firstErrorMillis", Long.toString(Long.parseLong(r.get("firstFailAt")) - cut));
        figures.put("blackout.subscriberNoticedMillis", Long.toString(Long.parseLong(r.get("subDisconnectedAt")) - cut));
        figures.put("blackout.subscriberBackMillisAfterHeal", Long.toString(Long.parseLong(r.get("subReconnectedAt")) - heal));
        figures.put("blackout.publisherAckMillisAfterHeal", Long.toString(Long.parseLong(r.get("firstAckAfterHealAt")) - heal));
        figures.put("blackout.outcomes", r.get("published") + " published, " + r.get("acked") + " acked, "
                + r.get("failed") + " failed (" + r.get("failKinds") + "), max " + r.get("maxFailMillis") + " ms to fail");
        String all = r.toString();
        assertEquals("true", r.get("recovered"), "the subscriber reconnected and got events, ACKs came back: " + all);
        assertEquals("0", r.get("pending"), "every publish completed, none left in silence: " + all);
        assertEquals("0", r.get("observer.missing"), "acknowledged events lost: " + all);
        assertEquals("0", r.get("observer.duplicates"), all);
        assertEquals("0", r.get("observer.disorder"), all);
        assertEquals("0", r.get("ackedDuringBlackout"), "an ACK through a dark path: " + all);
        assertTrue(Long.parseLong(r.get("failed")) > 0, "the publisher saw errors during the blackout: " + all);
        for (String kind : r.get("failKinds").split(",")) {
            assertTrue(CLIENT_ERRORS.contains(kind.split(":")[0]), "an error the caller expects: " + kind + "; " + all);
        }
        assertTrue(Long.parseLong(r.get("maxFailMillis")) <= REQUEST_TIMEOUT_MILLIS + 1500,
                "each failure within the request timeout: " + all);
        assertTrue(Long.parseLong(r.get("firstFailAt")) - cut <= REQUEST_TIMEOUT_MILLIS + 1500,
                "the first error within the request timeout of the cut: " + all);
        long lost = Long.parseLong(r.get("subDisconnectedAt"));
        assertTrue(lost >= cut && lost <= heal, "the subscriber noticed the dead path while it was dark: " + all);
        assertTrue(Long.parseLong(r.get("subReconnectedAt")) >= heal, "reconnected after the heal: " + all);
        assertTrue(Long.parseLong(r.get("subEventsAfterReconnect")) > 0, "events after the rejoin: " + all);
        assertEquals("1", r.get("subRooms"), all);
        assertTrue(Long.parseLong(r.get("pubReconnectedAt")) >= heal, "the publisher reconnected: " + all);
        // The two closed clients are gone from the server; the observer stays.
        Await.until("the framed connections back to the observer's", () ->
                Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}")) == Long.parseLong(open) + 1);
    }

    /**
     * Resets: three clients on the faulty path (no reconnection), then a REJECT
     * {@code --reject-with tcp-reset} rule both ways. Each client's next publish (5 s request
     * timeout) fails with the connection closed, promptly (well under 1 s, not a timeout), and a
     * new connection is refused at once (connect timeout 5 s); the observer's publish to their
     * room makes the server write to its side of each, meet the RST and close it: the framed
     * connection gauge and the server's open file descriptors are back to their baseline, with no
     * idle timeout (ERROR 408) counted, that is closed by the reset and not by the timer.
     * Protections: the client failing its pending requests when the connection drops
     * ({@code ClientHandler.channelInactive}), the server closing a connection whose write failed.
     */
    @Test
    @Order(2)
    void resets() throws Exception {
        long open = Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}"));
        long fds = fds();
        String idleTimeouts = metricOrZero("switchboard_errors_total{code=\"408\",name=\"IDLE_TIMEOUT\"}");
        ask("reset-start 3");
        Await.until("three more framed connections", () ->
                Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}")) == open + 3);
        long cut = System.currentTimeMillis();
        // Each rule answers a packet with an RST to its sender; the RSTs themselves (which cross
        // the other rule on their way back) must pass.
        ns.run("iptables", "-I", "INPUT", "-d", NamespaceAgent.FAULTY, "-p", "tcp", "--dport", Integer.toString(framed),
                "!", "--tcp-flags", "RST", "RST", "-j", "REJECT", "--reject-with", "tcp-reset");
        ns.run("iptables", "-I", "INPUT", "-s", NamespaceAgent.FAULTY, "-p", "tcp", "--sport", Integer.toString(framed),
                "!", "--tcp-flags", "RST", "RST", "-j", "REJECT", "--reject-with", "tcp-reset");
        Map<String, String> r = ask("reset-probe");
        String all = r.toString();
        assertEquals("true", r.get("allDone"), all);
        assertEquals("0", r.get("acked"), all);
        assertEquals("ConnectionClosedException:3", r.get("failKinds"), "a connection error, not a timeout: " + all);
        assertTrue(Long.parseLong(r.get("maxFailMillis")) < 1000, "promptly: " + all);
        assertEquals("true", r.get("allClosed"), all);
        assertFalse(r.get("connect").equals("connected") || r.get("connect").equals("TimeoutException"),
                "a new connection refused, not left to time out: " + all);
        assertTrue(Long.parseLong(r.get("connectMillis")) < 1000, "refused promptly: " + all);
        Await.until(() -> "the server to close its side of the reset connections; framed connections "
                + quietly(() -> metric("switchboard_connections_open{listener=\"framed\"}")) + " (baseline " + open
                + "), fds " + quietly(() -> Long.toString(fds())) + " (baseline " + fds + ")", Duration.ofSeconds(10),
                () -> Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}")) == open && fds() <= fds);
        figures.put("reset.clientErrorMillis", r.get("maxFailMillis"));
        figures.put("reset.connectRefusedMillis", r.get("connectMillis") + " (" + r.get("connect") + ")");
        figures.put("reset.serverClosedMillis", Long.toString(System.currentTimeMillis() - cut));
        assertEquals(idleTimeouts, metricOrZero("switchboard_errors_total{code=\"408\",name=\"IDLE_TIMEOUT\"}"),
                "closed by the reset, not by the idle timeout");
    }

    /**
     * Half-open peers: five clients on the clean path (no reconnection) whose packets are then
     * DROPped for good, by their own ports, both ways: to the server they vanish without a FIN or
     * an RST. The server's idle timeout (2 s after the last ping, which came at most a third of
     * it before the cut) finds them; each then lingers 2 s, output shut down, for a FIN that never
     * comes, and is closed: five ERROR 408 counted, the framed connection gauge and the server's
     * open file descriptors back to their baseline, within the idle timeout plus the linger (and
     * 1 s to spare). Protection: the idle
     * timeout ({@code --idle-timeout 0}: the wait fails).
     */
    @Test
    @Order(3)
    void halfOpenPeersAreClosedByTheIdleTimeout() throws Exception {
        long open = Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}"));
        long fds = fds();
        long idleTimeouts = Long.parseLong(metricOrZero("switchboard_errors_total{code=\"408\",name=\"IDLE_TIMEOUT\"}"));
        Map<String, String> started = ask("halfopen-start 5");
        Await.until("five more framed connections", () ->
                Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}")) == open + 5);
        long fdsWith = fds();
        assertTrue(fdsWith >= fds + 5, "an fd per connection: " + fds + " then " + fdsWith);
        long cut = System.currentTimeMillis();
        ns.run("iptables", "-I", "INPUT", "-p", "tcp", "-m", "multiport", "--ports", started.get("ports"), "-j", "DROP");
        Await.until(() -> "the server to close the five half-open connections; framed connections "
                + quietly(() -> metric("switchboard_connections_open{listener=\"framed\"}")) + " (baseline " + open
                + "), fds " + quietly(() -> Long.toString(fds())) + " (baseline " + fds + ")",
                IDLE.plusSeconds(2 + 5), () -> Long.parseLong(metric("switchboard_connections_open{listener=\"framed\"}"))
                        == open && fds() <= fds);
        long closed = System.currentTimeMillis() - cut;
        figures.put("halfOpen.closedMillis", Long.toString(closed));
        figures.put("halfOpen.fds", fds + " -> " + fdsWith + " -> " + fds());
        assertEquals(idleTimeouts + 5, Long.parseLong(metric("switchboard_errors_total{code=\"408\",name=\"IDLE_TIMEOUT\"}")),
                "closed by the idle timeout");
        assertTrue(closed <= IDLE.toMillis() + LINGER_MILLIS + 1000,
                "within the idle timeout plus the 2 s linger (and 1 s to spare): " + closed + " ms");
        ask("halfopen-stop");
    }

    /**
     * Bandwidth, under {@code rooms.slow-consumer: drop}: three subscribers in a room, one of them
     * behind a {@code tbf} of 256 kbit/s ({@link #limitPort}); a publisher sends 250 acknowledged
     * events of 1 KiB a second for 4 s, eight times what the slow path carries. Checked
     * ({@link #runThroughTheLimit}): the two fast members get every acknowledged event, at most
     * 1 s late, the publisher is not slowed to the limit, direct memory stays small, and the tbf
     * did limit (its counters moved, and the slow member got no more than the limit allows); and
     * here: the excess is dropped for the slow member alone and counted
     * ({@code switchboard_events_dropped_total}), and the slow member stays connected and gets
     * what it gets in order. Protection: the slow-consumer check in {@code Session.deliver}
     * (without it nothing is dropped).
     */
    @Test
    @Order(4)
    void aSlowLinkIsShedByTheDropPolicy() throws Exception {
        long dropped = Long.parseLong(metricOrZero("switchboard_events_dropped_total"));
        Map<String, String> r = runThroughTheLimit("drop");
        long droppedNow = Long.parseLong(metric("switchboard_events_dropped_total")) - dropped;
        figures.put("drop.dropped", Long.toString(droppedNow));
        String all = r.toString();
        long slowGot = Long.parseLong(r.get("slow.received"));
        assertTrue(slowGot < Long.parseLong(r.get("acked")), "the slow member got everything: " + all);
        assertEquals("0", r.get("slow.duplicates"), all);
        assertEquals("0", r.get("slow.disorder"), all);
        assertEquals("true", r.get("slow.open"), "drop keeps the slow member connected: " + all);
        assertTrue(droppedNow > 0, "events dropped for the slow member, and counted: " + all);
        assertTrue(droppedNow <= Long.parseLong(r.get("acked")) - slowGot, "dropped only for the slow member: " + all);
        ns.run("tc", "qdisc", "del", "dev", "lo", "root");
        ask("bandwidth-stop");
    }

    /**
     * Bandwidth, under {@code rooms.slow-consumer: disconnect}: a second server in the namespace,
     * the same room, limit and load as {@link #aSlowLinkIsShedByTheDropPolicy} (the slow member
     * does not reconnect). Checked as there, and: one ERROR 307 SLOW_CONSUMER is counted in
     * {@code /metrics}, the server closes the slow member's connection (its framed connections
     * drop to the fast members' and the publisher's) with the limit still in place, and the slow
     * member sees its connection closed.
     * Protection: the slow-consumer check in {@code Session.deliver} (without it the slow member
     * is never disconnected).
     */
    @Test
    @Order(5)
    void aSlowLinkIsCutByTheDisconnectPolicy() throws Exception {
        second = startServer("server-disconnect", "disconnect");
        try {
            ask("target " + second.framed() + " " + second.http());
            Map<String, String> r = runThroughTheLimit("disconnect");
            String all = r.toString();
            assertEquals("1", metric("switchboard_errors_total{code=\"307\",name=\"SLOW_CONSUMER\"}"),
                    "one ERROR 307 SLOW_CONSUMER: " + all);
            // The server closes the slow member's connection (after at most the 2 s linger: the
            // ERROR 307 is queued behind the backlog the slow link has not carried yet) ...
            Await.until(() -> "the server to close the slow member's connection; framed connections "
                    + quietly(() -> metric("switchboard_connections_open{listener=\"framed\"}")),
                    Duration.ofSeconds(10), () -> "3".equals(metric("switchboard_connections_open{listener=\"framed\"}")));
            long closedAt = System.currentTimeMillis();
            ns.run("tc", "qdisc", "del", "dev", "lo", "root");
            // ... and the slow member sees it (the limit gone, what was queued arrives at once).
            Map<String, String> cut = ask("slow-closed");
            figures.put("disconnect.serverClosedMillis", Long.toString(closedAt - Long.parseLong(r.get("startedAt"))));
            figures.put("disconnect.client", cut.toString());
            assertEquals("false", cut.get("open"), "the slow member disconnected: " + cut);
            ask("bandwidth-stop");
        } finally {
            stopServer(second);
        }
    }

    /**
     * Sends every packet to {@code port} (the slow subscriber's: the server's data to it) through
     * a tbf of {@link #LIMIT_BYTES_PER_SECOND}: an htb at the root of the namespace's loopback with
     * an unlimited default class, and a u32 filter picking the port into a class whose qdisc is the
     * tbf. (A tbf at the root would slow everyone; this kernel has htb, tbf and u32, not prio.)
     */
    private void limitPort(String port) throws Exception {
        ns.run("tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", "htb", "default", "10");
        ns.run("tc", "class", "add", "dev", "lo", "parent", "1:", "classid", "1:10", "htb", "rate", "10gbit");
        ns.run("tc", "class", "add", "dev", "lo", "parent", "1:", "classid", "1:20", "htb", "rate", "10gbit");
        // The burst must hold a whole packet: the loopback's MTU is 64 KiB.
        ns.run("tc", "qdisc", "add", "dev", "lo", "parent", "1:20", "handle", "20:", "tbf",
                "rate", (LIMIT_BYTES_PER_SECOND * 8 / 1000) + "kbit", "burst", "80kb", "latency", "100ms");
        ns.run("tc", "filter", "add", "dev", "lo", "parent", "1:", "protocol", "ip", "prio", "1", "u32",
                "match", "ip", "dport", port, "0xffff", "flowid", "1:20");
    }

    /**
     * Two fast subscribers and a slow one behind {@link #limitPort}, 250 acknowledged events of
     * 1 KiB a second for 4 s; checks what does not depend on the policy and returns the agent's figures.
     */
    private Map<String, String> runThroughTheLimit(String policy) throws Exception {
        Map<String, String> started = ask("bandwidth-start " + policy.equals("drop"));
        limitPort(started.get("slowPort"));
        int seconds = 4;
        int rate = 250;
        int size = 1024;
        Map<String, String> r = ask("bandwidth-run " + seconds + " " + rate + " " + size);
        String tc = ns.run("tc", "-s", "qdisc", "show", "dev", "lo");
        // The allocator's direct arenas, and java.nio's direct buffers (Netty's own counter is off
        // when -XX:MaxDirectMemorySize is set).
        long direct = Long.parseLong(metric("switchboard_buffer_pool_used_bytes{kind=\"direct\"}"))
                + Long.parseLong(metric("switchboard_direct_memory_used_bytes{counter=\"nio\"}"));
        String all = r + "; tc: " + tc;
        figures.put(policy, r.get("acked") + " acked at " + r.get("ackedBytesPerSecond") + " B/s, max ack "
                + r.get("maxAckMillis") + " ms; fast max lag " + r.get("fast1.maxLagMillis") + "/"
                + r.get("fast2.maxLagMillis") + " ms (p99 " + r.get("fast1.p99LagMillis") + "/" + r.get("fast2.p99LagMillis")
                + "); slow got " + r.get("slow.received") + " (max lag " + r.get("slow.maxLagMillis") + " ms, last at "
                + r.get("slow.spanMillis") + " ms); direct memory " + direct + "; tbf " + tbfCounters(tc));
        assertEquals("true", r.get("allDone"), all);
        assertEquals(r.get("published"), r.get("acked"), all);
        assertEquals((long) seconds * rate, Long.parseLong(r.get("published")), all);
        for (String fast : List.of("fast1", "fast2")) {
            assertEquals("0", r.get(fast + ".missing"), fast + " lost events: " + all);
            assertEquals("0", r.get(fast + ".duplicates"), all);
            assertEquals("0", r.get(fast + ".disorder"), all);
            assertTrue(Long.parseLong(r.get(fast + ".maxLagMillis")) <= 1000, fast + " held back: " + all);
        }
        assertTrue(Long.parseLong(r.get("ackedBytesPerSecond")) > 4 * LIMIT_BYTES_PER_SECOND,
                "the publisher was slowed to the slow path's rate: " + all);
        // Through the limit: the rate over its span plus the burst (and 20% for headers and timing).
        long slowGot = Long.parseLong(r.get("slow.received"));
        long span = Long.parseLong(r.getOrDefault("slow.spanMillis", "0"));
        assertTrue(slowGot * size <= 1.2 * (LIMIT_BYTES_PER_SECOND * span / 1000 + 80 * 1024),
                "the slow member got more than the limit allows: " + all);
        assertTrue(tbfCounters(tc).matches(".*[1-9].*"), "the tbf limited nothing: " + all);
        assertTrue(direct < 32L << 20, "direct memory: " + direct);
        return r;
    }

    /** The tbf's "dropped N, overlimits M" from {@code tc -s qdisc show}. */
    private static String tbfCounters(String tc) {
        Matcher m = Pattern.compile("qdisc tbf[^\\n]*\\n\\s*Sent[^(]*\\(dropped (\\d+), overlimits (\\d+)").matcher(tc);
        return m.find() ? "dropped " + m.group(1) + ", overlimits " + m.group(2) : "(no tbf)";
    }

    // ---- plumbing

    /** Sends a command to the agent and parses its {@code OK key=value ...} answer (60 s at most). */
    private Map<String, String> ask(String command) throws Exception {
        toAgent.write(command + "\n");
        toAgent.flush();
        String answer = fromAgent.poll(60, TimeUnit.SECONDS);
        assertTrue(answer != null && answer.startsWith("OK"), () -> command + ": " + answer + "; agent log: "
                + tail(agentLog));
        Map<String, String> values = new LinkedHashMap<>();
        for (String word : answer.substring(2).trim().split(" ")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                values.put(word.substring(0, eq), word.substring(eq + 1));
            } else if (!word.isEmpty()) {
                values.put("value", word);
            }
        }
        return values;
    }

    private String metric(String series) throws Exception {
        String v = ask("metric " + series).get("value");
        assertTrue(v != null && !v.equals("null"), "no " + series + " in /metrics");
        return v;
    }

    private String metricOrZero(String series) throws Exception {
        String v = ask("metric " + series).get("value");
        return v == null || v.equals("null") ? "0" : v;
    }

    /** The server's open file descriptors (the test runs in the host's process namespace: the pid is the same). */
    private long fds() throws IOException {
        try (var s = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            return s.count();
        }
    }

    private static String quietly(java.util.concurrent.Callable<String> value) {
        try {
            return value.call();
        } catch (Exception | AssertionError e) {
            return "(" + e + ")";
        }
    }

    private static int port(Path addresses, String listener) throws IOException {
        for (String line : Files.readAllLines(addresses)) {
            String[] f = line.split(" ");
            if (f[0].equals(listener)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new AssertionError("no " + listener + " in " + Files.readString(addresses));
    }

    private static String read(Path file) {
        try {
            return file != null && Files.exists(file) ? Files.readString(file) : "(none)";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String tail(Path file) {
        String text = read(file);
        return text.length() > 4000 ? "..." + text.substring(text.length() - 4000) : text;
    }
}
