package io.switchboard.client.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Plain-text tables for people: columns padded to their widest cell, a header line first. */
final class Tables {
    private final List<String[]> rows = new ArrayList<>();

    Tables(String... header) {
        rows.add(header);
    }

    Tables row(String... cells) {
        rows.add(cells);
        return this;
    }

    @Override
    public String toString() {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == columns - 1 ? r[i] : pad(r[i], width[i] + 2));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }

    /** The sessions of a listing as a table. */
    static String sessions(JsonNode sessions) {
        Tables t = new Tables("ID", "NAME", "PROTOCOL", "ADDRESS", "NODE", "USER", "CONNECTED SINCE");
        for (JsonNode s : sessions) {
            t.row(s.path("id").asText(), s.path("name").asText(), s.path("protocol").asText(),
                    s.path("address").asText(), s.path("node").asText(),
                    s.path("user").isNull() ? "-" : s.path("user").asText(), s.path("connectedSince").asText());
        }
        return t.toString();
    }

    /** What follows a page: the next page's cursor, and nodes that did not answer. */
    static String footer(JsonNode answer, String what) {
        StringBuilder out = new StringBuilder();
        JsonNode next = answer.path("next");
        if (next.isTextual()) {
            out.append("more ").append(what).append(": --after ").append(next.asText()).append('\n');
        }
        JsonNode missing = answer.path("missingNodes");
        if (missing.size() > 0) {
            out.append("incomplete: nodes ").append(missing).append(" did not answer in time\n");
        }
        return out.toString();
    }
}
