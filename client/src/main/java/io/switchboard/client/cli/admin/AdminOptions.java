package io.switchboard.client.cli.admin;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where the admin API is and how to prove one may use it: the URL, the admin token (from a file,
 * an environment variable, or, discouraged because other users see it in the process list, the
 * command line), the output format and the timeout.
 */
final class AdminOptions {
    static final String TOKEN_VARIABLE = "SWITCHBOARD_ADMIN_TOKEN";
    static final String TOKEN_FILE_VARIABLE = "SWITCHBOARD_ADMIN_TOKEN_FILE";
    static final String URL_VARIABLE = "SWITCHBOARD_ADMIN_URL";

    @Option(names = "--url", paramLabel = "URL",
            description = "The admin listener (default: $" + URL_VARIABLE + ", else http://127.0.0.1:7080).")
    String url;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File whose first non-comment line is the admin token, or NAME TOKEN as in the server's "
                    + "admin.token-file (default: $" + TOKEN_FILE_VARIABLE + ").")
    Path tokenFile;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The admin token itself; prefer --token-file or $" + TOKEN_VARIABLE
                    + " (a command line is visible to other users).")
    String token;

    @Option(names = "--json", description = "Print the API's JSON answer as it is, instead of a table.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "15",
            description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    /** The base URI of the admin API. */
    URI baseUri(Map<String, String> env) {
        String u = url != null ? url : env.getOrDefault(URL_VARIABLE, "http://127.0.0.1:7080");
        URI uri;
        try {
            uri = URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url: '" + u + "' is not a URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("--url: '" + u + "' (expected: http://HOST:PORT or https://HOST:PORT)");
        }
        return uri;
    }

    /**
     * The admin token: {@code --token}, else {@code --token-file}, else {@code $SWITCHBOARD_ADMIN_TOKEN},
     * else {@code $SWITCHBOARD_ADMIN_TOKEN_FILE}.
     *
     * @throws IllegalArgumentException when there is none, or its file cannot be read
     */
    String token(Map<String, String> env) {
        if (token != null && !token.isBlank()) {
            return token.strip();
        }
        if (tokenFile != null) {
            return fromFile(tokenFile, "--token-file");
        }
        String fromEnv = env.get(TOKEN_VARIABLE);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        String file = env.get(TOKEN_FILE_VARIABLE);
        if (file != null && !file.isBlank()) {
            return fromFile(Path.of(file), "$" + TOKEN_FILE_VARIABLE);
        }
        throw new IllegalArgumentException("no admin token: give --token-file FILE, or set $" + TOKEN_VARIABLE
                + " or $" + TOKEN_FILE_VARIABLE);
    }

    private static String fromFile(Path file, String what) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    String[] words = l.split("\\s+");
                    return words[words.length - 1];
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": " + file + " cannot be read (" + e.getMessage() + ")");
        }
        throw new IllegalArgumentException(what + ": " + file + " holds no token");
    }

    Duration timeout() {
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--timeout: " + timeoutSeconds + " (expected: at least 1 second)");
        }
        return Duration.ofSeconds(timeoutSeconds);
    }
}
