package io.switchboard.common.transport;

import java.util.Locale;

/**
 * How epoll reports readiness: edge-triggered ({@code EPOLLET} set on every registered socket)
 * or level-triggered (not set). Only meaningful with {@link Transport#EPOLL}.
 */
public enum EpollMode {
    /** {@code EPOLLET}: notified once per change of readiness. Netty's default. */
    EDGE(io.netty.channel.epoll.EpollMode.EDGE_TRIGGERED),
    /** Notified for as long as the socket stays ready. */
    LEVEL(io.netty.channel.epoll.EpollMode.LEVEL_TRIGGERED);

    final io.netty.channel.epoll.EpollMode netty;

    EpollMode(io.netty.channel.epoll.EpollMode netty) {
        this.netty = netty;
    }

    /** The lower-case name used on command lines and in logs. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code edge} or {@code level}, case-insensitively. */
    public static EpollMode parse(String value) {
        for (EpollMode mode : values()) {
            if (mode.id().equalsIgnoreCase(value.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("epoll mode: " + value + " (expected: edge or level)");
    }
}
