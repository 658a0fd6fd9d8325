package io.switchboard.server.reload;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Reloads things made from files when the files change: the TLS certificate and key, the auth
 * token file. One daemon thread polls every watched group of files on its own interval (never an
 * event loop: loading a certificate is file I/O and crypto).
 *
 * <p>A group's files are compared by modification time, size and file key (inode), following
 * symbolic links, so an in-place rewrite, an atomic rename and a swapped symlink (Kubernetes
 * secret volumes) are all seen. A change is acted on once the files look the same on two polls in
 * a row, so that a certificate and key replaced one after the other, or a file still being
 * written, are not loaded half-way. A reload that fails is logged once (at ERROR) and leaves the
 * current value in use; it is not retried until the files change again.
 */
public final class FileWatcher implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(FileWatcher.class);

    /** Loads and installs the new value; throws to keep the current one. */
    @FunctionalInterface
    public interface Reload {
        void reload() throws Exception;
    }

    private ScheduledExecutorService timer;
    private boolean closed;

    /**
     * The current state of {@code files}, to pass to {@link #watch} when the files are loaded for
     * the first time: taken before that load, so that a change racing it is seen by the next poll.
     */
    public static Snapshot snapshot(List<Path> files) {
        List<Object> stamps = new ArrayList<>(files.size());
        for (Path file : files) {
            stamps.add(stamp(file));
        }
        return new Snapshot(stamps);
    }

    /**
     * Polls {@code files} every {@code interval} and calls {@code reload} after they changed from
     * {@code loaded}. A zero interval watches nothing.
     *
     * @param what names the files in log lines, for example {@code "TLS certificate"}
     */
    public synchronized void watch(String what, List<Path> files, Snapshot loaded, Duration interval, Reload reload) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(reload, "reload");
        if (interval.isZero()) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("file watcher is closed");
        }
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("switchboard-reload", true));
        }
        Watch watch = new Watch(what, List.copyOf(files), loaded, reload);
        long millis = interval.toMillis();
        timer.scheduleWithFixedDelay(watch::poll, millis, millis, TimeUnit.MILLISECONDS);
        log.debug("watching {} ({}) every {} ms", what, files, millis);
    }

    /** Stops polling. A reload in progress finishes. */
    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.shutdown();
        }
    }

    /** What a group of files looked like at one time. */
    public static final class Snapshot {
        private final List<Object> stamps;

        private Snapshot(List<Object> stamps) {
            this.stamps = stamps;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Snapshot && ((Snapshot) o).stamps.equals(stamps);
        }

        @Override
        public int hashCode() {
            return stamps.hashCode();
        }
    }

    private record Stamp(FileTime modified, long size, Object fileKey) {
    }

    /** A file that cannot be read: compared by the reason only, so a file that stays missing is no change. */
    private record Unreadable(String reason) {
    }

    private static Object stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
        } catch (NoSuchFileException e) {
            return new Unreadable("missing");
        } catch (IOException | SecurityException e) {
            return new Unreadable(e.getClass().getSimpleName());
        }
    }

    /** One group of files; polled on the timer thread only. */
    private static final class Watch {
        private final String what;
        private final List<Path> files;
        private final Reload reload;
        private Snapshot loaded;
        private Snapshot previous;

        Watch(String what, List<Path> files, Snapshot loaded, Reload reload) {
            this.what = what;
            this.files = files;
            this.reload = reload;
            this.loaded = loaded;
            this.previous = loaded;
        }

        void poll() {
            try {
                Snapshot now = snapshot(files);
                if (now.equals(loaded)) {
                    previous = now;
                    return;
                }
                if (!now.equals(previous)) {
                    previous = now; // changing: wait until it holds still for one interval
                    return;
                }
                loaded = now;
                reload.reload();
            } catch (Exception e) {
                // One line: the messages name the file and what is wrong with it, never its content.
                log.error("{}: reload failed, still using the previous one: {}", what, e.getMessage());
            } catch (Error e) {
                log.error("{}: reload failed, still using the previous one", what, e);
            }
        }
    }
}
