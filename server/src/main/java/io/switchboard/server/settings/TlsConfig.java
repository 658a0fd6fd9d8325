package io.switchboard.server.settings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the server's TLS uses: the certificate and key files, how often they are checked for
 * changes, the handshake timeout, and which listeners speak TLS (by id, for the start-up log; each
 * listener's initializer is told on its own whether it does).
 *
 * @param listeners the ids of the listeners that speak TLS, empty when none does
 * @param certificate the PEM certificate chain, or {@code null} when TLS is not configured
 * @param key the PEM PKCS#8 private key, or {@code null} when TLS is not configured
 * @param reloadInterval how often the files are checked for changes; zero means never
 * @param handshakeTimeout a handshake that takes longer closes the connection
 */
public record TlsConfig(List<String> listeners, Path certificate, Path key, Duration reloadInterval,
        Duration handshakeTimeout) {
    public TlsConfig {
        listeners = List.copyOf(listeners);
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    }
}
