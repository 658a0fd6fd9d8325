package io.switchboard.server.session;

import java.time.Instant;
import java.util.Objects;

/**
 * What a session's protocol adapter knows about it from the start, for the admin API: the
 * protocol, the client's address and when it connected. Immutable.
 *
 * @param protocol {@code framed}, {@code websocket} or {@code socket.io}
 * @param address the client's address as {@code ip:port}, or empty when unknown
 * @param connectedSince when the session started
 * @param detail what else the protocol says (a Socket.IO socket: its namespace), or empty
 */
public record SessionInfo(String protocol, String address, Instant connectedSince, String detail) {
    /** A session whose adapter said nothing (sessions made by tests). */
    public static final SessionInfo UNKNOWN = new SessionInfo("unknown", "", Instant.EPOCH, "");

    public SessionInfo {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(connectedSince, "connectedSince");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code ip:port} of a socket address, or its text when it is not an IP address. */
    public static String format(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return address == null ? "" : address.toString();
    }
}
