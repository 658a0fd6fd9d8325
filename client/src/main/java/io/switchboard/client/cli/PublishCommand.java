package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.client.SwitchboardException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code switchboard-client publish --room R --event E --data TEXT [--ack]}. */
@Command(name = "publish", mixinStandardHelpOptions = true, description = "Publishes one event to a room.")
final class PublishCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "The room to publish to.")
    String room;

    @Option(names = "--event", paramLabel = "NAME", defaultValue = "message",
            description = "The event name (default: ${DEFAULT-VALUE}).")
    String event;

    @Option(names = "--data", required = true, paramLabel = "TEXT", description = "The payload, as UTF-8 text.")
    String data;

    @Option(names = "--ack", description = "Wait until the server has handed the event to every member.")
    boolean ack;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "switchboard-client",
            description = "Display name in the handshake (default: ${DEFAULT-VALUE}).")
    String name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClientOptions options;
        try {
            // Listeners on the I/O thread: a refusal is seen before the PONG that follows it.
            options = connection.builder(7000, name).reconnect(false).listenerExecutor(Runnable::run).build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            AtomicReference<SwitchboardException> refused = new AtomicReference<>();
            client.onError(refused::set);
            client.publish(room, event, data.getBytes(StandardCharsets.UTF_8), ack, false).join();
            if (ack) {
                out.println("published " + event + " to " + room + " (acknowledged)");
            } else {
                // Without an ack only a refusal is answered; replies come in order, so once the
                // PONG is here any refusal has been seen.
                client.ping().join();
                if (refused.get() != null) {
                    throw refused.get();
                }
                out.println("published " + event + " to " + room);
            }
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println("publish failed: " + Failures.describe(e));
            return 1;
        }
    }
}
