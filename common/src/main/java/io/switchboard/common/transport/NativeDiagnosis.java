package io.switchboard.common.transport;

import java.util.Locale;

/** Turns a native loader failure into one line that names the cause and, where known, the fix. */
final class NativeDiagnosis {
    private NativeDiagnosis() {
    }

    static String explain(Throwable cause) {
        Throwable root = cause;
        StringBuilder chain = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            root = t;
            chain.append(' ').append(t.getMessage());
        }
        String all = chain.toString().toLowerCase(Locale.ROOT);
        String what = root.getClass().getSimpleName() + ": " + root.getMessage();
        if (all.contains("failed to map segment") || all.contains("operation not permitted")
                || all.contains("noexec")) {
            return what + " (the temporary directory is probably mounted noexec; point "
                    + "-Dio.netty.native.workdir at a writable, exec-capable directory)";
        }
        if (all.contains("musl") || all.contains("ld-linux") || all.contains("glibc")) {
            return what + " (Netty's native transports need glibc; use a glibc-based image or --transport nio)";
        }
        if (all.contains("only supported on") || all.contains("unsupported")) {
            return what + " (not this operating system; use --transport auto or nio)";
        }
        if (all.contains("no netty_transport_native") || all.contains("could not find")
                || all.contains("unsatisfiedlink")) {
            return what + " (the native jar for " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " is missing from the class path)";
        }
        return what;
    }
}
