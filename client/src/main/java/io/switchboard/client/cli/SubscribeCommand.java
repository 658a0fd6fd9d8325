package io.switchboard.client.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.client.ClientOptions;
import io.switchboard.client.ReceivedEvent;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

    /** One line for one event. */
    String format(ReceivedEvent e, Instant at) {
        if (json) {
            ObjectNode node = JSON.createObjectNode();
            node.put("time", at.toString());
            node.put("room", e.room());
            node.put("sender", e.senderId());
            node.put("event", e.event());
            node.put("data", e.text());
            return node.toString();
        }
        return at + " " + e.room() + " #" + e.senderId() + " " + e.event() + ": " + e.text();
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
            client.join(room).join();
            done.await();
            return 0;
        } catch (RuntimeException e) {
            err.println("subscribe failed: " + Failures.describe(e));
            return 1;
        }
    }
}
