package io.switchboard.server.reload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Checks on files that hold secrets (the TLS key, the token file). */
public final class SecretFiles {
    private static final Logger log = LogManager.getLogger(SecretFiles.class);

    private SecretFiles() {
    }

    /** Logs one warning when the file can be read by every user on the machine. */
    public static void warnIfReadableByOthers(String setting, Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)) {
                log.warn("{}: {} is readable by every user (mode {}) but holds secrets; fix with: chmod o-r {}",
                        setting, file, PosixFilePermissions.toString(permissions), file);
            }
        } catch (UnsupportedOperationException | IOException | SecurityException e) {
            // Not a POSIX file system, or the attributes cannot be read: nothing to say.
        }
    }
}
