package io.switchboard.client.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The TLS flags of every command that connects (a mixin of {@link ConnectionOptions} and of
 * {@code load}): the same names, descriptions and rules everywhere.
 */
final class TlsOptions {
    @Option(names = "--tls", description = "Connect with TLS 1.3 or 1.2, verifying the server's certificate "
            + "and its name (the host connected to, or --tls-server-name).")
    boolean enabled;

    @Option(names = "--ca", paramLabel = "FILE",
            description = "With --tls: trust the PEM CA certificate(s) in FILE instead of the system trust store.")
    Path ca;

    @Option(names = "--insecure",
            description = "With --tls: trust any certificate and skip the name check (tests with a generated certificate).")
    boolean insecure;

    @Option(names = "--tls-server-name", paramLabel = "NAME",
            description = "With --tls: the name to send (SNI) and verify instead of the host connected to.")
    String serverName;

    /**
     * Checks the combination of the flags.
     *
     * @param implied   the target asks for TLS by itself (an {@code https://} URL, say)
     * @param impliedBy what else could have turned TLS on, for the message (e.g. "an https://
     *                  target"), or null when only --tls can
     * @throws IllegalArgumentException naming the flag
     */
    void check(boolean implied, String impliedBy) {
        if (!enabled && !implied && (ca != null || insecure || serverName != null)) {
            throw new IllegalArgumentException((ca != null ? "--ca" : insecure ? "--insecure" : "--tls-server-name")
                    + " needs --tls" + (impliedBy == null ? "" : " or " + impliedBy));
        }
        if (insecure && ca != null) {
            throw new IllegalArgumentException("--insecure and --ca are mutually exclusive");
        }
        if (ca != null && !Files.isReadable(ca)) {
            throw new IllegalArgumentException("--ca: " + ca + " (expected: a readable PEM file)");
        }
    }
}
