package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code switchboard-client broadcast [--event E] --data TEXT}: one event to every session. */
@Command(name = "broadcast", mixinStandardHelpOptions = true,
        description = {"Sends one event to every session on the server but this one; the server acknowledges it "
                + "once it is handed to every recipient's connection.",
                "Exit codes: 0 ok, 1 the server refused it or could not be reached, 2 usage error."})
final class BroadcastCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--event", paramLabel = "NAME", defaultValue = "message",
            description = "The event name (default: ${DEFAULT-VALUE}).")
    String event;

    @Option(names = "--data", required = true, paramLabel = "TEXT", description = "The payload, as UTF-8 text.")
    String data;

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
            options = connection.builder(7000, name).reconnect(false).listenerExecutor(Runnable::run).build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            client.broadcast(event, data.getBytes(StandardCharsets.UTF_8)).join();
            out.println("broadcast " + event + " to every session (acknowledged)");
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println("broadcast failed: " + Failures.describe(e));
            return 1;
        }
    }
}
