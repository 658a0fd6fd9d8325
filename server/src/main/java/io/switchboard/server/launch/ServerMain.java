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
import java.util.function.Consumer;
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
        return parse(cli, environment, Map.of(), args);
    }

    /** As above, with an embedding application's defaults by key path under the file, environment and flags. */
    static Invocation parse(CommandLine cli, Map<String, String> environment, Map<String, String> defaults,
            String... args) {
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
        if (!defaults.isEmpty()) {
            loader.defaults(defaults, "defaults of " + cli.getCommandSpec().name() + " (application)");
        }
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
        return run(NAME, environment, Map.of(), server -> { }, out, err, args);
    }

    /**
     * For an application that embeds the server: the configuration its command line gives, read
     * exactly as {@code switchboard-server} reads it: the flags of {@code args} (every key's flag,
     * and {@code --config FILE}), the {@code SWITCHBOARD_*} variables of {@code environment}, the
     * YAML file of {@code --config} or {@code SWITCHBOARD_CONFIG}, then the application's
     * {@code defaults} by key path ({@code "http.static-root" -> "web"}), in that precedence.
     *
     * @throws ConfigException for a bad command line or configuration (one line), and when
     *     {@code args} ask for {@code --help}, {@code --version} or {@code --print-config}, which
     *     only {@link #run(String, Map, Consumer, String...)} answers
     */
    public static ServerConfig config(Map<String, String> environment, Map<String, String> defaults, String... args) {
        Invocation invocation = parse(commandLine(new ServerMain()), environment, defaults, args);
        if (invocation.helpOrVersion || invocation.printConfig) {
            throw new ConfigException("--help, --version and --print-config are answered by ServerMain.run");
        }
        return invocation.config;
    }

    /**
     * Runs an application that embeds the server the way {@code switchboard-server} runs: the
     * same flags, environment variables and {@code --config} file (see
     * {@link #config(Map, Map, String...)}), {@code --help}, {@code --version},
     * {@code --print-config}, logging, leak detection, and a graceful stop on SIGTERM or SIGINT.
     * {@code setup} is called with the started server, before it is reported ready: register
     * Socket.IO namespaces and handlers there ({@code server.socketIo()}).
     *
     * @param name the command's name, shown in its help and its error messages
     * @param defaults the application's defaults by key path, under every other source
     * @return the exit code: 0 after a clean stop, 1 when the server cannot start, 2 for a bad
     *     command line or configuration
     */
    public static int run(String name, Map<String, String> defaults, Consumer<Server> setup, String... args) {
        return run(name, System.getenv(), defaults, setup, System.out, System.err, args);
    }

    static int run(String name, Map<String, String> environment, Map<String, String> defaults, Consumer<Server> setup,
            PrintStream out, PrintStream err, String... args) {
        CommandLine cli = commandLine(new ServerMain());
        cli.getCommandSpec().name(name);
        Invocation invocation;
        try {
            invocation = parse(cli, environment, defaults, args);
        } catch (ConfigException e) {
            err.println(name + ": " + e.getMessage());
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
        return serve(name, invocation.config, setup);
    }

    /** Sets up logging and leak detection, starts the server and waits for the JVM to be stopped. */
    private static int serve(String name, ServerConfig config, Consumer<Server> setup) {
        LogSetup.apply(config); // before the first logger, so the first line is in the chosen format
        Logger log = LogManager.getLogger(ServerMain.class);
        String shown = NAME.equals(name) ? "switchboard" : name;
        applyLeakDetection(config);
        log.info("{} {} starting (leak detection {}, log format {})", shown, Version.get(),
                ResourceLeakDetector.getLevel().name().toLowerCase(Locale.ROOT), config.logFormat().id());
        Server server;
        try {
            server = Server.start(config);
        } catch (ServerStartException e) {
            log.error("cannot start: {}", e.getMessage());
            return 1;
        }
        try {
            setup.accept(server);
        } catch (RuntimeException e) {
            log.error("cannot start: the application's setup failed", e);
            server.close();
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
        log.info("{} {} ready", shown, Version.get());
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
