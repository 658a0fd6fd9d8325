package io.switchboard.server.admin;

import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.reload.SecretFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin API's tokens ({@code admin.token-file}): one per line, {@code TOKEN} or {@code NAME
 * TOKEN} (the name is who the log says asked; without one, {@code token#LINE}); blank lines and
 * lines starting with {@code #} are ignored. A line whose token is also a client token is refused
 * (the file is not used). Only SHA-256 digests are kept and a presented token is compared with
 * every one in constant time ({@link MessageDigest#isEqual}), without stopping at a match. The
 * file is reloaded when it changes; a file that cannot be used leaves the tokens as they were.
 * Tokens never appear in logs. Thread-safe.
 */
public final class AdminTokens {
    private static final Logger log = LogManager.getLogger(AdminTokens.class);

    private record Entry(String name, byte[] digest) {
    }

    private final Path file;
    private final Predicate<String> clientToken;
    private volatile List<Entry> entries;

    private AdminTokens(Path file, Predicate<String> clientToken, List<Entry> entries) {
        this.file = file;
        this.clientToken = clientToken;
        this.entries = entries;
    }

    /** Exactly these tokens (name, token), for tests. */
    static AdminTokens of(String name, String token) {
        return new AdminTokens(null, t -> false, List.of(new Entry(name, digest(token))));
    }

    /**
     * Loads {@code file} and watches it for changes.
     *
     * @param clientToken whether a token is a client token (refused here)
     * @throws IllegalArgumentException with a one-line message when the file cannot be used
     */
    public static AdminTokens start(Path file, Predicate<String> clientToken, Duration reloadInterval,
            FileWatcher watcher) {
        if (file == null) {
            throw new IllegalArgumentException("admin.token-file: not set (expected: a file of admin tokens; "
                    + "the admin API does not run without its own token)");
        }
        FileWatcher.Snapshot before = FileWatcher.snapshot(List.of(file));
        AdminTokens tokens = new AdminTokens(file, clientToken, read(file, clientToken));
        SecretFiles.warnIfReadableByOthers("admin.token-file", file);
        log.info("admin: {} token(s) from {}{}", tokens.entries.size(), file, reloadInterval.isZero() ? ", not reloaded"
                : ", reloaded on change, checked every " + reloadInterval.toMillis() + " ms");
        watcher.watch("admin token file " + file, List.of(file), before, reloadInterval, tokens::reload);
        return tokens;
    }

    /** Who {@code presented} belongs to, or {@code null} when it is no admin token. */
    public String identify(String presented) {
        if (presented == null || presented.isEmpty()) {
            return null;
        }
        byte[] candidate = digest(presented);
        String who = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest, candidate) && who == null) {
                who = e.name;
            }
        }
        return who;
    }

    /** How many tokens are accepted now. */
    public int size() {
        return entries.size();
    }

    private void reload() {
        entries = read(file, clientToken);
        log.info("admin: token file {} reloaded, {} token(s)", file, entries.size());
    }

    private static List<Entry> read(Path file, Predicate<String> clientToken) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("admin.token-file: " + file + ": cannot be read (" + e.getMessage() + ")", e);
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length > 2) {
                throw new IllegalArgumentException("admin.token-file: " + file + " line " + (i + 1)
                        + ": more than two words (expected: TOKEN, or NAME TOKEN)");
            }
            String name = parts.length == 2 ? parts[0] : "token#" + (i + 1);
            String token = parts[parts.length - 1];
            if (token.length() < 16) {
                throw new IllegalArgumentException("admin.token-file: " + file + " line " + (i + 1)
                        + ": the token is shorter than 16 characters");
            }
            if (clientToken.test(token)) {
                throw new IllegalArgumentException("admin.token-file: " + file + " line " + (i + 1)
                        + ": the token is also a client token (auth.token or auth.token-file); the admin API needs its own");
            }
            entries.add(new Entry(name, digest(token)));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("admin.token-file: " + file + ": no token in it");
        }
        return List.copyOf(entries);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
