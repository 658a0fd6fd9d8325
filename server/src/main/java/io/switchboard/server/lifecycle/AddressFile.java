package io.switchboard.server.lifecycle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The file of {@code listeners.address-file}: where each listener is really bound, for a health
 * check (the container image's) that must find the HTTP port however it was set: flag, variable
 * or configuration file. One line per listener that is on, in this form:
 *
 * <pre>
 * # switchboard listeners, written once all were bound; removed at shutdown
 * framed 0.0.0.0 7000 plain
 * echo 0.0.0.0 7001 plain
 * udp 0.0.0.0 7002 plain
 * http 0.0.0.0 8080 tls
 * </pre>
 *
 * <p>An IPv6 address is written without brackets ({@code ::}). The file is written to a
 * temporary file beside it and renamed, so a reader sees the old file or the whole new one; it
 * is removed at start (a file left by a killed server is never read as this one's) and at the
 * start of shutdown. Failing to write it is a warning, not a start-up failure: the server serves
 * anyway, and the health check falls back to the variables.
 */
public final class AddressFile {
    private static final Logger log = LogManager.getLogger(AddressFile.class);

    private AddressFile() {
    }

    /** One listener's line: what it is bound to and whether it speaks TLS. */
    public record Entry(InetSocketAddress address, boolean tls) {
    }

    /** The file's text for these listeners, in the map's order. */
    static String render(Map<String, Entry> listeners) {
        StringBuilder text = new StringBuilder("# switchboard listeners, written once all were bound; removed at shutdown\n");
        for (Map.Entry<String, Entry> e : listeners.entrySet()) {
            InetSocketAddress address = e.getValue().address();
            text.append(e.getKey().toLowerCase(Locale.ROOT)).append(' ')
                    .append(address.getAddress().getHostAddress().replaceFirst("%.*$", "")).append(' ')
                    .append(address.getPort()).append(' ')
                    .append(e.getValue().tls() ? "tls" : "plain").append('\n');
        }
        return text.toString();
    }

    /** Writes the file (creating its directory), atomically where the file system allows; warns on failure. */
    public static void write(Path file, Map<String, Entry> listeners) {
        if (file == null) {
            return;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.writeString(temp, render(listeners), StandardCharsets.UTF_8);
                temp.toFile().setReadable(true, false); // a health check may run as another user
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
            log.info("listener addresses written to {}", file);
        } catch (IOException | SecurityException e) {
            log.warn("listeners.address-file {}: cannot write it ({}); a health check reading it falls back to "
                    + "its own defaults", file, e.toString());
        }
    }

    /** Removes the file if it is there; a failure is logged at debug. */
    public static void remove(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException | SecurityException e) {
            log.debug("listeners.address-file {}: cannot remove it: {}", file, e.toString());
        }
    }
}
