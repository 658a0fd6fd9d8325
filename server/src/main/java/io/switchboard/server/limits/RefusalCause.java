package io.switchboard.server.limits;

/** Why the server refused a connection or a request; the label of {@code switchboard_refused_total}. */
public enum RefusalCause {
    /** The server already had {@code limits.max-connections} connections open. */
    MAX_CONNECTIONS("max_connections"),
    /** The client's address already had {@code limits.max-connections-per-ip} connections open. */
    MAX_CONNECTIONS_PER_IP("max_connections_per_ip"),
    /** A framed client did not send HELLO within {@code limits.handshake-timeout}. */
    HANDSHAKE_TIMEOUT("handshake_timeout"),
    /** An HTTP request's headers did not arrive within {@code limits.http-header-timeout}. */
    HEADER_TIMEOUT("header_timeout"),
    /** A request above the connection's {@code limits.rate}. */
    RATE_LIMIT("rate_limit");

    private final String label;

    RefusalCause(String label) {
        this.label = label;
    }

    /** The metric label and log name. */
    public String label() {
        return label;
    }
}
