package io.switchboard.client.cli;

import io.switchboard.client.load.Arrivals;
import io.switchboard.client.load.LoadSettings;
import io.switchboard.client.load.PayloadSpec;
import io.switchboard.client.load.Protocol;
import io.switchboard.client.load.Values;
import io.switchboard.client.load.engine.Progress;
import io.switchboard.client.load.engine.StageException;
import io.switchboard.client.load.report.Reports;
import io.switchboard.client.load.result.RunResult;
import io.switchboard.client.load.run.LoadRun;
import io.switchboard.client.load.scenario.Checks;
import io.switchboard.client.load.scenario.Scenario;
import io.switchboard.client.load.workload.WorkloadException;
import io.switchboard.common.transport.EpollMode;
import io.switchboard.common.transport.TransportChoice;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code switchboard-client load}: generates load and measures it honestly. The flags parse into
 * a {@link LoadOptions} value ({@link #options()}), which is tested without a network; running
 * it is {@link #call()}. Exit codes: 0 ok, 1 a check failed, 2 usage error, 3 could not run.
 */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Generates load against a server and reports latency (from each request's intended "
                + "send time), throughput and errors.",
                "Exit codes: 0 ok, 1 a --check failed, 2 usage error, 3 could not run."})
public final class LoadCommand implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_CHECK_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_COULD_NOT_RUN = 3;

    @Option(names = "--protocol", paramLabel = "raw|framed|http|udp|ws|fanout|connscale", defaultValue = "raw",
            description = "Workload (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--target", paramLabel = "HOST:PORT|URL",
            description = "Where to send: host:port, or a URL for http and ws (default: the local server's port for the protocol).")
    String target;

    @Option(names = {"-c", "--connections"}, paramLabel = "N", defaultValue = "50",
            description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--pipeline", paramLabel = "N", defaultValue = "1",
            description = "Requests in flight per connection (default: ${DEFAULT-VALUE}).")
    int pipeline;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "I/O threads; 0 = one per core, at most one per connection (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rate", paramLabel = "REQ/S", defaultValue = "0",
            description = "Open loop at this rate over all connections; 0 = closed loop (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--rate-from", paramLabel = "REQ/S",
            description = "Ramp the rate linearly from this to --rate over --rate-ramp (default: no ramp).")
    Double rateFrom;

    @Option(names = "--rate-ramp", paramLabel = "DURATION",
            description = "Length of the rate ramp (default: the whole stage).")
    String rateRamp;

    @Option(names = "--arrivals", paramLabel = "constant|poisson", defaultValue = "constant",
            description = "Spacing of open-loop requests (default: ${DEFAULT-VALUE}).")
    String arrivals;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed for Poisson arrivals and payloads (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION",
            description = "Measured length, e.g. 30s (default: 10s, or unbounded with --requests).")
    String duration;

    @Option(names = {"-n", "--requests"}, paramLabel = "N", defaultValue = "0",
            description = "Measured requests to send; with --duration, whichever comes first.")
    long requests;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "0",
            description = "Uncounted time at the start (default: none).")
    String warmup;

    @Option(names = "--ramp-up", paramLabel = "DURATION", defaultValue = "0",
            description = "Open the connections evenly over this time (default: all at once).")
    String rampUp;

    @Option(names = "--payload", paramLabel = "SIZE|MIN-MAX|@FILE", defaultValue = "64",
            description = "Request payload: bytes, a range drawn per request, or a file (default: ${DEFAULT-VALUE}).")
    String payload;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "Request and connect timeout (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--transport", paramLabel = "auto|epoll|kqueue|nio", defaultValue = "auto",
            description = "I/O transport (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--epoll-mode", paramLabel = "edge|level", description = "epoll trigger mode (default: level; edge reads every socket until EAGAIN, one more recv per response).")
    String epollMode;

    @Option(names = "--source", paramLabel = "ADDRESS",
            description = "Local source address; repeat to spread connections over several (127.0.0.2, ...).")
    List<String> sources = new ArrayList<>();

    @Option(names = "--method", paramLabel = "GET|POST", defaultValue = "GET",
            description = "HTTP method; POST sends the payload (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'", description = "Extra HTTP header; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--mode", paramLabel = "echo|ping|publish", defaultValue = "echo",
            description = "Framed request kind (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "", description = "Framed auth token.")
    String token;

    @Option(names = "--room", paramLabel = "ROOM", defaultValue = "load",
            description = "Room for --mode publish (default: ${DEFAULT-VALUE}).")
    String room;

    @Mixin
    TlsOptions tls;

    @Option(names = "--opt", paramLabel = "KEY=VALUE", description = "Workload-specific setting; repeatable.")
    List<String> opts = new ArrayList<>();

    @Option(names = "--find-max-rate", description = "Search for the highest rate whose p99 stays within --p99.")
    boolean findMaxRate;

    @Option(names = "--p99", paramLabel = "DURATION", description = "Latency bound for --find-max-rate, e.g. 5ms.")
    String p99;

    @Option(names = "--scenario", paramLabel = "FILE", description = "Run the stages and checks of a YAML scenario.")
    Path scenario;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the whole result as JSON.")
    Path json;

    @Option(names = "--hdr", paramLabel = "FILE", description = "Write the HdrHistogram interval log.")
    Path hdr;

    @Option(names = "--html", paramLabel = "FILE", description = "Write a self-contained HTML report.")
    Path html;

    @Option(names = "--check", paramLabel = "EXPR",
            description = "Threshold such as 'p99 < 5ms' or 'errors == 0'; repeatable; a failed check exits 1.")
    List<String> checks = new ArrayList<>();

    @Option(names = "--min-achieved", paramLabel = "PERCENT|off",
            description = "Open loop: a stage whose achieved rate is below this share of its target fails the default "
                    + "check 'achieved >= PERCENT' (default: 90%%; off: no such check).")
    String minAchieved;

    @Option(names = {"-q", "--quiet"}, description = "No progress lines.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** What the flags ask for, checked; nothing here touches the network. */
    public record LoadOptions(
            List<LoadSettings> stages,
            List<String> checks,
            boolean findMaxRate,
            Duration p99,
            Path scenario,
            Path json,
            Path hdr,
            Path html,
            boolean quiet) {}

    /** Parses {@code args} into options; throws {@link IllegalArgumentException} for bad values. */
    public static LoadOptions parse(String... args) {
        LoadCommand command = new LoadCommand();
        new CommandLine(command).parseArgs(args);
        return command.options();
    }

    /** The options these flags describe; {@link IllegalArgumentException} names a bad value. */
    public LoadOptions options() {
        Protocol proto = Protocol.parse(protocol);
        ConnectionOptions.checkEpollMode(TransportChoice.parse(transport),
                epollMode == null ? null : EpollMode.parse(epollMode));
        LoadSettings.Builder b = LoadSettings.builder()
                .protocol(proto)
                .target(target != null ? target : defaultTarget(proto))
                .connections(connections)
                .pipeline(pipeline)
                .threads(threads)
                .rate(rate)
                .arrivals(Arrivals.parse(arrivals))
                .seed(seed)
                .requests(requests)
                .warmup(Values.duration("warmup", warmup))
                .rampUp(Values.duration("ramp-up", rampUp))
                .payload(PayloadSpec.parse(payload))
                .timeout(Values.duration("timeout", timeout))
                .transport(TransportChoice.parse(transport))
                .epollMode(epollMode == null ? null : EpollMode.parse(epollMode))
                .method(method.toUpperCase(java.util.Locale.ROOT))
                .headers(headers)
                .mode(mode)
                .token(token)
                .room(room);
        tls(b, proto, target != null ? target : defaultTarget(proto));
        if (duration != null) {
            b.duration(Values.duration("duration", duration));
        } else if (requests > 0) {
            b.duration(null);
        }
        if (rateFrom != null) {
            b.rateFrom(rateFrom);
        }
        if (rateRamp != null) {
            b.rateRamp(Values.duration("rate-ramp", rateRamp));
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String source : sources) {
            addresses.add(address(source));
        }
        b.sources(addresses);
        Map<String, String> options = new LinkedHashMap<>();
        for (String opt : opts) {
            int eq = opt.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("opt: " + opt + " (expected: KEY=VALUE)");
            }
            options.put(opt.substring(0, eq).trim(), opt.substring(eq + 1).trim());
        }
        b.options(options);
        if (minAchieved != null) {
            b.minAchieved(Values.minAchieved("min-achieved", minAchieved));
        }
        LoadSettings defaults = b.build();
        for (String check : checks) {
            Checks.validate(check);
        }
        Duration bound = null;
        if (findMaxRate) {
            if (p99 == null) {
                throw new IllegalArgumentException("--find-max-rate needs --p99 (e.g. --p99 5ms)");
            }
            if (scenario != null) {
                throw new IllegalArgumentException("--find-max-rate and --scenario cannot be combined");
            }
            bound = Values.duration("p99", p99);
        } else if (p99 != null) {
            throw new IllegalArgumentException("--p99 is the bound of --find-max-rate; use --check 'p99 < " + p99
                    + "' for a threshold");
        }
        List<LoadSettings> stages = List.of(defaults);
        List<String> allChecks = new ArrayList<>();
        if (scenario != null) {
            Scenario parsed = Scenario.parse(scenario, defaults);
            stages = parsed.stages();
            allChecks.addAll(parsed.checks());
        }
        allChecks.addAll(checks);
        return new LoadOptions(stages, List.copyOf(allChecks), findMaxRate, bound, scenario, json, hdr, html, quiet);
    }

    /** The TLS flags onto {@code b}; the same rules and messages as the other commands' flags. */
    private void tls(LoadSettings.Builder b, Protocol proto, String url) {
        tls.check(LoadSettings.impliesTls(proto, url),
                proto == Protocol.HTTP || proto == Protocol.SOCKETIO ? "an https:// target" : proto == Protocol.WS ? "a wss:// target" : null);
        if (tls.enabled && proto == Protocol.UDP) {
            throw new IllegalArgumentException("--tls: the udp workload has no TLS (DTLS is not supported)");
        }
        b.tls(tls.enabled).tlsInsecure(tls.insecure).tlsCa(tls.ca).tlsServerName(tls.serverName);
    }

    static String defaultTarget(Protocol p) {
        return switch (p) {
            case RAW -> "127.0.0.1:7001";
            case UDP -> "127.0.0.1:7002";
            case HTTP -> "http://127.0.0.1:8080/";
            case WS -> "ws://127.0.0.1:8080/ws";
            case SOCKETIO -> "http://127.0.0.1:8080/";
            default -> "127.0.0.1:7000";
        };
    }

    private static InetAddress address(String text) {
        try {
            if (!text.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                throw new UnknownHostException(text);
            }
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("source: " + text + " (expected: an IP address literal)");
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        LoadOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            err.println("load: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        return run(options, System.out, err);
    }

    /** Runs parsed options; the summary goes to {@code out}, problems to {@code err}. */
    static int run(LoadOptions options, PrintStream out, PrintWriter err) {
        Progress progress = options.quiet() ? Progress.silent() : Progress.stderr();
        RunResult result;
        try {
            result = options.findMaxRate()
                    ? LoadRun.findMaxRate(options.stages().get(0), options.p99(), options.checks(), progress)
                    : LoadRun.stages(options.stages(), options.checks(), progress);
        } catch (WorkloadException | StageException e) {
            err.println("load: " + e.getMessage());
            err.flush();
            return EXIT_COULD_NOT_RUN;
        } catch (IllegalArgumentException e) {
            err.println("load: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("load: interrupted");
            err.flush();
            return EXIT_COULD_NOT_RUN;
        }
        Reports.summary(result, out);
        out.flush();
        try {
            if (options.json() != null) {
                Reports.writeJson(result, options.json());
            }
            if (options.hdr() != null) {
                Reports.writeHdr(result, options.hdr());
            }
            if (options.html() != null) {
                Reports.writeHtml(result, options.html());
            }
        } catch (IOException e) {
            err.println("load: cannot write the report: " + e.getMessage());
            err.flush();
            return EXIT_COULD_NOT_RUN;
        }
        return result.passed() ? EXIT_OK : EXIT_CHECK_FAILED;
    }
}
