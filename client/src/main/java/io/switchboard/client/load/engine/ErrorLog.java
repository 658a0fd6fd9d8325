package io.switchboard.client.load.engine;

import io.switchboard.client.load.result.ErrorKind;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Logs the first occurrence of each error kind in a stage, so a run of errors is one line. */
final class ErrorLog {
    private static final Logger LOG = LogManager.getLogger(ErrorLog.class);
    private final AtomicIntegerArray seen = new AtomicIntegerArray(ErrorKind.values().length);
    private final String stage;

    ErrorLog(String stage) {
        this.stage = stage;
    }

    void first(ErrorKind kind, String detail, Throwable cause) {
        if (seen.get(kind.ordinal()) == 0 && seen.compareAndSet(kind.ordinal(), 0, 1)) {
            String why = cause == null ? "" : ": " + (cause.getMessage() == null ? cause.toString() : cause.getMessage());
            LOG.warn("[{}] first {} error: {}{} (further ones are only counted)", stage, kind.key(),
                    detail == null ? "" : detail, why);
        }
    }
}
