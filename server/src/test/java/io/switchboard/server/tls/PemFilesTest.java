package io.switchboard.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.switchboard.common.tls.TlsPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Reading the certificate chain and key: what is accepted, and the one-line error for everything else. */
@Timeout(120)
class PemFilesTest {
    private static final TestCertificates CERTS = TestCertificates.shared();

    @TempDir
    Path dir;

    @Test
    void readsAChainAndItsKey() throws Exception {
        PemFiles.KeyAndChain ec = PemFiles.read(CERTS.ec().cert(), CERTS.ec().key());
        assertEquals(2, ec.chain().length, "leaf and CA");
        assertEquals(CERTS.ec().serial(), ec.leaf().getSerialNumber());
        assertEquals("EC", ec.key().getAlgorithm());
        PemFiles.KeyAndChain rsa = PemFiles.read(CERTS.rsa().cert(), CERTS.rsa().key());
        assertEquals("RSA", rsa.key().getAlgorithm());
    }

    @Test
    void oneFileMayHoldTheChainAndTheKey() throws Exception {
        Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, Files.readString(CERTS.ec().key()) + Files.readString(CERTS.ec().cert()));
        assertEquals(CERTS.ec().serial(), PemFiles.read(combined, combined).leaf().getSerialNumber());
    }

    @Test
    void contextOffersOnlyTheVersionsAndSuitesOfThePolicy() throws Exception {
        SSLEngine engine = ServerTls.load(CERTS.ec().cert(), CERTS.ec().key()).context()
                .newEngine(ByteBufAllocator.DEFAULT);
        assertEquals(Set.of("TLSv1.3", "TLSv1.2"), Set.of(engine.getEnabledProtocols()));
        List<String> suites = List.of(engine.getEnabledCipherSuites());
        assertTrue(TlsPolicy.CIPHER_SUITES.containsAll(suites), () -> "outside the policy: " + suites);
        // Every suite of the policy is available in the JDK 17 provider.
        assertEquals(Set.copyOf(TlsPolicy.CIPHER_SUITES), Set.copyOf(suites));
    }

    @Test
    void pkcs1KeyIsRefusedWithTheConversionCommand() throws Exception {
        Path key = write("rsa-pkcs1.pem", CERTS.rsaKeyAsPkcs1());
        String message = refusal(CERTS.rsa().cert(), key);
        assertTrue(message.startsWith("tls.key: " + key + " is a PKCS#1 RSA key"), message);
        assertTrue(message.contains("openssl pkcs8 -topk8 -nocrypt -in " + key), message);
    }

    @Test
    void keyOfAnotherCertificateIsRefused() throws Exception {
        String message = refusal(CERTS.ec().cert(), CERTS.untrusted().key());
        assertTrue(message.startsWith("tls.key: " + CERTS.untrusted().key() + " does not belong to the certificate in tls.cert "
                + CERTS.ec().cert()), message);
    }

    @Test
    void keyOfAnotherAlgorithmIsRefused() throws Exception {
        String message = refusal(CERTS.rsa().cert(), CERTS.ec().key());
        assertTrue(message.startsWith("tls.key: " + CERTS.ec().key() + " is not a PKCS#8 RSA key"), message);
    }

    @Test
    void otherKeyFormsAreNamed() throws Exception {
        assertTrue(refusal(CERTS.ec().cert(), write("sec1.pem", TestCertificates.pem("EC PRIVATE KEY", new byte[40])))
                .contains("is a SEC 1 EC key"));
        assertTrue(refusal(CERTS.ec().cert(), write("enc.pem", TestCertificates.pem("ENCRYPTED PRIVATE KEY", new byte[40])))
                .contains("is an encrypted PKCS#8 key"));
        assertTrue(refusal(CERTS.ec().cert(), CERTS.ec().cert()).contains("holds no private key"));
        Path two = write("two.pem", Files.readString(CERTS.ec().key()) + Files.readString(CERTS.ec().key()));
        assertTrue(refusal(CERTS.ec().cert(), two).contains("holds more than one private key"));
    }

    @Test
    void badCertificateFilesAreRefused() throws Exception {
        assertTrue(refusal(CERTS.ec().key(), CERTS.ec().key()).startsWith("tls.cert: " + CERTS.ec().key()
                + " holds no certificate"));
        Path garbage = write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
        assertTrue(refusal(garbage, CERTS.ec().key()).startsWith("tls.cert: " + garbage), garbage.toString());
        String[] blocks = Files.readString(CERTS.ec().cert()).split("(?<=-----END CERTIFICATE-----\n)");
        Path reversed = write("reversed.pem", blocks[1] + blocks[0]);
        assertTrue(refusal(reversed, CERTS.ec().key()).contains("(expected: the leaf first, then each issuer in turn)"));
        Path missing = dir.resolve("missing.pem");
        assertTrue(refusal(missing, CERTS.ec().key()).startsWith("tls.cert: " + missing + ": cannot read it"));
    }

    private String refusal(Path cert, Path key) throws IOException {
        TlsFileException e = assertThrows(TlsFileException.class, () -> ServerTls.load(cert, key));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        for (Path file : List.of(cert, key)) {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.startsWith("-----") && line.length() >= 8) {
                        assertFalse(e.getMessage().contains(line), "no file content: " + e.getMessage());
                    }
                }
            }
        }
        return e.getMessage();
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
