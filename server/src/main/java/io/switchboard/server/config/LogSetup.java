package io.switchboard.server.config;

import io.switchboard.server.LogFormat;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.http.AccessLogHandler;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Applies the logging keys to log4j: the console format (chosen by an arbiter in the shipped
 * {@code log4j2.xml} from the {@value #FORMAT_PROPERTY} system property), the root level and the
 * levels of single loggers.
 *
 * <p>Call {@link #apply(ServerConfig)} before the first logger is made, so that the first line is
 * already in the chosen format; called later, it reconfigures. With a log4j configuration of the
 * operator's own ({@code -Dlog4j2.configurationFile}), the format is that file's business, and
 * only the levels apply.
 */
public final class LogSetup {
    /** The system property the shipped {@code log4j2.xml} selects its layouts by: {@code text} or {@code json}. */
    public static final String FORMAT_PROPERTY = "switchboard.log.format";
    /** The logger of the HTTP access log, with its own appender in the shipped configuration. */
    public static final String ACCESS_LOGGER = AccessLogHandler.LOGGER_NAME;

    private LogSetup() {
    }

    /** Sets the format and the levels. */
    public static void apply(ServerConfig config) {
        LogFormat format = config.logFormat();
        String previous = System.setProperty(FORMAT_PROPERTY, format.id());
        boolean started = LogManager.getFactory().hasContext(LogSetup.class.getName(),
                LogSetup.class.getClassLoader(), false);
        LoggerContext context = (LoggerContext) LogManager.getContext(LogSetup.class.getClassLoader(), false);
        if (started && !format.id().equals(previous == null ? LogFormat.TEXT.id() : previous)) {
            context.reconfigure();
        }
        Configurator.setRootLevel(config.logLevel());
        if (!config.loggerLevels().isEmpty()) {
            Configurator.setLevel(config.loggerLevels());
        }
    }
}
