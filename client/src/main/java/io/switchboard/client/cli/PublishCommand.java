package io.switchboard.client.cli;

import io.switchboard.client.SwitchboardException;
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

    @Mixin
    OneShot.EventOptions message;

    @Option(names = "--ack", description = "Wait until the server has handed the event to every member.")
    boolean ack;

    @Mixin
    OneShot.NameOption name;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return OneShot.run(spec, connection, name, "publish", b -> b, client -> {
            AtomicReference<SwitchboardException> refused = new AtomicReference<>();
            client.onError(refused::set);
            client.publish(room, message.event, message.payload(), ack, false).join();
            if (ack) {
                return "published " + message.event + " to " + room + " (acknowledged)";
            }
            // Without an ack only a refusal is answered; replies come in order, so once the PONG
            // is here any refusal has been seen.
            client.ping().join();
            if (refused.get() != null) {
                throw refused.get();
            }
            return "published " + message.event + " to " + room;
        });
    }
}
