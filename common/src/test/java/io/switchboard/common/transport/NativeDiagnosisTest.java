package io.switchboard.common.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each native-loading failure we know of, as Netty and the JVM report it, gets its cause and fix. */
class NativeDiagnosisTest {
    private static String explain(Throwable t) {
        return NativeDiagnosis.explain(t);
    }

    @Test
    void noexecTemporaryDirectory() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("/tmp/libnetty_transport_native_epoll_x86_6412345.so: "
                + "/tmp/libnetty_transport_native_epoll_x86_6412345.so: failed to map segment from shared object");
        String line = explain(new IllegalStateException("failed to load the required native library", e));
        assertTrue(line.startsWith("UnsatisfiedLinkError: /tmp/libnetty"), line);
        assertTrue(line.contains("mounted noexec; point -Dio.netty.native.workdir at a writable, exec-capable directory"),
                line);
    }

    @Test
    void readOnlyTemporaryDirectory() {
        String line = explain(new UnsatisfiedLinkError("could not load a native library: netty_transport_native_epoll_x86_64")
                .initCause(new java.io.IOException("Read-only file system")));
        assertTrue(line.contains("temporary directory is not writable"), line);
    }

    @Test
    void muslLibc() {
        String line = explain(new UnsatisfiedLinkError("/tmp/libnetty_transport_native_epoll_x86_64.so: Error loading "
                + "shared library ld-linux-x86-64.so.2: No such file or directory"));
        assertTrue(line.contains("musl libc"), line);
        assertTrue(line.contains("glibc-based image"), line);
        assertTrue(explain(new UnsatisfiedLinkError("Error relocating /tmp/x.so: __strdup: symbol not found"))
                .contains("musl libc"));
    }

    @Test
    void glibcTooOld() {
        String line = explain(new UnsatisfiedLinkError("/tmp/libnetty.so: /lib64/libc.so.6: version `GLIBC_2.34' not found"));
        assertTrue(line.contains("older than the native transport needs"), line);
    }

    @Test
    void missingClassifierJarNamesTheOneThisMachineNeeds() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("could not load a native library: netty_transport_native_epoll_x86_64");
        e.addSuppressed(new UnsatisfiedLinkError("no netty_transport_native_epoll_x86_64 in java.library.path"));
        String line = explain(e);
        String arch = System.getProperty("os.arch");
        if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && (arch.equals("amd64") || arch.equals("x86_64"))) {
            assertTrue(line.endsWith("(the native jar for this machine is missing from the class path: add "
                    + "netty-transport-native-epoll with classifier linux-x86_64)"), line);
        } else {
            assertTrue(line.contains("classifier") || line.contains("no native transport"), line);
        }
    }

    @Test
    void switchedOffByProperty() {
        String line = explain(new UnsupportedOperationException(
                "Native transport was explicitly disabled with -Dio.netty.transport.noNative=true"));
        assertTrue(line.contains("remove it"), line);
    }

    @Test
    void sandboxWithoutTheSystemCalls() {
        String line = explain(new RuntimeException("epoll_create1() failed: Function not implemented"));
        assertTrue(line.contains("seccomp"), line);
    }

    @Test
    void otherOperatingSystem() {
        String line = explain(new UnsupportedOperationException("Native transport is only supported on Linux"));
        assertTrue(line.contains("not this operating system"), line);
    }

    @Test
    void unknownCauseIsReportedAsIs() {
        assertEquals("IllegalStateException: something new", explain(new IllegalStateException("something new")));
    }
}
