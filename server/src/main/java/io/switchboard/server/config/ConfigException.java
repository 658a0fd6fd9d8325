package io.switchboard.server.config;

/**
 * A configuration that cannot be used: the message is one line naming the key, the value, what was
 * expected and where the value came from. The server prints it and exits with code 2.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
