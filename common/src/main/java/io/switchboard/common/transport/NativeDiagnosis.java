package io.switchboard.common.transport;

import java.util.Locale;

/**
 * Turns a native loader failure into one line that names the cause and, where known, the fix:
 * the classifier jar missing for this architecture, a {@code noexec} or read-only temporary
 * directory, musl libc, a glibc too old, the native transports switched off by a system property,
 * a kernel or sandbox without the system call, another operating system.
 */
final class NativeDiagnosis {
    private NativeDiagnosis() {
    }

    static String explain(Throwable cause) {
        Throwable root = cause;
        StringBuilder chain = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            root = t;
            chain.append(' ').append(t.getClass().getName()).append(": ").append(t.getMessage());
            for (Throwable s : t.getSuppressed()) {
                chain.append(' ').append(s.getClass().getName()).append(": ").append(s.getMessage());
            }
        }
        String all = chain.toString().toLowerCase(Locale.ROOT);
        String what = root.getClass().getSimpleName() + ": " + root.getMessage();
        String fix = fix(all);
        return fix == null ? what : what + " (" + fix + ")";
    }

    private static String fix(String all) {
        if (all.contains("io.netty.transport.nonative")) {
            return "native transports are switched off by -Dio.netty.transport.noNative=true; remove it";
        }
        if (all.contains("failed to map segment") || all.contains("noexec")
                || (all.contains("operation not permitted") && all.contains(".so"))) {
            return "the temporary directory the native library is unpacked to is mounted noexec; point "
                    + "-Dio.netty.native.workdir at a writable, exec-capable directory (for example the service's "
                    + "cache directory)";
        }
        if (all.contains("read-only file system") || (all.contains("permission denied") && all.contains("tmp"))) {
            return "the native library cannot be unpacked: the temporary directory is not writable; point "
                    + "-Dio.netty.native.workdir at a writable, exec-capable directory";
        }
        if (all.contains("musl") || all.contains("error relocating") || all.contains("ld-linux")
                || all.contains("symbol not found")) {
            return "Netty's native transports are built for glibc and this looks like musl libc (Alpine?); use a "
                    + "glibc-based image (Debian, Ubuntu, eclipse-temurin) or --transport nio";
        }
        if (all.contains("glibc_") && all.contains("not found")) {
            return "the C library is older than the native transport needs; use a newer glibc-based image or "
                    + "--transport nio";
        }
        if (all.contains("function not implemented") || all.contains("enosys")) {
            return "the kernel or a sandbox (seccomp, gVisor) refuses the system calls epoll needs; allow them "
                    + "or use --transport nio";
        }
        if (all.contains("only supported on")) {
            return "not this operating system; use --transport auto or nio";
        }
        if (all.contains("no netty_transport_native") || all.contains("could not find")
                || all.contains("could not load a native library") || all.contains("noclassdeffounderror")
                || all.contains("classnotfoundexception") || all.contains("unsatisfiedlinkerror")) {
            return missingJar();
        }
        return null;
    }

    /** Which classifier jar this machine needs. */
    private static String missingJar() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String classifierArch = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch_64";
            case "riscv64" -> "riscv64";
            default -> null;
        };
        String family = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : null;
        if (classifierArch == null || family == null) {
            return "Netty ships no native transport for " + os + "/" + arch + "; use --transport nio";
        }
        String artifact = family.equals("linux") ? "netty-transport-native-epoll" : "netty-transport-native-kqueue";
        return "the native jar for this machine is missing from the class path: add " + artifact + " with classifier "
                + family + "-" + classifierArch;
    }
}
