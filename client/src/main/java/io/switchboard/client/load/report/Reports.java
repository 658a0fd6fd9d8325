package io.switchboard.client.load.report;

import io.switchboard.client.load.result.RunResult;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything a finished run is turned into: the terminal summary, and the {@code --json},
 * {@code --hdr} and {@code --html} files. Each file is written next to its target and moved into
 * place, so a reader (a CI job, a browser reloading the page) never sees half a report.
 */
public final class Reports {
    private Reports() {}

    /** The human summary: settings, throughput, latency table, errors, the tool's health, checks. */
    public static void summary(RunResult run, PrintStream out) {
        new TerminalSummary(out).print(run);
        out.flush();
    }

    /** The whole result as JSON; the keys are listed in docs/load-testing.md. */
    public static void writeJson(RunResult run, Path file) throws IOException {
        write(file, out -> JsonReport.write(run, out));
    }

    /** The latency intervals as an HdrHistogram log, tagged with stage names. */
    public static void writeHdr(RunResult run, Path file) throws IOException {
        write(file, out -> {
            PrintStream ps = new PrintStream(out, false, StandardCharsets.UTF_8);
            HdrLog.write(run, ps);
            if (ps.checkError()) {
                throw new IOException("writing " + file + " failed");
            }
        });
    }

    /** One self-contained HTML page: charts (inline SVG), tables and checks; no external resources. */
    public static void writeHtml(RunResult run, Path file) throws IOException {
        String html = HtmlReport.render(run);
        write(file, out -> out.write(html.getBytes(StandardCharsets.UTF_8)));
    }

    private interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private static void write(Path file, Body body) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        // not createTempFile: that makes the file private (0600); a report keeps the umask's mode
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE))) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
