package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import io.switchboard.common.protocol.MembersReply;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code switchboard-client members --room R}: who is in a room. The server answers MEMBERS only
 * to a member, so the command joins the room for the moment it asks (the others see it join and
 * leave if they asked for presence) and leaves itself out of the list.
 */
@Command(name = "members", mixinStandardHelpOptions = true,
        description = {"Lists the members of a room, one per line: session id, then name. Joins the room for "
                + "the moment it asks (members with presence notices see it come and go) and leaves itself out.",
                "Exit codes: 0 ok, 1 the server refused it or could not be reached, 2 usage error."})
final class MembersCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", required = true, paramLabel = "ROOM", description = "The room.")
    String room;

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
            client.join(room).join();
            List<MembersReply.MemberInfo> members = client.members(room).join();
            long self = client.sessionId();
            List<MembersReply.MemberInfo> others = members.stream().filter(m -> m.sessionId() != self).toList();
            out.println(others.size() + (others.size() == 1 ? " member in " : " members in ") + room);
            for (MembersReply.MemberInfo m : others) {
                out.println(SessionIds.format(m.sessionId()) + " " + m.name());
            }
            out.flush();
            client.leave(room).join();
            return 0;
        } catch (RuntimeException e) {
            err.println("members failed: " + Failures.describe(e));
            return 1;
        }
    }
}
