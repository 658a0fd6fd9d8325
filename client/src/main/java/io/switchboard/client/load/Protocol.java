package io.switchboard.client.load;

import java.util.Locale;

/** The workloads {@code switchboard-client load --protocol} can drive. */
public enum Protocol {
    /** Raw TCP echo: send N bytes, wait for the same N bytes, verify them. */
    RAW,
    /** The Switchboard framed protocol: ECHO or PING after a HELLO handshake. */
    FRAMED,
    /** HTTP/1.1 GET or POST with keep-alive and pipelining, against any server. */
    HTTP,
    /** UDP datagram echo with sequence numbers (loss, reordering, duplicates). */
    UDP,
    /** WebSocket messages through {@code /ws} or any echoing WebSocket server. */
    WS,
    /** Room fan-out: subscribers in rooms, publishers at a rate, publish-to-delivery latency. */
    FANOUT,
    /** Connection scale: open and hold many connections, optionally with heartbeats. */
    CONNSCALE,
    /** Socket.IO v5 over Engine.IO v4 against any Socket.IO 4 server: echo, emit, fanout, connscale. */
    SOCKETIO;

    /** The lower-case name used on the command line and in reports. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a protocol name case-insensitively. */
    public static Protocol parse(String value) {
        for (Protocol p : values()) {
            if (p.id().equalsIgnoreCase(value.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("protocol: " + value
                + " (expected: raw, framed, http, udp, ws, fanout, connscale or socketio)");
    }
}
