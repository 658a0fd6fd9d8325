package io.switchboard.server.lifecycle;

import io.switchboard.common.transport.SystemdNotifier;
import java.io.IOException;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's side of systemd's {@code Type=notify}: {@code READY=1} with a {@code STATUS=} line
 * once every listener is bound, {@code STOPPING=1} with {@code STATUS=draining} when a graceful
 * shutdown begins. Does nothing without {@code NOTIFY_SOCKET}. A notification that cannot be sent
 * is logged (systemd would then time the start out), never fatal. Thread-safe.
 */
public final class SystemdNotify implements AutoCloseable {
    private static final Logger log = LogManager.getLogger(SystemdNotify.class);
    private static final SystemdNotify NONE = new SystemdNotify(null);

    private final SystemdNotifier notifier;

    private SystemdNotify(SystemdNotifier notifier) {
        this.notifier = notifier;
    }

    /** Notifies the socket in {@code NOTIFY_SOCKET}, if set; otherwise does nothing. */
    public static SystemdNotify fromEnvironment(Map<String, String> environment) {
        String socket = environment.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return NONE;
        }
        try {
            return new SystemdNotify(SystemdNotifier.open(socket));
        } catch (IOException | RuntimeException e) {
            log.warn("NOTIFY_SOCKET is set but systemd cannot be notified: {}", e.getMessage());
            return NONE;
        }
    }

    /** Whether notifications are sent at all. */
    public boolean enabled() {
        return notifier != null;
    }

    /** Every listener is bound: {@code READY=1} and {@code STATUS=<status>}. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\nMAINPID=" + ProcessHandle.current().pid());
    }

    /** A graceful shutdown begins: {@code STOPPING=1} and {@code STATUS=draining ...}. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + oneLine(status));
    }

    private void send(String message) {
        if (notifier == null) {
            return;
        }
        try {
            notifier.send(message);
            log.debug("notified systemd: {}", message.replace('\n', ' '));
        } catch (IOException e) {
            log.warn("cannot notify systemd at {}: {}", notifier.socket(), e.getMessage());
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    @Override
    public void close() {
        if (notifier != null) {
            notifier.close();
        }
    }
}
