package io.switchboard.server.session;

import java.util.Locale;

/**
 * What happens to an event for a member whose outbound buffer is above the high-water mark.
 * Either way the server never buffers more than about the high-water mark for one member.
 */
public enum SlowConsumerPolicy {
    /** Drop the event for that member and count it ({@code dropped} in the metrics). The default. */
    DROP,
    /** Send the member ERROR 307 SLOW_CONSUMER and close its connection. */
    DISCONNECT;

    /** The lower-case name used in flags. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code drop} or {@code disconnect}. */
    public static SlowConsumerPolicy parse(String value) {
        for (SlowConsumerPolicy policy : values()) {
            if (policy.id().equalsIgnoreCase(value.trim())) {
                return policy;
            }
        }
        throw new IllegalArgumentException("slow consumer policy: " + value + " (expected: drop or disconnect)");
    }
}
