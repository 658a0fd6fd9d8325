package io.switchboard.client.cli.admin;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code switchboard-client admin ...}: the server's admin API (docs/admin-api.md). */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = {"The server's admin API: list rooms and sessions, disconnect a session, remove one from a "
                + "room, close a room, send a notice. Needs the admin listener (listeners.admin.enabled) and an admin "
                + "token (--token-file, $SWITCHBOARD_ADMIN_TOKEN or $SWITCHBOARD_ADMIN_TOKEN_FILE).",
                "Exit codes: 0 ok, 1 the API refused the request (401, 404 ...) or could not be reached, 2 usage error."},
        subcommands = {AdminCommands.Rooms.class, AdminCommands.Room.class, AdminCommands.Sessions.class,
                AdminCommands.Session.class, AdminCommands.Kick.class, AdminCommands.Remove.class,
                AdminCommands.CloseRoom.class, AdminCommands.Notice.class})
public final class AdminCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "an admin command is required (rooms, room, sessions, session, kick, remove, close-room, notice)");
    }
}
