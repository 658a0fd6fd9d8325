package io.switchboard.client.load;

/**
 * A scenario file (or a setting in it) that cannot be used, with one message that names where the
 * problem is and what was expected: {@code stages[2].rate: "fast" (expected a number of requests
 * per second)}, or {@code scenario.yaml:3:5: ...} for a YAML syntax error.
 */
public final class ScenarioException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String detail;

    /**
     * @param key    the setting or key path, e.g. {@code rate} or {@code stages[2].rate}
     * @param value  the offending value as the user wrote it (quoted when it was a string), or
     *               null when the problem is not one value
     * @param expected what would have been accepted, e.g. "a number of requests per second"
     */
    public ScenarioException(String key, String value, String expected) {
        this(key, (value == null ? "" : value + " ") + "(expected " + expected + ")");
    }

    private ScenarioException(String key, String detail) {
        // one line whatever the file holds: a key may be any YAML string (found by ScenarioFuzzTest)
        super(oneLine(key) + ": " + oneLine(detail));
        this.key = key;
        this.detail = detail;
    }

    /** A problem that is not about one value, e.g. two settings that exclude each other. */
    public static ScenarioException of(String key, String detail) {
        return new ScenarioException(key, detail);
    }

    /** The key path, e.g. {@code stages[2].rate}. */
    public String key() {
        return key;
    }

    /** The message without the key path. */
    public String detail() {
        return detail;
    }

    /** The same problem located under {@code path}: {@code rate} becomes {@code stages[2].rate}. */
    public ScenarioException under(String path) {
        if (path == null || path.isEmpty()) {
            return this;
        }
        return new ScenarioException(key.isEmpty() ? path : path + "." + key, detail);
    }

    /**
     * Quotes a user string for a message the way YAML would show it, control characters escaped
     * ({@code \n}, {@code \t}, {@code \x01}) so that the message stays one line.
     */
    public static String quote(String value) {
        return '"' + escape(value) + '"';
    }

    /** {@code value} with backslashes, double quotes and control characters escaped, not quoted. */
    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == '"') {
                out.append('\\').append(c);
            } else if (isControl(c)) {
                appendEscape(out, c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code text} with control characters and line separators escaped, nothing else. */
    public static String oneLine(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isControl(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                appendEscape(out, c);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029;
    }

    private static void appendEscape(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            default -> out.append(c <= 0xff ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
        }
    }
}
