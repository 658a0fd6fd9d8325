package io.switchboard.client.cli;

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

    @Mixin
    OneShot.EventOptions message;

    @Mixin
    OneShot.NameOption name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return OneShot.run(spec, connection, name, "send", b -> b, client -> {
            client.send(session, message.event, message.payload()).join();
            return "sent " + message.event + " to session " + SessionIds.format(session) + " (acknowledged)";
        });
    }
}
