package io.switchboard.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.reload.FileWatcher;
import io.switchboard.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin token file: names, comments, refusals, and a reload that keeps the tokens when the new file is bad. */
class AdminTokensTest {
    @TempDir
    Path dir;

    @Test
    void namesCommentsAndRefusals() throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# operators\n\nalice  token-of-alice-0123456\n  token-without-name-0123  \n");
        try (FileWatcher watcher = new FileWatcher()) {
            AdminTokens tokens = AdminTokens.start(file, t -> false, Duration.ZERO, watcher);
            assertEquals(2, tokens.size());
            assertEquals("alice", tokens.identify("token-of-alice-0123456"));
            assertEquals("token#4", tokens.identify("token-without-name-0123"));
            assertNull(tokens.identify("token-of-alice-012345"));
            assertNull(tokens.identify(""));
            assertNull(tokens.identify(null));
            assertNull(tokens.identify("alice"));
        }
        for (String bad : new String[] {"", "# only a comment\n", "a b c\n", "tiny\n"}) {
            Files.writeString(file, bad);
            try (FileWatcher watcher = new FileWatcher()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> AdminTokens.start(file, t -> false, Duration.ZERO, watcher));
                assertTrue(e.getMessage().startsWith("admin.token-file: " + file), e.getMessage());
                assertTrue(!e.getMessage().contains("tiny"), "a token never appears in a message: " + e.getMessage());
            }
        }
        Files.writeString(file, "shared-with-clients-0123\n");
        try (FileWatcher watcher = new FileWatcher()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminTokens.start(file,
                    "shared-with-clients-0123"::equals, Duration.ZERO, watcher));
            assertTrue(e.getMessage().endsWith("line 1: the token is also a client token (auth.token or auth.token-file); "
                    + "the admin API needs its own"), e.getMessage());
        }
    }

    @Test
    void aReloadReplacesTheTokensAndABadFileKeepsThem() throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "ops first-token-0123456789\n");
        try (FileWatcher watcher = new FileWatcher()) {
            AdminTokens tokens = AdminTokens.start(file, "client-token-0123456789"::equals, Duration.ofMillis(100), watcher);
            Files.writeString(file, "ops second-token-0123456789\n");
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
            Await.until(() -> "reloaded", Await.TIMEOUT, () -> "ops".equals(tokens.identify("second-token-0123456789")));
            assertNull(tokens.identify("first-token-0123456789"));
            Files.writeString(file, "ops client-token-0123456789\n");
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 4000));
            Thread.sleep(600);
            assertEquals("ops", tokens.identify("second-token-0123456789"), "a file with a client token is not used");
            assertNull(tokens.identify("client-token-0123456789"));
        }
    }
}
