package io.switchboard.server;

import java.util.Locale;

/** The server's listeners, each one protocol on its own port. */
public enum Listener {
    /** The Switchboard framed protocol over TCP. */
    FRAMED(7000),
    /** Raw TCP echo: every byte back, in order. */
    ECHO(7001),
    /** UDP echo: every datagram back to its sender. */
    UDP(7002),
    /** HTTP/1.1: static files, health, metrics and the WebSocket bridge. */
    HTTP(8080),
    /** The admin API: JSON over HTTP, its own token; off by default, on loopback (docs/admin-api.md). */
    ADMIN(7080);

    private final int defaultPort;

    Listener(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    /** The port used when none is configured. */
    public int defaultPort() {
        return defaultPort;
    }

    /** Whether this listener speaks TCP (all but {@link #UDP}). */
    public boolean tcp() {
        return this != UDP;
    }

    /** The lower-case name used in logs and flags. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
