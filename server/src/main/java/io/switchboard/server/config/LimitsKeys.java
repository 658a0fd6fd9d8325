package io.switchboard.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Keys of socket options, connection limits, timeouts and graceful shutdown (sections
 * {@code socket}, {@code limits}, {@code shutdown}); kept apart from {@link ConfigKeys} so that
 * their owner edits only this file. See {@link ConfigKey} for how to declare one.
 */
final class LimitsKeys {
    private LimitsKeys() {
    }

    static List<ConfigKey<?>> keys() {
        List<ConfigKey<?>> keys = new ArrayList<>();
        return keys;
    }
}
