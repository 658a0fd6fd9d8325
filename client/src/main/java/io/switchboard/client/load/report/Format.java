package io.switchboard.client.load.report;

import io.switchboard.client.load.Values;
import io.switchboard.client.load.result.ErrorKind;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** How reports print numbers: latencies with their unit, counts grouped, rates and byte rates. */
final class Format {
    private Format() {}

    static String micros(double us) {
        return Values.formatMicros(us);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String rate(double perSecond) {
        return Double.isFinite(perSecond) ? String.format(Locale.ROOT, "%,.1f", perSecond) : "-";
    }

    /** Bytes per second in decimal units, as network tools print them: {@code 3.05 MB/s}. */
    static String bytesRate(double bytesPerSecond) {
        return bytes(bytesPerSecond) + "/s";
    }

    static String bytes(double bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        int i = 0;
        double v = bytes;
        while (v >= 1000 && i < units.length - 1) {
            v /= 1000;
            i++;
        }
        return i == 0 ? String.format(Locale.ROOT, "%.0f B", v) : String.format(Locale.ROOT, "%.2f %s", v, units[i]);
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.2f s", s);
    }

    static String percent(double p) {
        return Double.isFinite(p) ? String.format(Locale.ROOT, "%.1f%%", p) : "not measured";
    }

    /** A number from the settings map without a pointless {@code .0}. */
    static String setting(Object value) {
        if (value instanceof Double d) {
            return Values.format(d);
        }
        if (value instanceof Float f) {
            return Values.format(f);
        }
        return String.valueOf(value);
    }

    /** {@code timeout 3, reset 2} in {@link ErrorKind} order, or {@code none}. */
    static String errors(Map<ErrorKind, Long> errors) {
        String s = java.util.Arrays.stream(ErrorKind.values()).filter(k -> errors.getOrDefault(k, 0L) > 0)
                .map(k -> k.key() + " " + count(errors.get(k))).collect(Collectors.joining(", "));
        return s.isEmpty() ? "none" : s;
    }

    /**
     * The settings worth printing, in the engine's order: zero or empty values (no warm-up, no
     * request limit, automatic threads) are left out, except {@code rate}, where 0 means closed
     * loop and is printed as that.
     */
    static java.util.List<String[]> shownSettings(Map<String, Object> settings) {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        settings.forEach((key, value) -> {
            String text = value == null ? "" : setting(value);
            boolean zero = text.isEmpty() || text.equals("0") || text.equals("0s") || text.equals("0.0");
            if (key.equals("rate") && zero) {
                out.add(new String[] {key, "closed loop"});
            } else if (!zero) {
                out.add(new String[] {key, text});
            }
        });
        return out;
    }
}
