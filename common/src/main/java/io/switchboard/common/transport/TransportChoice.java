package io.switchboard.common.transport;

import java.util.Locale;

/** What the operator asked for: a specific {@link Transport}, or the best one available. */
public enum TransportChoice {
    /** epoll on Linux, kqueue on BSD and macOS, NIO elsewhere. */
    AUTO(null),
    EPOLL(Transport.EPOLL),
    KQUEUE(Transport.KQUEUE),
    NIO(Transport.NIO);

    private final Transport forced;

    TransportChoice(Transport forced) {
        this.forced = forced;
    }

    /** The transport this choice forces, or {@code null} for {@link #AUTO}. */
    public Transport forced() {
        return forced;
    }

    /** The lower-case name used on command lines and in logs. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code auto}, {@code epoll}, {@code kqueue} or {@code nio}, case-insensitively. */
    public static TransportChoice parse(String value) {
        for (TransportChoice choice : values()) {
            if (choice.id().equalsIgnoreCase(value.trim())) {
                return choice;
            }
        }
        throw new IllegalArgumentException(
                "transport: " + value + " (expected: auto, epoll, kqueue or nio)");
    }
}
