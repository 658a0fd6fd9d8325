package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code switchboard-client ping}: PING the framed listener and print each round trip. */
@Command(name = "ping", mixinStandardHelpOptions = true, description = "Sends PING frames and prints each round trip.")
final class PingCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Pings to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--interval", paramLabel = "MILLIS", defaultValue = "0",
            description = "Pause between pings in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Spec
    CommandSpec spec;

    ClientOptions options() {
        return connection.builder(7000, "switchboard-client")
                .build();
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (count < 1) {
            err.println("--count: " + count + " (expected: 1 or more)");
            return 2;
        }
        ClientOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return 2;
        }
        try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
            for (int seq = 1; seq <= count; seq++) {
                Duration rtt = client.ping().join();
                out.printf(Locale.ROOT, "PONG from %s:%d seq=%d time=%.3f ms%n", options.host(), options.port(), seq,
                        rtt.toNanos() / 1e6);
                out.flush();
                if (intervalMillis > 0 && seq < count) {
                    Thread.sleep(intervalMillis);
                }
            }
            return 0;
        } catch (RuntimeException e) {
            err.println("ping failed: " + Failures.describe(e));
            return 1;
        }
    }
}
