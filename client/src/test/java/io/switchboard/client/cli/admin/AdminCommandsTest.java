package io.switchboard.client.cli.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The bodies of the admin actions, parsed from the command line without a network. */
class AdminCommandsTest {
    private static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static void reasonOnlyWhenGiven(Function<String[], AdminCommands.ReasonOption> reasonOf, String... args) {
        String[] with = java.util.Arrays.copyOf(args, args.length + 2);
        with[args.length] = "--reason";
        with[args.length + 1] = "off topic";
        assertEquals("{\"reason\":\"off topic\"}", reasonOf.apply(with).addTo(AdminHttpClient.JSON.createObjectNode()).toString());
        assertEquals("{}", reasonOf.apply(args).addTo(AdminHttpClient.JSON.createObjectNode()).toString(),
                "no reason given: none sent, the server's default applies");
    }

    @Test
    void kick() {
        reasonOnlyWhenGiven(a -> parse(new AdminCommands.Kick(), a).reason, "42");
    }

    @Test
    void remove() {
        reasonOnlyWhenGiven(a -> parse(new AdminCommands.Remove(), a).reason, "42", "lobby");
    }

    @Test
    void closeRoom() {
        reasonOnlyWhenGiven(a -> parse(new AdminCommands.CloseRoom(), a).reason, "lobby");
    }
}
