package io.switchboard.common.tls;

import java.util.List;

/**
 * The TLS versions and cipher suites both ends use: TLS 1.3 and 1.2 only, and only AEAD suites
 * with forward secrecy (ephemeral ECDHE key exchange in TLS 1.2; every TLS 1.3 suite has both).
 * No CBC, no RSA key exchange, no finite-field DHE, no SHA-1 MACs. This matches Mozilla's
 * "intermediate" profile without its DHE suites, and the JDK 17 provider supports every suite.
 */
public final class TlsPolicy {
    /** The protocol versions, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** The cipher suites in order of preference: TLS 1.3 suites, then TLS 1.2 ECDHE AEAD suites. */
    public static final List<String> CIPHER_SUITES = List.of(
            // TLS 1.3
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            // TLS 1.2: ECDHE (forward secrecy) with AES-GCM or ChaCha20-Poly1305 (AEAD)
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPolicy() {
    }
}
