package io.switchboard.server.http;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when the server logged at WARN or above while it ran: nothing a peer sends may
 * do that. Register with {@code @RegisterExtension}.
 */
final class WarningRecorder implements BeforeEachCallback, AfterEachCallback {
    private final List<String> warnings = new ArrayList<>();
    private Appender appender;

    /** The warnings logged so far, which the test takes over: they no longer fail it. */
    List<String> take() {
        synchronized (warnings) {
            List<String> seen = new ArrayList<>(warnings);
            warnings.clear();
            return seen;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        appender = new Appender();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, Level.WARN, null);
        logging.updateLoggers();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().removeAppender(appender.getName());
        logging.updateLoggers();
        appender.stop();
        synchronized (warnings) {
            List<String> seen = new ArrayList<>(warnings);
            warnings.clear();
            if (!seen.isEmpty()) {
                throw new AssertionError("logged at WARN or above:\n" + String.join("\n", seen));
            }
        }
    }

    private final class Appender extends AbstractAppender {
        Appender() {
            super("warning-recorder", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(Level.WARN) && event.getLoggerName().startsWith("io.switchboard")) {
                synchronized (warnings) {
                    warnings.add(event.getLevel() + " " + event.getLoggerName() + " - "
                            + event.getMessage().getFormattedMessage()
                            + (event.getThrown() == null ? "" : " " + event.getThrown()));
                }
            }
        }
    }
}
