package io.switchboard.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.server.ServerConfig;
import io.switchboard.server.reload.FileWatcher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The accepted tokens: the fixed one, the file's, the file format and its errors. */
@Timeout(30)
class AuthTokensTest {
    @TempDir
    Path dir;

    @Test
    void noTokenMeansNoneRequired() {
        assertFalse(AuthTokens.none().required());
        assertSame(AuthTokens.none(), AuthTokens.of(""));
        assertFalse(AuthTokens.none().accepts(""));
        assertFalse(AuthTokens.none().accepts("anything"));
    }

    @Test
    void fixedTokenIsComparedExactly() {
        AuthTokens tokens = AuthTokens.of("s3cret");
        assertTrue(tokens.required());
        assertTrue(tokens.accepts("s3cret"));
        assertFalse(tokens.accepts(""));
        assertFalse(tokens.accepts("s3cre"));
        assertFalse(tokens.accepts("s3cret "));
        assertFalse(tokens.accepts("S3CRET"));
        assertFalse(tokens.accepts("s3crets3cret"));
    }

    @Test
    void tokenFileWithCommentsBlankLinesAndCrlf() throws Exception {
        Path file = Files.writeString(dir.resolve("tokens"),
                "\uFEFF# ops team\r\n  alpha-1  \r\n\r\n#beta-2 is revoked\r\ngamma-3\n\tdélta-4\n# trailing comment");
        AuthTokens tokens = start(file, "");
        assertEquals(3, tokens.size());
        for (String ok : new String[] {"alpha-1", "gamma-3", "délta-4"}) {
            assertTrue(tokens.accepts(ok), ok);
        }
        for (String no : new String[] {"beta-2", "#beta-2 is revoked", "# ops team", "", " alpha-1", "delta-4"}) {
            assertFalse(tokens.accepts(no), no);
        }
    }

    @Test
    void fileAndFixedTokenAreBothAccepted() throws Exception {
        AuthTokens tokens = start(Files.writeString(dir.resolve("tokens"), "from-file\n"), "from-flag");
        assertEquals(2, tokens.size());
        assertTrue(tokens.accepts("from-file"));
        assertTrue(tokens.accepts("from-flag"));
    }

    @Test
    void badFilesAreRefusedWithoutShowingAToken() throws Exception {
        assertEquals("auth.token-file: " + dir.resolve("a") + " line 3: a token with a space or control character in it"
                + " (expected: one token per line)", refusal("a", "ok-token\n# fine\nsecret part two\n"));
        assertTrue(refusal("b", "# only comments\n\n").contains(" holds no token (expected: at least one token"));
        assertTrue(refusal("c", "").contains(" holds no token"));
        Path latin1 = dir.resolve("d");
        Files.write(latin1, "caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> start(latin1, "")).getMessage()
                .contains("is not UTF-8 text"));
    }

    @Test
    void reloadReplacesTheFileTokensAndKeepsThemOnABadFile() throws Exception {
        Path file = Files.writeString(dir.resolve("tokens"), "old-1\nold-2\n");
        AuthTokens tokens = start(file, "fixed");
        Files.writeString(file, "new-1\n");
        tokens.reload();
        assertTrue(tokens.accepts("new-1"));
        assertTrue(tokens.accepts("fixed"));
        assertFalse(tokens.accepts("old-1"));
        Files.writeString(file, "# emptied by mistake\n");
        assertThrows(AuthTokens.TokenFileException.class, tokens::reload);
        assertTrue(tokens.accepts("new-1"), "the previous tokens stay");
        assertEquals(2, tokens.size());
    }

    @Test
    void tokensInUrisAreRedactedForLogs() {
        assertEquals("/ws", AuthTokens.redactUri("/ws"));
        assertEquals("/ws?token=<redacted>", AuthTokens.redactUri("/ws?token=s3cret"));
        assertEquals("/ws?a=1&token=<redacted>;b=2&token=<redacted>#frag",
                AuthTokens.redactUri("/ws?a=1&token=one;b=2&token=two#frag"));
        assertEquals("/ws?%74oken=<redacted>&tokens=kept&token=<redacted>",
                AuthTokens.redactUri("/ws?%74oken=s3cret&tokens=kept&token"));
        assertEquals("https://h/chat?name=a&token=<redacted>", AuthTokens.redactUri("https://h/chat?name=a&token=x%20y"));
        assertEquals("/ws?%zz=1&", AuthTokens.redactUri("/ws?%zz=1&"));
    }

    private String refusal(String name, String content) throws Exception {
        Path file = Files.writeString(dir.resolve(name), content);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start(file, ""));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static AuthTokens start(Path file, String fixed) {
        ServerConfig config = ServerConfig.builder().authTokenFile(file).authToken(fixed)
                .authReloadInterval(Duration.ZERO).build();
        try (FileWatcher watcher = new FileWatcher()) {
            return AuthTokens.start(config.authConfig(), watcher);
        }
    }
}
