package io.switchboard.server.config;

/**
 * A configuration that cannot be used: the message is one line naming the key, the value, what was
 * expected and where the value came from. The server prints it and exits with code 2.
 *
 * <p>One line whatever the value holds: control characters and line separators in the message (a
 * YAML value may be {@code "\rooms"}) are written as escapes ({@code \r}, {@code \u2028}).
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(oneLine(message));
    }

    public ConfigException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code text} with control characters and line separators escaped; unchanged when it has none. */
    static String oneLine(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean escape = c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029;
            if (escape && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (!escape) {
                if (out != null) {
                    out.append(c);
                }
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }
}
