package io.switchboard.client;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * The client side of {@link NamespaceFaultsTest}, run in the test's network namespace
 * ({@code ip netns exec NS java ... NamespaceAgent FRAMED_PORT HTTP_PORT}): the test JVM cannot
 * reach the namespace's loopback, so the clients live here. It reads one command a line from stdin
 * and answers each with one line on stdout, {@code OK key=value ...} or {@code ERR message}; the
 * test applies and removes the faults (iptables, tc) between commands and checks the figures.
 * Clients that go through a fault connect to 127.0.0.2, those that must not to 127.0.0.1 (the
 * server listens on 0.0.0.0 of the namespace), so a rule can pick the path by address. Times are
 * wall-clock milliseconds (the test's clock is the same), durations measured here use nanoTime.
 * Every wait is bounded.
 */
public final class NamespaceAgent {
    static final String CLEAN = "127.0.0.1";
    static final String FAULTY = "127.0.0.2";

    private int framedPort;
    private int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<SwitchboardClient> open = new CopyOnWriteArrayList<>();
    private final PrintStream out;

    private NamespaceAgent(int framedPort, int httpPort, PrintStream out) {
        this.framedPort = framedPort;
        this.httpPort = httpPort;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, UTF_8);
        // Anything else written to stdout (a library's log) would be read as an answer.
        System.setOut(System.err);
        NamespaceAgent agent = new NamespaceAgent(Integer.parseInt(args[0]), Integer.parseInt(args[1]), out);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, UTF_8));
        String line;
        out.println("OK ready");
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                break;
            }
            String answer;
            try {
                answer = "OK " + agent.run(words);
            } catch (Throwable e) {
                e.printStackTrace();
                answer = "ERR " + e.toString().replace('\n', ' ');
            }
            out.println(answer);
        }
        agent.open.forEach(SwitchboardClient::close);
        out.println("OK bye");
        System.exit(0);
    }

    private String run(String[] w) throws Exception {
        switch (w[0]) {
            case "metric":
                return String.valueOf(metric(w[1]));
            case "target":
                framedPort = Integer.parseInt(w[1]);
                httpPort = Integer.parseInt(w[2]);
                return "framed=" + framedPort + " http=" + httpPort;
            case "blackout-start":
                return blackoutStart();
            case "blackout-finish":
                return blackoutFinish(Long.parseLong(w[1]), Long.parseLong(w[2]));
            case "reset-start":
                return resetStart(Integer.parseInt(w[1]));
            case "reset-probe":
                return resetProbe();
            case "halfopen-start":
                return halfOpenStart(Integer.parseInt(w[1]));
            case "halfopen-stop":
                return closeAll(halfOpen);
            case "bandwidth-start":
                return bandwidthStart(Boolean.parseBoolean(w[1]));
            case "bandwidth-run":
                return bandwidthRun(Integer.parseInt(w[1]), Integer.parseInt(w[2]), Integer.parseInt(w[3]));
            case "slow-closed":
                return slowClosed();
            case "bandwidth-stop":
                return closeAll(bandwidthClients);
            default:
                throw new IllegalArgumentException("unknown command " + Arrays.toString(w));
        }
    }

    // ---- helpers

    private SwitchboardClient connect(String host, String name, java.util.function.Consumer<ClientOptions.Builder> more)
            throws Exception {
        ClientOptions.Builder b = ClientOptions.builder().host(host).port(framedPort).name(name)
                .connectTimeout(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(5));
        more.accept(b);
        SwitchboardClient c = SwitchboardClient.connect(b.build()).get(10, TimeUnit.SECONDS);
        open.add(c);
        return c;
    }

    private String metric(String series) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + CLEAN + ":" + httpPort
                + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return line.substring(series.length() + 1).trim();
            }
        }
        return null;
    }

    private static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private String closeAll(List<SwitchboardClient> clients) {
        // In parallel: a client whose path is dead waits up to 2 s for its BYE to go out.
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (SwitchboardClient c : clients) {
            closing.add(CompletableFuture.runAsync(c::close));
            open.remove(c);
        }
        CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).orTimeout(10, TimeUnit.SECONDS).join();
        int n = clients.size();
        clients.clear();
        return "closed=" + n;
    }

    private static String kind(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e.getClass().getSimpleName();
    }

    private static String format(Map<String, ?> values) {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    private static String counts(Map<String, Integer> counts) {
        return counts.isEmpty() ? "-" : counts.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                .collect(Collectors.joining(","));
    }

    /** One acknowledged publish: when it was sent and how it ended. */
    private static final class Outcome {
        final long seq;
        final long sentAt = System.currentTimeMillis();
        final long sentNanos = System.nanoTime();
        volatile long doneNanos;
        volatile long doneAt;
        volatile Throwable error;
        final CompletableFuture<Void> future;

        Outcome(long seq, CompletableFuture<Void> future) {
            this.seq = seq;
            this.future = future;
        }

        Outcome track() {
            future.whenComplete((ok, e) -> {
                error = e;
                doneAt = System.currentTimeMillis();
                doneNanos = System.nanoTime();
            });
            return this;
        }

        boolean acked() {
            return future.isDone() && !future.isCompletedExceptionally();
        }
    }

    /** When a client lost its connection and got it back (first of each), and why it lost it. */
    private static final class Links implements ConnectionListener {
        final AtomicLong disconnectedAt = new AtomicLong();
        final AtomicLong reconnectedAt = new AtomicLong();
        volatile String cause = "-";

        @Override
        public void onDisconnected(Throwable c) {
            if (disconnectedAt.compareAndSet(0, System.currentTimeMillis())) {
                cause = kind(c) + (c instanceof SwitchboardException s ? ":" + s.code() : "");
            }
        }

        @Override
        public void onReconnected(long sessionId) {
            if (disconnectedAt.get() != 0) {
                reconnectedAt.compareAndSet(0, System.currentTimeMillis());
            }
        }
    }

    /** A received event: the publisher's sequence number and send time, and when it arrived. */
    private static final class Got {
        final long seq;
        final long sentNanos;
        final long receivedNanos = System.nanoTime();
        final long receivedAt = System.currentTimeMillis();

        Got(ReceivedEvent e) {
            String[] f = new String(e.payload(), 0, Math.min(e.payload().length, 48), UTF_8).split(":");
            seq = Long.parseLong(f[0]);
            sentNanos = Long.parseLong(f[1]);
        }
    }

    private static List<Got> record(SwitchboardClient c, String event) {
        List<Got> got = new CopyOnWriteArrayList<>();
        c.on(event, e -> got.add(new Got(e)));
        return got;
    }

    private static byte[] payload(long seq, int size) {
        byte[] head = (seq + ":" + System.nanoTime() + ":").getBytes(UTF_8);
        byte[] p = new byte[Math.max(size, head.length)];
        Arrays.fill(p, (byte) '.');
        System.arraycopy(head, 0, p, 0, head.length);
        return p;
    }

    /** Sequence numbers missing from {@code got}, out of order, and seen twice. */
    private static Map<String, Object> check(List<Got> got, List<Outcome> mustHave) {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        int duplicates = 0;
        int disorder = 0;
        long last = -1;
        for (Got g : got) {
            if (!seen.add(g.seq)) {
                duplicates++;
            }
            if (g.seq <= last) {
                disorder++;
            }
            last = Math.max(last, g.seq);
        }
        List<Long> missing = mustHave.stream().map(o -> o.seq).filter(s -> !seen.contains(s)).collect(Collectors.toList());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("missing", missing.size());
        r.put("missingSeqs", missing.isEmpty() ? "-" : missing.stream().limit(10).map(String::valueOf)
                .collect(Collectors.joining(",")));
        r.put("duplicates", duplicates);
        r.put("disorder", disorder);
        return r;
    }

    // ---- 1. silent blackout

    private SwitchboardClient observer;
    private List<Got> observed;
    private SwitchboardClient blackoutSub;
    private List<Got> blackoutGot;
    private final Links subLinks = new Links();
    private final Links pubLinks = new Links();
    private final List<Outcome> blackoutOutcomes = new CopyOnWriteArrayList<>();
    private volatile boolean publishing;
    private Thread publisher;
    private final List<SwitchboardClient> blackoutClients = new ArrayList<>();

    /**
     * An observer on the clean path; a subscriber and a publisher on the faulty one (reconnecting
     * after 50 to 500 ms, a 1 s connect and request timeout), all three in room {@code blackout};
     * the publisher then publishes with ACK every 20 ms (at most 2000) until {@code blackout-finish}.
     */
    private String blackoutStart() throws Exception {
        observer = connect(CLEAN, "observer", b -> { });
        observed = record(observer, "seq");
        observer.join("blackout").get(5, TimeUnit.SECONDS);
        blackoutSub = connect(FAULTY, "subscriber", b -> b.reconnectDelays(Duration.ofMillis(50), Duration.ofMillis(500))
                .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1)));
        blackoutSub.onConnection(subLinks);
        blackoutGot = record(blackoutSub, "seq");
        blackoutSub.join("blackout").get(5, TimeUnit.SECONDS);
        SwitchboardClient pub = connect(FAULTY, "publisher", b -> b.reconnectDelays(Duration.ofMillis(50),
                Duration.ofMillis(500)).connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1)));
        pub.onConnection(pubLinks);
        blackoutClients.add(blackoutSub);
        blackoutClients.add(pub);
        publishing = true;
        publisher = new Thread(() -> {
            for (long seq = 0; publishing && seq < 2000; seq++) {
                CompletableFuture<Void> f;
                try {
                    f = pub.publish("blackout", "seq", payload(seq, 0));
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                blackoutOutcomes.add(new Outcome(seq, f).track());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "blackout-publisher");
        publisher.start();
        boolean acks = await(Duration.ofSeconds(5), () -> blackoutOutcomes.stream().filter(Outcome::acked).count() >= 5
                && blackoutGot.size() >= 5);
        return "acking=" + acks + " subscriberPort=" + ((InetSocketAddress) blackoutSub.channel().localAddress()).getPort();
    }

    /**
     * After the path healed: waits (up to 20 s) until the subscriber has reconnected and received
     * events published after that, and the publisher has an ACK for a publish sent after the heal;
     * then stops publishing, waits for every publish to complete and for the observer to have every
     * acknowledged one, and reports.
     */
    private String blackoutFinish(long cutAt, long healAt) throws Exception {
        boolean recovered = await(Duration.ofSeconds(20), () -> {
            long back = subLinks.reconnectedAt.get();
            return back != 0 && blackoutGot.stream().anyMatch(g -> g.receivedAt > back)
                    && blackoutOutcomes.stream().anyMatch(o -> o.sentAt > healAt && o.acked());
        });
        publishing = false;
        publisher.join(5000);
        boolean allDone = await(Duration.ofSeconds(5), () -> blackoutOutcomes.stream().allMatch(o -> o.doneNanos != 0));
        List<Outcome> acked = blackoutOutcomes.stream().filter(Outcome::acked).collect(Collectors.toList());
        await(Duration.ofSeconds(5), () -> check(observed, acked).get("missing").equals(0));

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("recovered", recovered);
        r.put("allDone", allDone);
        r.put("published", blackoutOutcomes.size());
        r.put("acked", acked.size());
        List<Outcome> failed = blackoutOutcomes.stream().filter(o -> o.error != null).collect(Collectors.toList());
        r.put("failed", failed.size());
        r.put("pending", blackoutOutcomes.stream().filter(o -> o.doneNanos == 0).count());
        Map<String, Integer> kinds = new TreeMap<>();
        failed.forEach(o -> kinds.merge(kind(o.error), 1, Integer::sum));
        r.put("failKinds", counts(kinds));
        r.put("maxFailMillis", failed.stream().mapToLong(o -> (o.doneNanos - o.sentNanos) / 1_000_000).max().orElse(-1));
        r.put("firstFailAt", failed.stream().mapToLong(o -> o.doneAt).min().orElse(0));
        r.put("ackedDuringBlackout", acked.stream().filter(o -> o.sentAt > cutAt && o.doneAt < healAt).count());
        Map<String, Object> seen = check(observed, acked);
        seen.forEach((k, v) -> r.put("observer." + k, v));
        r.put("subDisconnectedAt", subLinks.disconnectedAt.get());
        r.put("subCause", subLinks.cause);
        r.put("subReconnectedAt", subLinks.reconnectedAt.get());
        long back = subLinks.reconnectedAt.get();
        r.put("subEventsAfterReconnect", blackoutGot.stream().filter(g -> back != 0 && g.receivedAt > back).count());
        r.put("subRooms", blackoutSub.rooms().size());
        r.put("pubDisconnectedAt", pubLinks.disconnectedAt.get());
        r.put("pubCause", pubLinks.cause);
        r.put("pubReconnectedAt", pubLinks.reconnectedAt.get());
        r.put("firstAckAfterHealAt", acked.stream().filter(o -> o.sentAt > healAt).mapToLong(o -> o.doneAt).min()
                .orElse(0));
        // The faulty path is the next test's: only the observer stays.
        closeAll(blackoutClients);
        return format(r);
    }

    // ---- 2. resets

    private final List<SwitchboardClient> resetClients = new ArrayList<>();

    /** {@code n} clients on the faulty path (no reconnection), members of room {@code reset}. */
    private String resetStart(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            SwitchboardClient c = connect(FAULTY, "reset" + i, b -> b.reconnect(false));
            c.join("reset").get(5, TimeUnit.SECONDS);
            resetClients.add(c);
        }
        return "clients=" + n;
    }

    /**
     * With the reset rule in place: each client publishes with ACK (request timeout 5 s) and the
     * time to its failure is measured, as is a new connection's; then the observer publishes to
     * room {@code reset}, so the server writes to its side of each connection and meets the RST.
     */
    private String resetProbe() throws Exception {
        long start = System.nanoTime();
        List<Outcome> probes = new ArrayList<>();
        for (int i = 0; i < resetClients.size(); i++) {
            probes.add(new Outcome(i, resetClients.get(i).publish("reset", "probe", payload(i, 0))).track());
        }
        boolean allDone = await(Duration.ofSeconds(8), () -> probes.stream().allMatch(o -> o.doneNanos != 0));
        boolean allClosed = await(Duration.ofSeconds(2), () -> resetClients.stream().noneMatch(SwitchboardClient::isOpen));
        long connectStart = System.nanoTime();
        String connectKind;
        try {
            SwitchboardClient c = SwitchboardClient.connect(ClientOptions.builder().host(FAULTY).port(framedPort)
                    .connectTimeout(Duration.ofSeconds(5)).build()).get(10, TimeUnit.SECONDS);
            open.add(c);
            connectKind = "connected";
        } catch (ExecutionException e) {
            connectKind = kind(e);
        }
        long connectMillis = (System.nanoTime() - connectStart) / 1_000_000;
        for (int i = 0; i < 3; i++) {
            observer.publish("reset", "wake", payload(i, 0)).get(5, TimeUnit.SECONDS);
        }
        Map<String, Integer> kinds = new TreeMap<>();
        probes.stream().filter(o -> o.error != null).forEach(o -> kinds.merge(kind(o.error), 1, Integer::sum));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("allDone", allDone);
        r.put("acked", probes.stream().filter(Outcome::acked).count());
        r.put("failKinds", counts(kinds));
        r.put("maxFailMillis", probes.stream().mapToLong(o -> o.doneNanos == 0 ? -1 : (o.doneNanos - start) / 1_000_000)
                .max().orElse(-1));
        r.put("allClosed", allClosed);
        r.put("connect", connectKind);
        r.put("connectMillis", connectMillis);
        closeAll(resetClients);
        return format(r);
    }

    // ---- 3. half-open peers

    private final List<SwitchboardClient> halfOpen = new ArrayList<>();

    /** {@code n} clients on the clean path (no reconnection) in room {@code halfopen}; their local ports. */
    private String halfOpenStart(int n) throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SwitchboardClient c = connect(CLEAN, "halfopen" + i, b -> b.reconnect(false));
            c.join("halfopen").get(5, TimeUnit.SECONDS);
            halfOpen.add(c);
            ports.add(((InetSocketAddress) c.channel().localAddress()).getPort());
        }
        return "ports=" + ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    // ---- 4. bandwidth

    private final List<SwitchboardClient> bandwidthClients = new ArrayList<>();
    private final Map<String, List<Got>> bandwidthGot = new ConcurrentHashMap<>();
    private Links slowLinks;
    private final List<Integer> slowErrors = new CopyOnWriteArrayList<>();
    private SwitchboardClient slow;
    private SwitchboardClient bandwidthPublisher;

    /**
     * Two fast subscribers, one slow one (the test limits its port; it reconnects if
     * {@code reconnect}) and a publisher, in room {@code fanout}.
     */
    private String bandwidthStart(boolean reconnect) throws Exception {
        bandwidthGot.clear();
        slowLinks = new Links();
        for (String name : List.of("fast1", "fast2", "slow")) {
            SwitchboardClient c = connect(CLEAN, name, b -> b.reconnect(reconnect || !name.equals("slow")));
            bandwidthGot.put(name, record(c, "fan"));
            c.join("fanout").get(5, TimeUnit.SECONDS);
            bandwidthClients.add(c);
            if (name.equals("slow")) {
                slow = c;
                c.onConnection(slowLinks);
                slowErrors.clear();
                c.onError(e -> slowErrors.add(e.code()));
            }
        }
        bandwidthPublisher = connect(CLEAN, "fan-publisher", b -> b.requestTimeout(Duration.ofSeconds(10)));
        bandwidthClients.add(bandwidthPublisher);
        return "slowPort=" + ((InetSocketAddress) slow.channel().localAddress()).getPort();
    }

    /** Waits up to 10 s for the slow subscriber to lose its connection; reports when, and its errors. */
    private String slowClosed() throws Exception {
        boolean closed = await(Duration.ofSeconds(10), () -> slowLinks.disconnectedAt.get() != 0);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("open", !closed);
        r.put("disconnectedAt", slowLinks.disconnectedAt.get());
        r.put("errors", slowErrors.isEmpty() ? "-" : slowErrors.stream().map(String::valueOf)
                .collect(Collectors.joining(",")));
        r.put("received", bandwidthGot.get("slow").size());
        return format(r);
    }

    /**
     * Publishes with ACK at {@code rate} a second, {@code size} bytes each, for {@code seconds}
     * (paced; at most 64 unacknowledged), then waits up to 10 s for both fast subscribers to have
     * every acknowledged event, and reports what each subscriber got and how late.
     */
    private String bandwidthRun(int seconds, int rate, int size) throws Exception {
        List<Outcome> outcomes = new ArrayList<>();
        Semaphore window = new Semaphore(64);
        long startedAt = System.currentTimeMillis();
        long start = System.nanoTime();
        long intervalNanos = 1_000_000_000L / rate;
        long total = (long) seconds * rate;
        int stalled = 0;
        for (long seq = 0; seq < total; seq++) {
            long due = start + seq * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            if (!window.tryAcquire(10, TimeUnit.SECONDS)) {
                stalled++;
                break;
            }
            CompletableFuture<Void> f = bandwidthPublisher.publish("fanout", "fan", payload(seq, size));
            f.whenComplete((ok, e) -> window.release());
            outcomes.add(new Outcome(seq, f).track());
        }
        long publishNanos = System.nanoTime() - start;
        boolean allDone = await(Duration.ofSeconds(10), () -> outcomes.stream().allMatch(o -> o.doneNanos != 0));
        List<Outcome> acked = outcomes.stream().filter(Outcome::acked).collect(Collectors.toList());
        await(Duration.ofSeconds(10), () -> check(bandwidthGot.get("fast1"), acked).get("missing").equals(0)
                && check(bandwidthGot.get("fast2"), acked).get("missing").equals(0));

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("allDone", allDone);
        r.put("startedAt", startedAt);
        r.put("stalled", stalled);
        r.put("published", outcomes.size());
        r.put("acked", acked.size());
        r.put("publishMillis", publishNanos / 1_000_000);
        r.put("ackedBytesPerSecond", (long) (acked.size() * (double) size / (publishNanos / 1e9)));
        r.put("maxAckMillis", acked.stream().mapToLong(o -> (o.doneNanos - o.sentNanos) / 1_000_000).max().orElse(-1));
        for (String name : List.of("fast1", "fast2", "slow")) {
            List<Got> got = bandwidthGot.get(name);
            r.put(name + ".received", got.size());
            Map<String, Object> c = check(got, name.equals("slow") ? List.of() : acked);
            c.forEach((k, v) -> r.put(name + "." + k, v));
            long[] lags = got.stream().mapToLong(g -> (g.receivedNanos - g.sentNanos) / 1_000_000).sorted().toArray();
            r.put(name + ".maxLagMillis", lags.length == 0 ? -1 : lags[lags.length - 1]);
            r.put(name + ".p99LagMillis", lags.length == 0 ? -1 : lags[(int) Math.min(lags.length - 1, lags.length * 0.99)]);
            if (!got.isEmpty()) {
                r.put(name + ".spanMillis", (got.get(got.size() - 1).receivedNanos - start) / 1_000_000);
            }
        }
        r.put("slow.open", slow.isOpen());
        r.put("slow.disconnectedAt", slowLinks.disconnectedAt.get());
        r.put("slow.cause", slowLinks.cause);
        r.put("slow.errors", slowErrors.isEmpty() ? "-" : slowErrors.stream().map(String::valueOf)
                .collect(Collectors.joining(",")));
        return format(r);
    }
}
