package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code switchboard-client emit --session ID [--event E] --data TEXT [--ack]}: an event to one
 * session; with {@code --ack} it waits for that session's own acknowledgement (socket.io's emit
 * with a callback) and prints its payload and the round-trip time.
 */
@Command(name = "emit", mixinStandardHelpOptions = true,
        description = {"Sends one event to one session; with --ack waits for that session's acknowledgement and "
                + "prints its payload and round-trip time.",
                "Exit codes: 0 ok, 1 the server refused it, the peer did not answer or the server could not be "
                        + "reached, 2 usage error."})
final class EmitCommand implements Callable<Integer> {
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

    @Option(names = "--ack", description = "Wait for the peer's acknowledgement (the server gives up after its "
            + "peer-ack timeout, 10 s by default: ERROR 306 ACK_TIMEOUT); without it, as send.")
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
            ClientOptions.Builder b = connection.builder(7000, name).reconnect(false).listenerExecutor(Runnable::run);
            // The server's ERROR 306 after its peer-ack timeout, not ours, ends a wait that
            // --timeout would otherwise cut shorter.
            options = b.peerAckTimeout(Duration.ofMillis(Math.max(connection.timeoutMillis, 15_000))).build();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        byte[] payload = data.getBytes(StandardCharsets.UTF_8);
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            String to = "session " + SessionIds.format(session);
            if (ack) {
                long start = System.nanoTime();
                byte[] reply = client.emit(session, event, payload).join();
                double millis = (System.nanoTime() - start) / 1e6;
                out.printf(Locale.ROOT, "ack from %s time=%.3f ms: %s%n", to, millis,
                        new String(reply, StandardCharsets.UTF_8));
            } else {
                client.send(session, event, payload).join();
                out.println("emitted " + event + " to " + to + " (acknowledged by the server)");
            }
            out.flush();
            return 0;
        } catch (RuntimeException e) {
            err.println("emit failed: " + Failures.describe(e));
            return 1;
        }
    }
}
