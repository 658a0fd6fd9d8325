package io.switchboard.server.auth;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.reload.SecretFiles;
import io.switchboard.server.settings.AuthConfig;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The tokens a client may present in HELLO or on the WebSocket upgrade: the configured
 * {@code auth.token}, the tokens of {@code auth.token-file}, or both. When there are none, no
 * token is required.
 *
 * <p>Only SHA-256 digests of the tokens are kept, and a presented token is checked by digesting it
 * and comparing the digest with every accepted one with {@link MessageDigest#isEqual} (constant
 * time), without stopping at a match: the time taken depends on the number of accepted tokens
 * only, not on the presented token's length nor on which token, if any, it matches.
 *
 * <p>The token file holds one token per line; blank lines and lines starting with {@code #} are
 * ignored, and spaces around a token are trimmed. It is reloaded when it changes (a file
 * that cannot be used leaves the tokens as they were). Tokens never appear in log lines or error
 * messages, only line numbers do. Thread-safe.
 */
public final class AuthTokens {
    private static final Logger log = LogManager.getLogger(AuthTokens.class);
    private static final AuthTokens NONE = new AuthTokens(null, List.of(), List.of());
    /** The query parameter a WebSocket upgrade carries its token in. */
    private static final String REDACTED_PARAMETER = "token";

    private final Path file;
    private final List<byte[]> fixed;
    private volatile byte[][] accepted;

    private AuthTokens(Path file, List<byte[]> fixed, List<byte[]> fromFile) {
        this.file = file;
        this.fixed = fixed;
        install(fromFile);
    }

    /** No token required. */
    public static AuthTokens none() {
        return NONE;
    }

    /** Exactly this token; an empty one means none is required. */
    public static AuthTokens of(String token) {
        Objects.requireNonNull(token, "token");
        return token.isEmpty() ? NONE : new AuthTokens(null, List.of(digest(token)), List.of());
    }

    /**
     * The tokens of the configuration ({@code auth.token} and {@code auth.token-file}), with the
     * file watched for changes.
     *
     * @throws IllegalArgumentException with a one-line message when the token file cannot be used
     */
    public static AuthTokens start(AuthConfig config, FileWatcher watcher) {
        Path file = config.tokenFile();
        if (file == null) {
            return of(config.token());
        }
        FileWatcher.Snapshot before = FileWatcher.snapshot(List.of(file));
        List<byte[]> fixed = config.token().isEmpty() ? List.of() : List.of(digest(config.token()));
        List<byte[]> fromFile;
        try {
            fromFile = read(file);
        } catch (TokenFileException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        AuthTokens tokens = new AuthTokens(file, fixed, fromFile);
        SecretFiles.warnIfReadableByOthers("auth.token-file", file);
        log.info("auth: {} token(s) from {}{}{}", fromFile.size(), file, fixed.isEmpty() ? "" : ", and auth.token",
                config.reloadInterval().isZero() ? ", not reloaded"
                        : ", reloaded on change, checked every " + config.reloadInterval().toMillis() + " ms");
        watcher.watch("auth token file " + file, List.of(file), before, config.reloadInterval(), tokens::reload);
        return tokens;
    }

    /** Whether a token is required at all. */
    public boolean required() {
        return accepted.length > 0;
    }

    /** Whether {@code presented} is one of the accepted tokens; see the class comment for the timing. */
    public boolean accepts(String presented) {
        byte[] candidate = digest(presented);
        boolean match = false;
        for (byte[] token : accepted) {
            match |= MessageDigest.isEqual(token, candidate);
        }
        return match;
    }

    /**
     * The URI (or URL) with the value of every {@code token} query parameter replaced by
     * {@code <redacted>}, for logging: the WebSocket upgrade carries its token there. Parameter
     * names are compared decoded, as the upgrade's check decodes them ({@code %74oken} is
     * {@code token} too).
     */
    public static String redactUri(String uri) {
        int q = uri.indexOf('?');
        if (q < 0) {
            return uri;
        }
        int end = uri.indexOf('#', q);
        if (end < 0) {
            end = uri.length();
        }
        StringBuilder out = new StringBuilder(uri.length()).append(uri, 0, q + 1);
        int start = q + 1;
        while (start <= end) {
            int next = start;
            while (next < end && uri.charAt(next) != '&' && uri.charAt(next) != ';') {
                next++;
            }
            String param = uri.substring(start, next);
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            String decoded;
            try {
                decoded = QueryStringDecoder.decodeComponent(name);
            } catch (IllegalArgumentException e) {
                decoded = name;
            }
            out.append(decoded.equals(REDACTED_PARAMETER) ? name + "=<redacted>" : param);
            if (next < end) {
                out.append(uri.charAt(next));
            }
            start = next + 1;
        }
        return out.append(uri, end, uri.length()).toString();
    }

    /** How many tokens are accepted now. */
    public int size() {
        return accepted.length;
    }

    void reload() throws TokenFileException {
        List<byte[]> fromFile = read(file);
        install(fromFile);
        log.info("auth: token file {} reloaded, {} token(s)", file, fromFile.size());
    }

    private void install(List<byte[]> fromFile) {
        List<byte[]> all = new ArrayList<>(fixed);
        all.addAll(fromFile);
        accepted = all.toArray(new byte[0][]);
    }

    /** The digests of the tokens in a token file; at least one. */
    static List<byte[]> read(Path file) throws TokenFileException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TokenFileException("auth.token-file: " + file + " is not UTF-8 text (expected: one token per line)");
        } catch (IOException e) {
            throw new TokenFileException("auth.token-file: " + file + ": cannot read it: " + e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<byte[]> tokens = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            for (int c = 0; c < line.length(); c++) {
                if (Character.isWhitespace(line.charAt(c)) || Character.isISOControl(line.charAt(c))) {
                    throw new TokenFileException("auth.token-file: " + file + " line " + (i + 1)
                            + ": a token with a space or control character in it (expected: one token per line)");
                }
            }
            tokens.add(digest(line));
        }
        if (tokens.isEmpty()) {
            throw new TokenFileException("auth.token-file: " + file
                    + " holds no token (expected: at least one token, one per line; '#' starts a comment line)");
        }
        return tokens;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** A token file that cannot be used; the message names the file and line, never a token. */
    static final class TokenFileException extends Exception {
        private static final long serialVersionUID = 1L;

        TokenFileException(String message) {
            super(message);
        }
    }
}
