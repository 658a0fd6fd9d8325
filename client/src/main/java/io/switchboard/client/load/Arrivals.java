package io.switchboard.client.load;

import java.util.Locale;

/** How open-loop requests are spaced in time. */
public enum Arrivals {
    /** Evenly spaced at the target rate. */
    CONSTANT,
    /** A Poisson process at the target rate (exponential gaps), repeatable with a seed. */
    POISSON;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Arrivals parse(String value) {
        for (Arrivals a : values()) {
            if (a.id().equalsIgnoreCase(value.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("arrivals: " + value + " (expected: constant or poisson)");
    }
}
