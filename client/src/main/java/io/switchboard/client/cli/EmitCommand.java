package io.switchboard.client.cli;

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

    @Mixin
    OneShot.EventOptions message;

    @Option(names = "--ack", description = "Wait for the peer's acknowledgement (the server gives up after its "
            + "peer-ack timeout, 10 s by default: ERROR 306 ACK_TIMEOUT); without it, as send.")
    boolean ack;

    @Mixin
    OneShot.NameOption name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // The server's ERROR 306 after its peer-ack timeout, not ours, ends a wait that --timeout
        // would otherwise cut shorter.
        Duration peerAckTimeout = Duration.ofMillis(Math.max(connection.timeoutMillis, 15_000));
        return OneShot.run(spec, connection, name, "emit", b -> b.peerAckTimeout(peerAckTimeout), client -> {
            String to = "session " + SessionIds.format(session);
            if (!ack) {
                client.send(session, message.event, message.payload()).join();
                return "emitted " + message.event + " to " + to + " (acknowledged by the server)";
            }
            long start = System.nanoTime();
            byte[] reply = client.emit(session, message.event, message.payload()).join();
            double millis = (System.nanoTime() - start) / 1e6;
            return String.format(Locale.ROOT, "ack from %s time=%.3f ms: %s", to, millis,
                    new String(reply, StandardCharsets.UTF_8));
        });
    }
}
