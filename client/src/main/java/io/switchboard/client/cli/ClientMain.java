package io.switchboard.client.cli;

import io.netty.util.ResourceLeakDetector;
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
                SendCommand.class, BroadcastCommand.class, EmitCommand.class, MembersCommand.class,
                ChatCommand.class, LoadCommand.class, io.switchboard.client.cli.admin.AdminCommand.class})
public final class ClientMain implements Runnable {
    private static final String LEAK_DETECTION_PROPERTY = "io.netty.leakDetection.level";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (ping, echo, publish, subscribe, send, broadcast, emit, members, chat, load, admin)");
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
        if (System.getProperty(LEAK_DETECTION_PROPERTY) == null) {
            // Netty's default samples one buffer in 128 with a stack trace: measurable CPU in a
            // load generator. The client's buffer handling is tested at PARANOID instead;
            // -Dio.netty.leakDetection.level, if given, wins.
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
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
