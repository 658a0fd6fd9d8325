package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The shape every one-request command shares (publish, send, broadcast, emit, members): build
 * the options (a bad one is a usage error, exit 2), connect without reconnecting, do the one
 * thing and print what it says (exit 0), or print why it failed (exit 1).
 */
final class OneShot {
    /** What one command does once connected; returns what to print. */
    @FunctionalInterface
    interface Action {
        String run(SwitchboardClient client);
    }

    /** The options of a command that sends one event. */
    static final class EventOptions {
        @Option(names = "--event", paramLabel = "NAME", defaultValue = "message",
                description = "The event name (default: ${DEFAULT-VALUE}).")
        String event;

        @Option(names = "--data", required = true, paramLabel = "TEXT", description = "The payload, as UTF-8 text.")
        String data;

        byte[] payload() {
            return data.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The display name a one-request command says HELLO with. */
    static final class NameOption {
        @Option(names = "--name", paramLabel = "NAME", defaultValue = "switchboard-client",
                description = "Display name in the handshake (default: ${DEFAULT-VALUE}).")
        String name;
    }

    private OneShot() {
    }

    static int run(CommandSpec spec, ConnectionOptions connection, NameOption name, String command,
            UnaryOperator<ClientOptions.Builder> tune, Action action) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClientOptions options;
        try {
            // Listeners on the I/O thread: a refusal is seen before the reply that follows it.
            options = tune.apply(connection.builder(7000, name.name).reconnect(false).listenerExecutor(Runnable::run))
                    .build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            out.println(action.run(client));
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println(command + " failed: " + Failures.describe(e));
            return 1;
        }
    }
}
