package io.switchboard.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The Switchboard version this build carries. */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    /** For example {@code 0.1.0}. */
    public static String get() {
        return VERSION;
    }

    /** {@code switchboard/VERSION}: how a server or client names itself on the wire. */
    public static String product() {
        return "switchboard/" + VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
