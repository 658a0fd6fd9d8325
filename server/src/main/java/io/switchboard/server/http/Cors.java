package io.switchboard.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.switchboard.server.http.settings.HttpServing;

/**
 * CORS for the HTTP listener's own endpoints (Fetch standard, "CORS protocol"): a response to a
 * request whose {@code Origin} is allowed ({@code http.cors-origins}) says so with
 * {@code Access-Control-Allow-Origin} and exposes the validators and range headers; a preflight
 * ({@code OPTIONS} with {@code Access-Control-Request-Method}) from an allowed origin is answered
 * 204 for GET and HEAD. No credentials: none of these endpoints uses cookies. When the allowed
 * origins are a list (not {@code *}), responses vary with {@code Origin} and say so in
 * {@code Vary}. Engine.IO answers its own CORS ({@code socketio.cors-*}). Stateless.
 */
final class Cors {
    static final String ALLOW_METHODS = "GET, HEAD";
    static final String EXPOSE = "ETag, Content-Range, Accept-Ranges, Content-Encoding, Retry-After";
    static final String MAX_AGE = "600";

    private final HttpServing serving;
    private final boolean enabled;

    Cors(HttpServing serving) {
        this.serving = serving;
        this.enabled = !serving.corsOrigins().isEmpty();
    }

    /** Whether CORS is on ({@code http.cors-origins} not empty). */
    boolean enabled() {
        return enabled;
    }

    /** Whether the request is a CORS preflight this listener answers (CORS on, origin allowed). */
    boolean isAllowedPreflight(HttpRequest request) {
        HttpHeaders in = request.headers();
        return enabled && HttpMethod.OPTIONS.equals(request.method())
                && in.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)
                && serving.originAllowed(in.get(HttpHeaderNames.ORIGIN));
    }

    /** The headers of the 204 answering an allowed preflight (with {@link #apply} too). */
    void preflight(HttpHeaders in, HttpHeaders out) {
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
                .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, MAX_AGE);
        String requested = in.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (requested != null && !requested.isBlank()) {
            // Only GET and HEAD are allowed and no credentials, so any header the page wants to send is harmless.
            out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, requested);
        }
        apply(in, out);
    }

    /** Adds the CORS headers to a response for a request with these headers (none when not allowed). */
    void apply(HttpHeaders in, HttpHeaders out) {
        if (!enabled) {
            return;
        }
        if (!serving.anyOrigin()) {
            vary(out, "Origin");
        }
        String origin = in.get(HttpHeaderNames.ORIGIN);
        if (!serving.originAllowed(origin)) {
            return;
        }
        out.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, serving.anyOrigin() ? "*" : origin)
                .set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE);
    }

    /** Adds a field name to the response's one {@code Vary} header. */
    static void vary(HttpHeaders out, String field) {
        String vary = out.get(HttpHeaderNames.VARY);
        out.set(HttpHeaderNames.VARY, vary == null ? field : vary + ", " + field);
    }
}
