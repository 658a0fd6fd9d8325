package io.switchboard.server.socketio.engine;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The request that opened a session.
 *
 * @param url the request target as sent (path and query)
 * @param query the decoded query parameters
 * @param headers a read-only copy of the request headers
 * @param remoteAddress the peer's address
 * @param issuedMillis when the session opened (epoch milliseconds)
 */
public record Handshake(String url, Map<String, List<String>> query, HttpHeaders headers, SocketAddress remoteAddress,
        long issuedMillis) {

    /** The first value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
