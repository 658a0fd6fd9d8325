package io.switchboard.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
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
 * Records the log events of loggers under a name prefix while a test runs (at the levels the
 * configuration lets through). Register with {@code @RegisterExtension}.
 */
public final class LogCapture implements BeforeEachCallback, AfterEachCallback {
    private final String prefix;
    private final List<LogEvent> events = new ArrayList<>();
    private Appender appender;

    /** Records loggers whose name starts with {@code prefix}. */
    public LogCapture(String prefix) {
        this.prefix = prefix;
    }

    /** The events so far. */
    public List<LogEvent> events() {
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    /** The formatted messages so far. */
    public List<String> messages() {
        return events().stream().map(e -> e.getMessage().getFormattedMessage()).collect(Collectors.toList());
    }

    /** The events at WARN or above so far, as {@code LEVEL logger - message exception} lines. */
    public List<String> warnings() {
        return events().stream().filter(e -> e.getLevel().isMoreSpecificThan(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + " - " + e.getMessage().getFormattedMessage()
                        + (e.getThrown() == null ? "" : " " + e.getThrown()))
                .collect(Collectors.toList());
    }

    /** Waits until the messages satisfy the condition; returns them. */
    public List<String> await(Predicate<List<String>> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (!condition.test(messages())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("log condition not met within " + timeout + "; logged: " + messages());
                }
                events.wait(Math.max(1, left / 1_000_000));
            }
        }
        return messages();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        appender = new Appender();
        appender.start();
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        logging.updateLoggers();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LoggerContext logging = (LoggerContext) LogManager.getContext(false);
        logging.getConfiguration().getRootLogger().removeAppender(appender.getName());
        logging.updateLoggers();
        appender.stop();
    }

    private final class Appender extends AbstractAppender {
        Appender() {
            super("log-capture-" + System.identityHashCode(LogCapture.this), null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLoggerName().startsWith(prefix)) {
                synchronized (events) {
                    events.add(event.toImmutable());
                    events.notifyAll();
                }
            }
        }
    }
}
