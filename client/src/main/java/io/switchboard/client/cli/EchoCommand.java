package io.switchboard.client.cli;

import io.switchboard.client.ClientOptions;
import io.switchboard.client.SwitchboardClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code switchboard-client echo TEXT}: sends TEXT as ECHO frames (or, with {@code --raw}, as raw
 * bytes to the echo listener, or with {@code --udp}, as one datagram to the UDP echo listener) and
 * prints what comes back with the round-trip time.
 */
@Command(name = "echo", mixinStandardHelpOptions = true,
        description = "Sends TEXT to be echoed and prints the reply with its round-trip time.")
final class EchoCommand implements Callable<Integer> {
    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "TEXT", description = "The text to send (UTF-8).")
    String text;

    @Option(names = "--raw", description = "Use the raw TCP echo listener instead of the framed protocol.")
    boolean raw;

    @Option(names = "--udp", description = "Send TEXT as a datagram to the UDP echo listener (default port 7002).")
    boolean udp;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Echoes to send (default: ${DEFAULT-VALUE}).")
    int count;

    @Spec
    CommandSpec spec;

    int port() {
        return connection.port != null ? connection.port : udp ? 7002 : raw ? 7001 : 7000;
    }

    ClientOptions options() {
        return connection.builder(port(), "switchboard-client")
                .build();
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (raw && udp) {
            throw new ParameterException(spec.commandLine(), "--raw and --udp are mutually exclusive");
        }
        if ((raw || udp) && connection.tls.enabled) {
            throw new ParameterException(spec.commandLine(), "--tls is for the framed protocol: the "
                    + (raw ? "raw" : "UDP") + " echo listener speaks plaintext");
        }
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
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (udp && (payload.length == 0 || payload.length > UdpEchoConnection.MAX_DATAGRAM)) {
            err.println("TEXT: " + payload.length + " bytes (expected: 1 to " + UdpEchoConnection.MAX_DATAGRAM
                    + " with --udp)");
            return 2;
        }
        try {
            if (udp) {
                try (UdpEchoConnection connection = UdpEchoConnection.open(options)) {
                    for (int seq = 1; seq <= count; seq++) {
                        long start = System.nanoTime();
                        byte[] back;
                        try {
                            back = connection.echo(payload);
                        } catch (TimeoutException e) {
                            err.println("udp echo failed: seq=" + seq + " to " + options.host() + ":" + options.port()
                                    + ": " + e.getMessage());
                            return 1;
                        }
                        print(out, "udp echo", options, seq, back, System.nanoTime() - start);
                        if (!Arrays.equals(back, payload)) {
                            err.println("echo mismatch: sent " + payload.length + " bytes, got " + back.length
                                    + " different bytes back");
                            return 1;
                        }
                    }
                }
            } else if (raw) {
                try (RawEchoConnection connection = RawEchoConnection.open(options)) {
                    for (int seq = 1; seq <= count; seq++) {
                        long start = System.nanoTime();
                        byte[] back = connection.echo(payload);
                        print(out, "raw echo", options, seq, back, System.nanoTime() - start);
                        if (!Arrays.equals(back, payload)) {
                            err.println("echo mismatch: sent " + payload.length + " bytes, got different bytes back");
                            return 1;
                        }
                    }
                }
            } else {
                try (SwitchboardClient client = SwitchboardClient.connect(options).join()) {
                    for (int seq = 1; seq <= count; seq++) {
                        long start = System.nanoTime();
                        byte[] back = client.echo(payload).join();
                        print(out, "ECHO_REPLY", options, seq, back, System.nanoTime() - start);
                    }
                }
            }
            return 0;
        } catch (Exception e) {
            err.println("echo failed: " + Failures.describe(e));
            return 1;
        }
    }

    private static void print(PrintWriter out, String what, ClientOptions options, int seq, byte[] back, long nanos) {
        out.printf(Locale.ROOT, "%s from %s:%d seq=%d bytes=%d time=%.3f ms: %s%n", what, options.host(), options.port(),
                seq, back.length, nanos / 1e6, new String(back, StandardCharsets.UTF_8));
        out.flush();
    }
}
