package io.switchboard.server;

import java.util.Locale;

/** How the server writes its log lines to the console. */
public enum LogFormat {
    /** One human-readable line per event: time, level, logger, message. The default. */
    TEXT,
    /** One JSON object per line (timestamp, level, logger, thread, message, exception), for log collectors. */
    JSON;

    /** The lower-case name used in flags and the config file. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
