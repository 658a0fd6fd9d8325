package io.switchboard.server.config;

import java.util.Collection;

/** "Did you mean" for near misses of key paths, environment variables and flags. */
public final class Suggestions {
    private Suggestions() {
    }

    /** The closest candidate within a few edits of {@code input}, or {@code null}. */
    public static String closest(String input, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int allowed = Math.max(2, input.length() / 4);
        for (String candidate : candidates) {
            int d = distance(input, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return bestDistance <= allowed ? best : null;
    }

    /** " (did you mean X?)", or the empty string when nothing is close. */
    public static String didYouMean(String input, Collection<String> candidates) {
        String closest = closest(input, candidates);
        return closest == null ? "" : " (did you mean " + closest + "?)";
    }

    /** Levenshtein distance, case-insensitive. */
    static int distance(String a, String b) {
        a = a.toLowerCase(java.util.Locale.ROOT);
        b = b.toLowerCase(java.util.Locale.ROOT);
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
