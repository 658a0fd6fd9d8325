package io.switchboard.server;

import java.util.Locale;

/** The server's listeners, each one protocol on its own port. */
public enum Listener {
    /** The Switchboard framed protocol over TCP. */
    FRAMED(7000),
    /** Raw TCP echo: every byte back, in order. */
    ECHO(7001);

    private final int defaultPort;

    Listener(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    /** The port used when none is configured. */
    public int defaultPort() {
        return defaultPort;
    }

    /** The lower-case name used in logs and flags. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
