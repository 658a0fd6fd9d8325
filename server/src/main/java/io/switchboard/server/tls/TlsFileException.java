package io.switchboard.server.tls;

/**
 * A certificate or key file that cannot be used; the message is one line naming the setting, the
 * file, what is wrong and what was expected (never the file's content).
 */
public final class TlsFileException extends Exception {
    private static final long serialVersionUID = 1L;

    TlsFileException(String message) {
        super(message);
    }

    TlsFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
