package io.switchboard.server.reload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Change detection: in-place rewrites, atomic renames, deletion and return; one reload per change. */
@Timeout(30)
class FileWatcherTest {
    private static final Duration INTERVAL = Duration.ofMillis(100);

    @TempDir
    Path dir;

    @Test
    void reloadsOncePerChangeWhateverWayTheFileIsReplaced() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "one");
        Path b = Files.writeString(dir.resolve("b"), "one");
        BlockingQueue<String> reloads = new LinkedBlockingQueue<>();
        try (FileWatcher watcher = new FileWatcher()) {
            watcher.watch("test files", List.of(a, b), FileWatcher.snapshot(List.of(a, b)), INTERVAL,
                    () -> reloads.add(Files.readString(a) + "/" + Files.readString(b)));
            assertEquals(null, reloads.poll(5 * INTERVAL.toMillis(), TimeUnit.MILLISECONDS), "nothing changed yet");

            Files.writeString(a, "two, longer"); // in place
            assertEquals("two, longer/one", reloads.poll(10, TimeUnit.SECONDS));

            Path temp = Files.writeString(dir.resolve("b.tmp"), "three");
            Files.move(temp, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING); // rename
            assertEquals("two, longer/three", reloads.poll(10, TimeUnit.SECONDS));
            assertEquals(null, reloads.poll(5 * INTERVAL.toMillis(), TimeUnit.MILLISECONDS), "one reload per change");
        }
    }

    @Test
    void aFailedReloadIsNotRetriedUntilTheFilesChangeAgain() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "good");
        BlockingQueue<String> attempts = new LinkedBlockingQueue<>();
        try (FileWatcher watcher = new FileWatcher()) {
            watcher.watch("test file", List.of(a), FileWatcher.snapshot(List.of(a)), INTERVAL, () -> {
                String content = Files.readString(a);
                attempts.add(content);
                if (content.startsWith("bad")) {
                    throw new IllegalArgumentException("test file: bad content");
                }
            });
            Files.writeString(a, "bad one");
            assertEquals("bad one", attempts.poll(10, TimeUnit.SECONDS));
            assertEquals(null, attempts.poll(5 * INTERVAL.toMillis(), TimeUnit.MILLISECONDS), "not retried");
            Files.delete(a);
            assertEquals(null, attempts.poll(3 * INTERVAL.toMillis(), TimeUnit.MILLISECONDS), "a missing file is not loaded");
            Files.writeString(a, "good again");
            assertEquals("good again", attempts.poll(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void zeroIntervalWatchesNothingAndCloseStopsPolling() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "one");
        BlockingQueue<String> reloads = new LinkedBlockingQueue<>();
        FileWatcher watcher = new FileWatcher();
        watcher.watch("off", List.of(a), FileWatcher.snapshot(List.of(a)), Duration.ZERO, () -> reloads.add("off"));
        watcher.watch("on", List.of(a), FileWatcher.snapshot(List.of(a)), INTERVAL, () -> reloads.add("on"));
        watcher.close();
        Files.writeString(a, "changed");
        assertEquals(null, reloads.poll(5 * INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
        assertTrue(reloads.isEmpty());
    }
}
