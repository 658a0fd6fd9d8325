package io.switchboard.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The path of a request target as decoded segments, checked so that no segment can step out of
 * a directory. The raw path is split at {@code /} first and each segment percent-decoded exactly
 * once afterwards, so an encoded slash ({@code %2f}) cannot make a new segment, and a
 * double-encoded one ({@code %252f}) stays the literal text {@code %2f}.
 *
 * <p>Refused (the caller answers 400): a target not starting with {@code /} (other than an
 * absolute URI, whose path is used); a malformed percent escape anywhere, query included;
 * invalid UTF-8; a segment that
 * decodes to {@code .} or {@code ..}, or that contains {@code /}, {@code \}, NUL or another
 * control character. Empty segments ({@code //}) are skipped.
 */
final class RequestPath {
    private final List<String> segments;
    private final boolean trailingSlash;
    /** The request target this was parsed from. */
    private final String target;

    private RequestPath(List<String> segments, boolean trailingSlash, String target) {
        this.segments = Collections.unmodifiableList(segments);
        this.trailingSlash = trailingSlash;
        this.target = target;
    }

    /** Whether this was parsed from this very target (the same string, not an equal one). */
    boolean parsedFrom(String target) {
        return this.target == target;
    }

    /** Parses a request target; returns {@code null} when it is refused. */
    static RequestPath parse(String target) {
        String path = target;
        int lower = path.indexOf("://");
        if (lower > 0 && !path.startsWith("/")) {
            // absolute-form (RFC 9112 section 3.2.2): keep only the path.
            int slash = path.indexOf('/', lower + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int end = path.length();
        int query = path.indexOf('?');
        if (query >= 0) {
            end = query;
        }
        int fragment = path.indexOf('#');
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        if (!wellFormedEscapes(target)) {
            return null; // the query too: whatever parses it later must not meet a bad escape
        }
        path = path.substring(0, end);
        if (!path.startsWith("/")) {
            return null;
        }
        List<String> segments = new ArrayList<>(4);
        for (int from = 1; from <= path.length(); ) {
            int slash = path.indexOf('/', from);
            int to = slash < 0 ? path.length() : slash;
            if (to > from) { // empty segments are skipped
                String segment = decode(path.substring(from, to));
                if (segment == null || !safe(segment)) {
                    return null;
                }
                segments.add(segment);
            }
            from = to + 1;
        }
        return new RequestPath(segments, path.endsWith("/"), target);
    }

    /** The decoded segments, none of them empty. */
    List<String> segments() {
        return segments;
    }

    /** Whether the path ends with {@code /} (as {@code /dir/} does, and {@code /dir} does not). */
    boolean trailingSlash() {
        return trailingSlash;
    }

    /**
     * The path made again from the decoded segments, each percent-encoded where RFC 3986 needs it
     * ({@code /a%20b/c}): never the raw target, so no {@code //} (a protocol-relative reference in
     * a Location header), no dot segments and no escapes other than this method's own.
     */
    String encoded() {
        StringBuilder out = new StringBuilder();
        for (String segment : segments) {
            out.append('/');
            for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
                int c = b & 0xff;
                if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                        || "-._~!$&'()*+,;=:@".indexOf(c) >= 0) {
                    out.append((char) c);
                } else {
                    out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
                }
            }
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    /**
     * The query of a request target with its {@code ?} ({@code ?x=1}; {@code ?} alone when it is
     * empty), or {@code ""} when there is none. A fragment is not part of it.
     */
    static String query(String target) {
        int query = target.indexOf('?');
        if (query < 0) {
            return "";
        }
        int fragment = target.indexOf('#', query);
        return fragment < 0 ? target.substring(query) : target.substring(query, fragment);
    }

    /** Whether the path is {@code /}. */
    boolean isRoot() {
        return segments.isEmpty();
    }

    /** Whether the path is exactly the one segment {@code name}, with no trailing slash. */
    boolean is(String name) {
        return segments.size() == 1 && segments.get(0).equals(name) && !trailingSlash;
    }

    /** Whether every {@code %} in the target starts a two-hex-digit escape (RFC 3986 section 2.1). */
    private static boolean wellFormedEscapes(String target) {
        for (int i = target.indexOf('%'); i >= 0; i = target.indexOf('%', i + 1)) {
            if (i + 2 >= target.length() || Character.digit(target.charAt(i + 1), 16) < 0
                    || Character.digit(target.charAt(i + 2), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean safe(String segment) {
        if (segment.equals(".") || segment.equals("..")) {
            return false;
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Percent-decodes once, strictly: a bad escape or invalid UTF-8 gives {@code null}. */
    private static String decode(String raw) {
        if (plainAscii(raw)) {
            return raw; // no escape, ASCII only: decoding would give the same string
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                return null; // the codec decodes the request line as ISO-8859-1: raw non-ASCII is not a URI
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean plainAscii(String raw) {
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' || c >= 0x80) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "/" + String.join("/", segments) + (trailingSlash && !segments.isEmpty() ? "/" : "");
    }
}
