package io.switchboard.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * The Linux kernel's own view of this process's epoll registrations, read from {@code /proc}:
 * {@code /proc/self/fdinfo/<epoll fd>} lists each registered fd ({@code tfd:}) with its event
 * mask ({@code events:}), in which {@code EPOLLET} is bit 31.
 */
public final class KernelEpollView {
    /** {@code EPOLLET}. */
    public static final long EPOLLET = 1L << 31;

    private KernelEpollView() {
    }

    /**
     * The event masks with which {@code fd} is registered, one per epoll instance that watches
     * it. Empty when no epoll instance of this process watches it.
     */
    public static List<Long> eventMasks(int fd) {
        List<Long> masks = new ArrayList<>();
        for (int epollFd : epollFds()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Paths.get("/proc/self/fdinfo/" + epollFd));
            } catch (IOException e) {
                continue; // closed meanwhile
            }
            for (String line : lines) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length >= 4 && parts[0].equals("tfd:") && Integer.parseInt(parts[1]) == fd
                        && parts[2].equals("events:")) {
                    masks.add(Long.parseLong(parts[3], 16));
                }
            }
        }
        return masks;
    }

    /** The fd numbers of this process's epoll instances. */
    public static List<Integer> epollFds() {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path entry : dir) {
                try {
                    if (Files.readSymbolicLink(entry).toString().equals("anon_inode:[eventpoll]")) {
                        fds.add(Integer.parseInt(entry.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // closed between listing and reading
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /**
     * The fd of this process's TCP socket with the given local and remote ports (remote port 0
     * for a listening socket), found through the socket's inode in {@code /proc/net/tcp[6]}.
     */
    public static OptionalInt tcpSocketFd(int localPort, int remotePort) {
        String inode = null;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Paths.get(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 10 || !f[1].contains(":")) {
                        continue;
                    }
                    int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
                    int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
                    if (local == localPort && remote == remotePort && !f[9].equals("0")) {
                        inode = f[9];
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (inode == null) {
            return OptionalInt.empty();
        }
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) {
            for (Path entry : dir) {
                try {
                    if (Files.readSymbolicLink(entry).toString().equals(target)) {
                        return OptionalInt.of(Integer.parseInt(entry.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // closed between listing and reading
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return OptionalInt.empty();
    }

    /** Whether this is Linux with a readable {@code /proc/self/fdinfo}. */
    public static boolean supported() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && Files.isDirectory(Paths.get("/proc/self/fdinfo"));
    }
}
