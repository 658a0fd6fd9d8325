package io.switchboard.client.load.engine;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The one-line-per-second progress report on stderr: elapsed time, completed rate, p99 of the
 * last interval, errors and open connections. On a terminal the line rewrites itself
 * ({@code \r}); otherwise (a pipe, a CI log, TERM=dumb) each second is its own line.
 */
public final class Progress {
    private final PrintStream out;
    private final boolean tty;
    private boolean pending;

    public Progress(PrintStream out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    /** Progress to stderr, self-updating when stderr is likely a terminal. */
    public static Progress stderr() {
        String term = System.getenv("TERM");
        boolean tty = System.console() != null && term != null && !term.equals("dumb");
        return new Progress(System.err, tty);
    }

    /** A progress that prints nothing. */
    public static Progress silent() {
        return new Progress(null, false);
    }

    void interval(String stage, double elapsedSeconds, boolean warmup, double rate, long p99Micros, long errors,
                  int connections) {
        if (out == null) {
            return;
        }
        String line = String.format(Locale.ROOT, "[%s] %6.1fs%s %10.0f req/s  p99 %9s  errors %d  conns %d",
                stage, elapsedSeconds, warmup ? " warm-up" : "", rate, formatMicros(p99Micros), errors, connections);
        if (tty) {
            out.print("\r\033[K" + line);
            pending = true;
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Ends the self-updating line, if any. */
    void end() {
        if (out != null && pending) {
            out.println();
            out.flush();
            pending = false;
        }
    }

    /** 850us, 1.23ms, 2.5s. */
    public static String formatMicros(long micros) {
        if (micros < 1000) {
            return micros + "us";
        }
        if (micros < 1_000_000) {
            return String.format(Locale.ROOT, "%.2fms", micros / 1000.0);
        }
        return String.format(Locale.ROOT, "%.2fs", micros / 1e6);
    }
}
