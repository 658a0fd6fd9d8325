package io.switchboard.client.load;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text forms of load settings shared by the command line, scenario files and reports, so that all
 * spell durations the same way: {@code 30s}, {@code 500ms}, {@code 250us}, {@code 1.5s},
 * {@code 2m}, {@code 1h}.
 */
public final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|s|m|h)");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?");

    /** What a duration looks like, for error messages. */
    public static final String DURATION_EXPECTED = "a duration such as 30s, 500ms, 250us or 2m";

    private Values() {}

    /** Parses a duration ({@code 0} alone means zero); {@code key} names the setting in the error. */
    public static Duration duration(String key, String text) {
        if (text.trim().equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new ScenarioException(key, ScenarioException.quote(text), DURATION_EXPECTED);
        }
        double amount = Double.parseDouble(m.group(1));
        double nanos = amount * switch (m.group(2)) {
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
        if (nanos > Long.MAX_VALUE / 2) {
            throw new ScenarioException(key, ScenarioException.quote(text), "a duration under 100 years");
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** A plain non-negative decimal number (no sign, no unit). */
    public static double number(String text) {
        String t = text.trim();
        if (!NUMBER.matcher(t).matches()) {
            throw new NumberFormatException(t);
        }
        return Double.parseDouble(t);
    }

    /** A duration the way the tool prints it back: {@code 30s}, {@code 500ms}, {@code 250us}. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        if (nanos % 3_600_000_000_000L == 0) {
            return nanos / 3_600_000_000_000L + "h";
        }
        if (nanos % 60_000_000_000L == 0 && nanos >= 60_000_000_000L) {
            return nanos / 60_000_000_000L + "m";
        }
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return String.format(Locale.ROOT, "%.3fus", nanos / 1e3);
    }

    /** A number without a trailing {@code .0}: 50000, 1500.5. */
    public static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.valueOf(value);
    }

    /** A latency in microseconds as reports print it: {@code 850us}, {@code 3.21ms}, {@code 1.20s}. */
    public static String formatMicros(double micros) {
        if (Double.isNaN(micros)) {
            return "-";
        }
        double abs = Math.abs(micros);
        if (abs < 1_000) {
            return micros == Math.rint(micros) ? String.format(Locale.ROOT, "%.0fus", micros)
                    : String.format(Locale.ROOT, "%.1fus", micros);
        }
        if (abs < 1_000_000) {
            return String.format(Locale.ROOT, "%.2fms", micros / 1e3);
        }
        return String.format(Locale.ROOT, "%.2fs", micros / 1e6);
    }

    /** A round number for an axis label: {@code 1.5}, {@code 20}, never {@code 20.000000001}. */
    public static String trim(double v) {
        java.math.BigDecimal d = new java.math.BigDecimal(v).round(new java.math.MathContext(6));
        String s = d.stripTrailingZeros().toPlainString();
        return s.equals("-0") ? "0" : s;
    }

    /** An axis label for microseconds: {@code 250us}, {@code 1.5ms}, {@code 2s}. */
    public static String shortMicros(double micros) {
        if (micros == 0) {
            return "0";
        }
        if (Math.abs(micros) < 1_000) {
            return trim(micros) + "us";
        }
        if (Math.abs(micros) < 1_000_000) {
            return trim(micros / 1e3) + "ms";
        }
        return trim(micros / 1e6) + "s";
    }

    /** An axis label for a count or rate: {@code 500}, {@code 20k}, {@code 1.5M}. */
    public static String shortCount(double n) {
        if (Math.abs(n) < 1_000) {
            return trim(n);
        }
        if (Math.abs(n) < 1_000_000) {
            return trim(n / 1e3) + "k";
        }
        return trim(n / 1e6) + "M";
    }

    /** A percentage as settings print it: {@code 90%}, {@code 99.5%}. */
    public static String percent(double value) {
        return trim(value) + "%";
    }

    /**
     * A percentage such as {@code 90%} or {@code 99.5%} (the {@code %} is required), or {@code off}
     * for 0; for the {@code min_achieved} setting.
     *
     * @throws IllegalArgumentException naming {@code key} and what was expected
     */
    public static double minAchieved(String key, String text) {
        String t = text == null ? "" : text.trim();
        if (t.equalsIgnoreCase("off")) {
            return 0;
        }
        if (t.endsWith("%")) {
            try {
                double v = Double.parseDouble(t.substring(0, t.length() - 1).trim());
                if (v >= 0 && v <= 100) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // below
            }
        }
        throw new IllegalArgumentException(key + ": " + text
                + " (expected: a percentage of the target rate from 0% to 100%, such as 90%, or off)");
    }
}
