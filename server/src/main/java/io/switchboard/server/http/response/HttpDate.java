package io.switchboard.server.http.response;

import io.netty.handler.codec.DateFormatter;
import io.netty.util.AsciiString;
import java.util.Date;

/**
 * The {@code Date} header's value (RFC 9110 section 6.6.1), formatted at most once per second and
 * shared by every thread, as nginx and Netty's own examples do: a response costs a clock read,
 * not a date formatting.
 */
public final class HttpDate {
    private static volatile Stamp stamp = new Stamp(Long.MIN_VALUE, null);

    private HttpDate() {
    }

    /** The current second, formatted ({@code Sun, 06 Nov 1994 08:49:37 GMT}). */
    public static AsciiString now() {
        return at(System.currentTimeMillis());
    }

    /** The second of {@code millis}, formatted; reuses the last value within the same second. */
    public static AsciiString at(long millis) {
        long second = Math.floorDiv(millis, 1000);
        Stamp s = stamp;
        if (s.second != second) {
            s = new Stamp(second, AsciiString.cached(DateFormatter.format(new Date(second * 1000))));
            stamp = s;
        }
        return s.value;
    }

    private record Stamp(long second, AsciiString value) {
    }
}
