package io.switchboard.server.launch;

import io.netty.util.ResourceLeakDetector;
import io.switchboard.common.Version;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.config.ConfigException;
import io.switchboard.server.config.ConfigFlags;
import io.switchboard.server.config.ConfigKeys;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.ConfigPrinter;
import io.switchboard.server.config.LogSetup;
import io.switchboard.server.config.Suggestions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * {@code switchboard-server}: reads the configuration (flags, {@code SWITCHBOARD_*} environment
 * variables, the YAML file of {@code --config}; see {@code docs/configuration.md}), sets up logging
 * and runs the server. Every configuration flag comes from {@link ConfigKeys}; this class adds
 * only {@code --config}, {@code --print-config}, {@code -h} and {@code -V}.
 *
 * <p>Exit codes: 0 after a clean stop (or help, version, {@code --print-config}), 1 when the
 * server cannot start (transport unavailable, port in use), 2 for a bad command line or
 * configuration, reported as one line on standard error.
 */
@Command(name = "switchboard-server", mixinStandardHelpOptions = true, versionProvider = ServerMain.VersionProvider.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Runs the Switchboard server: framed protocol (rooms, events, acks), raw TCP and UDP echo, "
                + "and HTTP listeners.",
                "Every option is also a key of the YAML file and a SWITCHBOARD_* environment variable "
                + "(shown after each default); flag > environment > file > default."})
public final class ServerMain {
    static final String NAME = "switchboard-server";

    @Option(names = "--config", paramLabel = "FILE", order = -2,
            description = "YAML configuration file (or " + ConfigLoader.CONFIG_ENV + "=FILE); "
                    + "environment variables and flags override its values.")
    Path configFile;

    @Option(names = "--print-config", order = -1,
            description = "Print the effective configuration as YAML (secrets redacted) and exit; "
                    + "the output is a valid --config file.")
    boolean printConfig;

    /** What the command line asked for: a configuration, and whether to print it or run it. */
    static final class Invocation {
        final ServerConfig config;
        final boolean printConfig;
        final boolean helpOrVersion;

        Invocation(ServerConfig config, boolean printConfig, boolean helpOrVersion) {
            this.config = config;
            this.printConfig = printConfig;
            this.helpOrVersion = helpOrVersion;
        }
    }

    /** The command line with the annotated options and one option per configuration key. */
    static CommandLine commandLine(ServerMain main) {
        CommandLine cli = new CommandLine(main);
        ConfigFlags.addTo(cli.getCommandSpec(), ConfigKeys.all());
        cli.getCommandSpec().usageMessage().abbreviateSynopsis(true);
        return cli;
    }

    /**
     * Parses the command line and reads the environment and the config file into a configuration,
     * without starting anything.
     *
     * @throws ConfigException for a bad command line or configuration, with a one-line message
     */
    static Invocation parse(CommandLine cli, Map<String, String> environment, String... args) {
        ServerMain main = cli.getCommand();
        ParseResult parsed;
        try {
            parsed = cli.parseArgs(args);
        } catch (CommandLine.UnmatchedArgumentException e) {
            List<String> names = new ArrayList<>();
            cli.getCommandSpec().options().forEach(o -> names.addAll(List.of(o.names())));
            String first = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
            String option = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            throw new ConfigException((option.startsWith("-") ? "unknown option " : "unexpected argument ") + first
                    + Suggestions.didYouMean(option, names) + " (see --help)");
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException(e.getMessage().replace('\n', ' ') + " (see --help)");
        }
        if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
            return new Invocation(null, false, true);
        }
        ConfigLoader loader = new ConfigLoader();
        Path file = main.configFile;
        if (file == null) {
            String fromEnv = environment.get(ConfigLoader.CONFIG_ENV);
            if (fromEnv != null && !fromEnv.isBlank()) {
                file = Path.of(fromEnv.trim());
            }
        }
        if (file != null) {
            loader.file(file);
        }
        ServerConfig config = loader.environment(environment)
                .flags(ConfigFlags.values(parsed, ConfigKeys.all()))
                .load();
        return new Invocation(config, main.printConfig, false);
    }

    /** Parses flags only (no environment, no file unless {@code --config}): for tests. */
    static ServerConfig parse(String... args) {
        return parse(commandLine(new ServerMain()), Map.of(), args).config;
    }

    /**
     * Runs the command: prints help, the version or the configuration, or runs the server until
     * the JVM is asked to stop.
     *
     * @return the exit code
     */
    static int run(Map<String, String> environment, PrintStream out, PrintStream err, String... args) {
        CommandLine cli = commandLine(new ServerMain());
        Invocation invocation;
        try {
            invocation = parse(cli, environment, args);
        } catch (ConfigException e) {
            err.println(NAME + ": " + e.getMessage());
            return 2;
        }
        if (invocation.helpOrVersion) {
            if (cli.isUsageHelpRequested()) {
                cli.usage(out);
            } else {
                cli.printVersionHelp(out);
            }
            return 0;
        }
        if (invocation.printConfig) {
            out.print(ConfigPrinter.print(invocation.config));
            out.flush();
            return 0;
        }
        return serve(invocation.config);
    }

    /** Sets up logging and leak detection, starts the server and waits for the JVM to be stopped. */
    private static int serve(ServerConfig config) {
        LogSetup.apply(config); // before the first logger, so the first line is in the chosen format
        Logger log = LogManager.getLogger(ServerMain.class);
        applyLeakDetection(config);
        log.info("switchboard {} starting (leak detection {}, log format {})", Version.get(),
                ResourceLeakDetector.getLevel().name().toLowerCase(Locale.ROOT), config.logFormat().id());
        Server server;
        try {
            server = Server.start(config);
        } catch (ServerStartException e) {
            log.error("cannot start: {}", e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT run the hooks: drain (readiness false, clients told), then stop.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down (drain timeout {} ms)", config.drainTimeout().toMillis());
            server.shutdownGracefully(config.drainTimeout());
            stopped.countDown();
            LogManager.shutdown();
        }, "switchboard-shutdown"));
        log.info("switchboard {} ready", Version.get());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Netty's leak detection: {@code -Dio.netty.leakDetection.level} if given, else the configured level. */
    static void applyLeakDetection(ServerConfig config) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            ResourceLeakDetector.setLevel(config.leakDetection());
        }
    }

    public static void main(String[] args) {
        int code = run(System.getenv(), System.out, System.err, args);
        if (code != 0) {
            LogManager.shutdown();
            System.exit(code);
        }
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {NAME + " " + Version.get()};
        }
    }
}
