package io.switchboard.client.cli;

import io.switchboard.common.Version;
import java.io.PrintWriter;
import org.apache.logging.log4j.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code switchboard-client}: one-shot commands against a Switchboard server. */
@Command(name = "switchboard-client", mixinStandardHelpOptions = true,
        versionProvider = ClientMain.VersionProvider.class, usageHelpAutoWidth = true,
        description = "Talks to a Switchboard server.",
        subcommands = {PingCommand.class, EchoCommand.class, PublishCommand.class, SubscribeCommand.class,
                ChatCommand.class, LoadCommand.class})
public final class ClientMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (ping, echo, publish, subscribe, chat, load)");
    }

    /** Runs the command line and returns the exit code: 0 success, 1 failure, 2 usage error. */
    public static int run(String... args) {
        return new CommandLine(new ClientMain()).execute(args);
    }

    /** Like {@link #run(String...)}, printing to the given writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new ClientMain()).setOut(out).setErr(err).execute(args);
    }

    public static void main(String[] args) {
        int code = run(args);
        LogManager.shutdown();
        System.exit(code);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"switchboard-client " + Version.get()};
        }
    }
}
