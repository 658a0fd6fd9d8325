package io.switchboard.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.ConnectionListener;
import io.switchboard.client.ReceivedEvent;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code switchboard-client subscribe --room R}: prints every event of a room as a line (or a JSON
 * line with {@code --json}) until interrupted, or until {@code --count} events arrived.
 */
@Command(name = "subscribe", mixinStandardHelpOptions = true,
        description = "Joins a room and prints its events until interrupted or --count events arrived.")
final class SubscribeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "The room to join.")
    String room;

    @Option(names = "--json", description = "Print each event as one JSON object per line.")
    boolean json;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Exit after N events; 0 = run until interrupted (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "subscriber",
            description = "Display name in the handshake (default: ${DEFAULT-VALUE}).")
    String name;

    @Spec
    CommandSpec spec;

    /**
     * One line for one event. In JSON the sender's session id is a decimal string, as the
     * WebSocket bridge writes it: a 64-bit id does not fit a JavaScript number.
     */
    String format(ReceivedEvent e, Instant at) {
        if (json) {
            ObjectNode node = JSON.createObjectNode();
            node.put("type", "event");
            node.put("time", at.toString());
            node.put("room", e.room());
            node.put("sender", SessionIds.format(e.senderId()));
            node.put("event", e.event());
            node.put("data", e.text());
            return node.toString();
        }
        return at + " " + e.room() + " #" + SessionIds.format(e.senderId()) + " " + e.event() + ": " + e.text();
    }

    /**
     * The JSON line that marks a gap: the connection was lost at {@code from} and the room joined
     * again at {@code to}; events published in between were not received.
     */
    String gapLine(Instant from, Instant to, long sessionId) {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", "gap");
        node.put("room", room);
        node.put("from", from.toString());
        node.put("to", to.toString());
        node.put("millis", Duration.between(from, to).toMillis());
        node.put("session", SessionIds.format(sessionId));
        return node.toString();
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (count < 0) {
            err.println("--count: " + count + " (expected: 0 or more)");
            return 2;
        }
        ClientOptions options;
        try {
            // Listeners on the I/O thread: printing is all they do, and it keeps the order.
            options = connection.builder(7000, name).listenerExecutor(Runnable::run).build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        CountDownLatch done = new CountDownLatch(count == 0 ? 1 : count);
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            client.onAny(e -> {
                if (count > 0 && done.getCount() == 0) {
                    return;
                }
                synchronized (out) {
                    out.println(format(e, Instant.now()));
                    out.flush();
                }
                if (count > 0) {
                    done.countDown();
                }
            });
            AtomicReference<Instant> lostAt = new AtomicReference<>();
            client.onConnection(new ConnectionListener() {
                @Override
                public void onDisconnected(Throwable cause) {
                    Instant at = Instant.now();
                    lostAt.set(at);
                    synchronized (out) {
                        err.println("subscribe: " + Failures.describe(cause) + " at " + at + "; reconnecting");
                        err.flush();
                    }
                }

                @Override
                public void onReconnected(long sessionId) {
                    Instant to = Instant.now();
                    Instant from = lostAt.getAndSet(null);
                    if (from == null) {
                        from = to;
                    }
                    long millis = Duration.between(from, to).toMillis();
                    synchronized (out) {
                        err.println("subscribe: reconnected after " + millis + " ms (session "
                                + SessionIds.format(sessionId) + "); events sent to " + room
                                + " in the gap were missed");
                        err.flush();
                        if (json) {
                            out.println(gapLine(from, to, sessionId));
                            out.flush();
                        }
                    }
                }
            });
            client.join(room).join();
            done.await();
            return 0;
        } catch (RuntimeException e) {
            err.println("subscribe failed: " + Failures.describe(e));
            return 1;
        }
    }
}
