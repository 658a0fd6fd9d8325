package io.switchboard.client.load.workload;

import io.switchboard.client.load.Protocol;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a stage sends its load, parsed from {@code --target}: {@code host:port} (a bare host takes
 * the protocol's default port: raw 7001, framed/fanout/connscale 7000, udp 7002) or, for http and
 * ws, a URL ({@code http://host:port/path}, {@code ws://host:port/path}; a bare {@code host:port}
 * means path {@code /} for http and {@code /ws} for ws). {@code https://} and {@code wss://} ask
 * for TLS ({@link #tls()}) and default to port 443, as any client does.
 *
 * @param scheme      {@code tcp}, {@code udp}, {@code http}, {@code https}, {@code ws} or {@code wss}
 * @param host        host name or address literal (IPv6 without brackets)
 * @param port        port
 * @param path        request path with query for http and ws, else {@code ""}
 * @param hostHeader  the HTTP {@code Host} header value ({@code host} or {@code host:port})
 */
public record Target(String scheme, String host, int port, String path, String hostHeader) {

    /** Parses {@code value} for {@code protocol}. */
    public static Target parse(Protocol protocol, String value) {
        String v = value.trim();
        switch (protocol) {
            case HTTP:
            case WS:
            case SOCKETIO: {
                String scheme = protocol == Protocol.WS ? "ws" : "http";
                String text = v.contains("://") ? v : scheme + "://" + v;
                URI uri;
                try {
                    uri = new URI(text);
                } catch (URISyntaxException e) {
                    throw bad(value, protocol);
                }
                String s = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                boolean secure = s.equals("https") || s.equals("wss");
                boolean ok = protocol != Protocol.WS ? s.equals("http") || s.equals("https")
                        : s.equals("ws") || s.equals("wss") || s.equals("http") || s.equals("https");
                if (!ok || uri.getHost() == null) {
                    throw bad(value, protocol);
                }
                if (secure) {
                    scheme += "s";
                }
                int port = uri.getPort() == -1 ? (secure ? 443 : 80) : uri.getPort();
                String path = uri.getRawPath() == null || uri.getRawPath().isEmpty()
                        ? (protocol == Protocol.WS && !v.contains("://") ? "/ws" : "/")
                        : uri.getRawPath();
                if (uri.getRawQuery() != null) {
                    path += "?" + uri.getRawQuery();
                }
                String host = stripBrackets(uri.getHost());
                String hostHeader = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + port;
                return new Target(scheme, host, port, path, hostHeader);
            }
            default: {
                int defaultPort = switch (protocol) {
                    case RAW -> 7001;
                    case UDP -> 7002;
                    default -> 7000;
                };
                String host = v;
                int port = defaultPort;
                int colon = v.lastIndexOf(':');
                if (v.startsWith("[")) {
                    int close = v.indexOf(']');
                    if (close < 0) {
                        throw bad(value, protocol);
                    }
                    host = v.substring(1, close);
                    if (close + 1 < v.length()) {
                        if (v.charAt(close + 1) != ':') {
                            throw bad(value, protocol);
                        }
                        port = port(v.substring(close + 2), value, protocol);
                    }
                } else if (colon >= 0 && v.indexOf(':') == colon) {
                    host = v.substring(0, colon);
                    port = port(v.substring(colon + 1), value, protocol);
                }
                if (host.isEmpty() || v.contains("/")) {
                    throw bad(value, protocol);
                }
                return new Target(protocol == Protocol.UDP ? "udp" : "tcp", host, port, "", host + ":" + port);
            }
        }
    }

    private static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(String text, String value, Protocol protocol) {
        try {
            int p = Integer.parseInt(text);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw bad(value, protocol);
    }

    private static IllegalArgumentException bad(String value, Protocol protocol) {
        String expected = switch (protocol) {
            case HTTP -> "http://host:port/path, https://host:port/path or host:port";
            case WS -> "ws://host:port/path, wss://host:port/path or host:port";
            case SOCKETIO -> "http://host:port/namespace, https://host:port/namespace or host:port";
            default -> "host:port or host";
        };
        return new IllegalArgumentException("target: " + value + " (expected: " + expected + ")");
    }

    /** Whether the URL asks for TLS: {@code https://} or {@code wss://}. */
    public boolean tls() {
        return scheme.equals("https") || scheme.equals("wss");
    }

    @Override
    public String toString() {
        return scheme.equals("tcp") || scheme.equals("udp") ? hostHeader : scheme + "://" + hostHeader + path;
    }
}
