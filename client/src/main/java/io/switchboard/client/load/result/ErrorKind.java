package io.switchboard.client.load.result;

/** Why a request (or a connection) failed. Counted per kind in every result. */
public enum ErrorKind {
    /** The connect attempt was refused (RST to SYN). */
    CONNECT_REFUSED,
    /** The connect attempt failed otherwise: timed out, no route, out of ports or files. */
    CONNECT_FAILED,
    /**
     * The TCP connect succeeded but the TLS handshake did not: an untrusted certificate or a
     * wrong name, no common version or cipher, a peer that closed or spoke plaintext, or the
     * handshake timeout. Counted like a failed connect (and retried).
     */
    TLS_HANDSHAKE,
    /** No response within the request timeout. The request keeps its latency. */
    TIMEOUT,
    /** The peer reset or closed the connection with requests outstanding. */
    RESET,
    /**
     * A connection the tool did not ask to close was closed by the peer or the network (a server's
     * idle timeout, a slow-consumer cut, a restart), counted once per connection whether or not
     * requests were in flight (those are RESET besides). A close the protocol announced (HTTP
     * {@code Connection: close}) is not one.
     */
    DISCONNECT,
    /** The response could not be parsed, or the server sent a protocol ERROR. */
    PROTOCOL_ERROR,
    /** An echo came back with different bytes than were sent. */
    WRONG_ECHO,
    /** An HTTP response with a status outside 200-299. */
    HTTP_STATUS,
    /** Anything else; the engine logs the first occurrence of each cause. */
    OTHER;

    /** Lower-case name used in JSON and in check expressions, e.g. {@code connect_refused}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
