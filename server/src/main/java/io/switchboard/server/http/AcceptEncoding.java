package io.switchboard.server.http;

/**
 * Reads an {@code Accept-Encoding} header (RFC 9110 section 12.5.3): which of the codings this
 * server can send the client accepts, with its weight. A coding named with {@code q=0} is refused;
 * {@code *} stands for every coding not named; codings are matched without regard to case.
 */
final class AcceptEncoding {
    /** Brotli, as {@code Content-Encoding} names it. */
    static final String BR = "br";
    /** gzip, as {@code Content-Encoding} names it. */
    static final String GZIP = "gzip";

    private AcceptEncoding() {
    }

    /**
     * The coding to send: {@code br} or {@code gzip} among those offered, the one with the
     * higher weight (br when equal), or {@code null} for the identity.
     */
    static String choose(String header, boolean brOffered, boolean gzipOffered) {
        if (header == null || !(brOffered || gzipOffered)) {
            return null;
        }
        float br = brOffered ? weight(header, BR) : 0;
        float gzip = gzipOffered ? weight(header, GZIP) : 0;
        if (br <= 0 && gzip <= 0) {
            return null;
        }
        return br >= gzip ? BR : GZIP;
    }

    /** The weight the header gives {@code coding}: its own q, else that of {@code *}, else 0. */
    static float weight(String header, String coding) {
        float star = 0;
        int start = 0;
        int length = header.length();
        while (start < length) {
            int comma = header.indexOf(',', start);
            int end = comma < 0 ? length : comma;
            int semicolon = header.indexOf(';', start);
            int nameEnd = semicolon >= 0 && semicolon < end ? semicolon : end;
            String name = header.substring(start, nameEnd).trim();
            float q = nameEnd < end ? q(header.substring(nameEnd + 1, end)) : 1;
            if (name.equalsIgnoreCase(coding)) {
                return q;
            }
            if (name.equals("*")) {
                star = q;
            }
            start = end + 1;
        }
        return star;
    }

    /** The q of a coding's parameters ({@code q=0.5}); a malformed one counts as 0 (not accepted). */
    private static float q(String parameters) {
        for (String parameter : parameters.split(";")) {
            String p = parameter.trim();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    float q = Float.parseFloat(p.substring(2).trim());
                    return q >= 0 && q <= 1 ? q : 0;
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
