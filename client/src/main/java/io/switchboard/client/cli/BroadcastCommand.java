package io.switchboard.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code switchboard-client broadcast [--event E] --data TEXT}: one event to every session. */
@Command(name = "broadcast", mixinStandardHelpOptions = true,
        description = {"Sends one event to every session on the server but this one; the server acknowledges it "
                + "once it is handed to every recipient's connection.",
                "Exit codes: 0 ok, 1 the server refused it or could not be reached, 2 usage error."})
final class BroadcastCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OneShot.EventOptions message;

    @Mixin
    OneShot.NameOption name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return OneShot.run(spec, connection, name, "broadcast", b -> b, client -> {
            client.broadcast(message.event, message.payload()).join();
            return "broadcast " + message.event + " to every session (acknowledged)";
        });
    }
}
