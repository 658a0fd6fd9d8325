package io.switchboard.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A network namespace of a test's own (Linux, as root): {@code ip netns add}, its loopback up,
 * and nothing else in it, so that {@code iptables} rules and {@code tc} qdiscs put into it touch
 * only the test's traffic on that loopback and never the machine's. Processes run in it with
 * {@link #start} (or {@link #command}); {@link #close} (and, should the JVM be stopped first, a shutdown hook) deletes
 * it, killing what {@link #start} started first. A namespace left behind by a test JVM that was
 * killed outright is deleted by the next {@link #create} (its name carries the dead JVM's process
 * id), with whatever still runs in it.
 *
 * <p>{@link #require} skips the test when this is not possible here (not root, or {@code ip},
 * {@code iptables} or {@code tc} missing), or fails it under CI ({@link RequiredTool}):
 * {@code .ci/deps/netns.sh} installs the tools.
 */
public final class NetNamespace implements AutoCloseable {
    private static final String PREFIX = "sbtest-";
    private static final Pattern OURS = Pattern.compile(PREFIX + "(\\d+)-\\d+");
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    private final String name;
    private final String ip;
    private final Thread hook;
    private final List<Process> processes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private NetNamespace(String name, String ip) {
        this.name = name;
        this.ip = ip;
        this.hook = new Thread(this::delete, "netns-" + name + "-cleanup");
    }

    /** The executable {@code tool} from the PATH or the sbin directories, or {@code null}. */
    public static String tool(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(SBIN);
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool).toString();
            }
        }
        return null;
    }

    /** Whether this process runs as root (uid 0), which {@code ip netns add} needs. */
    public static boolean root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    /**
     * Skips the calling test (or fails it under {@code CI=true}) unless namespaces can be made and
     * filled here: Linux, root, and {@code ip}, {@code iptables} and {@code tc} installed.
     */
    public static void require() {
        RequiredTool.require(System.getProperty("os.name").startsWith("Linux"),
                "network namespaces need Linux (this is " + System.getProperty("os.name") + ")");
        RequiredTool.require(root(), "network namespaces (ip netns add) need root; this test runs as uid "
                + uid() + ", so it cannot make the kernel drop, reset or rate-limit packets");
        for (String t : List.of("ip", "iptables", "tc")) {
            RequiredTool.require(tool(t) != null, t + " is not installed (.ci/deps/netns.sh installs iproute2 and"
                    + " iptables)");
        }
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1];
                }
            }
        } catch (IOException e) {
            return "(unknown: " + e + ")";
        }
        return "(unknown)";
    }

    /**
     * Makes a fresh namespace with its loopback up. Call {@link #require} first. When the kernel
     * refuses (root without the capability inside a container, say) the test is skipped, or
     * failed under CI, with what {@code ip} said.
     */
    public static NetNamespace create() throws IOException, InterruptedException {
        String ip = tool("ip");
        removeStale(ip);
        String name = PREFIX + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        NetNamespace ns = new NetNamespace(name, ip);
        try {
            run(List.of(ip, "netns", "add", name));
        } catch (IllegalStateException refused) {
            RequiredTool.require(false, "cannot make a network namespace here: " + refused.getMessage());
        }
        Runtime.getRuntime().addShutdownHook(ns.hook);
        try {
            ns.run("ip", "link", "set", "lo", "up");
        } catch (IOException | RuntimeException | Error e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /**
     * Deletes namespaces of this class whose JVM is gone (killed before it could delete them),
     * killing what still runs in them first.
     */
    private static void removeStale(String ip) throws IOException, InterruptedException {
        for (String line : run(List.of(ip, "netns", "list")).split("\n")) {
            Matcher m = OURS.matcher(line.trim().split("\\s+")[0]);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                for (String pid : run(List.of(ip, "netns", "pids", m.group())).split("\\s+")) {
                    if (!pid.isEmpty()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                run(List.of(ip, "netns", "del", m.group()));
            }
        }
    }

    /** The namespace's name, as {@code ip netns} knows it. */
    public String name() {
        return name;
    }

    /** {@code command} prefixed so that it runs in this namespace ({@code ip netns exec NAME ...}). */
    public List<String> command(List<String> command) {
        List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", name));
        full.addAll(command);
        return full;
    }

    /**
     * Starts {@code builder}'s command in this namespace; {@link #close} kills it if it still runs
     * then (after the test's own, graceful stop), as does the shutdown hook.
     */
    public Process start(ProcessBuilder builder) throws IOException {
        builder.command(command(builder.command()));
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    /**
     * Runs {@code command} in this namespace and returns its output (stdout and stderr); throws
     * when it exits other than 0 or runs longer than 10 s.
     */
    public String run(String... command) throws IOException, InterruptedException {
        return run(command(List.of(command)));
    }

    /** Like {@link #run} but returns {@code null} instead of throwing when the command fails. */
    public String tryRun(String... command) throws InterruptedException {
        try {
            return run(command);
        } catch (IOException | IllegalStateException e) {
            return null;
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        // Short outputs only (rules, qdiscs): read after the exit, with the wait bounded.
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + ": still running after 10 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }

    /** Kills what {@link #start} started and still runs, and deletes the namespace (idempotent). */
    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    private synchronized void delete() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (Process p : processes) {
                if (p.isAlive()) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            run(List.of(ip, "netns", "del", name));
        } catch (IOException | RuntimeException e) {
            System.err.println("could not delete network namespace " + name + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
