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

/** {@code switchboard-client send --session ID [--event E] --data TEXT}: a direct message. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Sends one event to one session (a direct message); the server acknowledges it once "
                + "it is handed to that session's connection.",
                "Exit codes: 0 ok, 1 the server refused it or could not be reached, 2 usage error."})
final class SendCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--session", required = true, paramLabel = "ID", converter = SessionIds.Converter.class,
            description = "The recipient's session id (subscribe prints senders' ids).")
    long session;

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
            client.send(session, event, data.getBytes(StandardCharsets.UTF_8)).join();
            out.println("sent " + event + " to session " + SessionIds.format(session) + " (acknowledged)");
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println("send failed: " + Failures.describe(e));
            return 1;
        }
    }
}
