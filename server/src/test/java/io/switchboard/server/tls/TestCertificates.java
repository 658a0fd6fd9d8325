package io.switchboard.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests, made once per test JVM with the JDK's own {@code keytool} (no openssl,
 * no extra dependency): a test CA, and certificates it signed, written as PEM chains (leaf, then
 * CA) with PKCS#8 PEM keys. Netty's {@code SelfSignedCertificate} is no use on JDK 17: its
 * generator needs JDK internals the module system closes.
 *
 * <ul>
 *   <li>{@link #ec()}: EC P-256, {@code CN=localhost}, SAN {@code localhost} and {@code 127.0.0.1}.</li>
 *   <li>{@link #rsa()}: RSA 2048, {@code CN=localhost}, SAN {@code localhost} only (no IP: a
 *       client verifying {@code 127.0.0.1} against it must fail).</li>
 *   <li>{@link #untrusted()}: EC P-256, self-signed, SAN {@code localhost} and {@code 127.0.0.1}.</li>
 * </ul>
 */
public final class TestCertificates {
    private static final String PASSWORD = "changeit";
    private static TestCertificates shared;

    private final Path dir;
    private final Path caCert;
    private final Issued ec;
    private final Issued rsa;
    private final Issued untrusted;

    /** A certificate chain file, its key file, and the leaf. */
    public record Issued(Path cert, Path key, X509Certificate leaf) {
        /** The leaf's serial number. */
        public BigInteger serial() {
            return leaf.getSerialNumber();
        }
    }

    private TestCertificates(Path dir) throws IOException, GeneralSecurityException, InterruptedException {
        this.dir = dir;
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=Switchboard Test CA", "-ext", "bc:c", "-validity", "30", "-keystore", "ca.p12");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        this.caCert = dir.resolve("ca.pem");
        // keytool starts a JVM each time: the three certificates are made side by side.
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<Issued> ec = pool.submit(() -> issue("ec", "EC", "dns:localhost,ip:127.0.0.1", true));
            Future<Issued> rsa = pool.submit(() -> issue("rsa", "RSA", "dns:localhost", true));
            Future<Issued> untrusted = pool.submit(() -> issue("untrusted", "EC", "dns:localhost,ip:127.0.0.1", false));
            this.ec = ec.get();
            this.rsa = rsa.get();
            this.untrusted = untrusted.get();
        } catch (ExecutionException e) {
            throw new IOException("keytool failed", e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    /** The certificates, made on first use; the files are deleted when the JVM exits. */
    public static synchronized TestCertificates shared() {
        if (shared == null) {
            try {
                Path dir = Files.createTempDirectory("switchboard-certs");
                shared = new TestCertificates(dir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            } catch (IOException | GeneralSecurityException | InterruptedException e) {
                throw new IllegalStateException("cannot make test certificates with keytool", e);
            }
        }
        return shared;
    }

    /** The test CA's certificate, PEM. */
    public Path caCert() {
        return caCert;
    }

    /** EC P-256 leaf for localhost and 127.0.0.1, signed by the CA. */
    public Issued ec() {
        return ec;
    }

    /** RSA 2048 leaf for localhost only, signed by the CA. */
    public Issued rsa() {
        return rsa;
    }

    /** A self-signed EC leaf for localhost and 127.0.0.1 that the CA did not sign. */
    public Issued untrusted() {
        return untrusted;
    }

    /** Copies a certificate's two files into {@code target} as {@code cert.pem} and {@code key.pem}. */
    public static Issued copyTo(Issued issued, Path target) throws IOException {
        Files.createDirectories(target);
        Path cert = target.resolve("cert.pem");
        Path key = target.resolve("key.pem");
        replace(issued.cert(), cert);
        replace(issued.key(), key);
        return new Issued(cert, key, issued.leaf());
    }

    /** Replaces {@code target} with a copy of {@code source} by an atomic rename, as deployment tools do. */
    public static void replace(Path source, Path target) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), ".swap", ".tmp");
        Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The PKCS#1 form ({@code BEGIN RSA PRIVATE KEY}) of the RSA key, which the server refuses. */
    public String rsaKeyAsPkcs1() throws IOException {
        String pem = Files.readString(rsa.key());
        byte[] pkcs8 = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        // PrivateKeyInfo ::= SEQUENCE { version INTEGER, algorithm SEQUENCE, privateKey OCTET STRING }
        Der info = new Der(pkcs8, 0).enter();
        Der version = info;
        Der algorithm = version.next();
        Der octets = algorithm.next();
        byte[] pkcs1 = octets.content();
        return pem("RSA PRIVATE KEY", pkcs1);
    }

    private Issued issue(String name, String keyAlg, String san, boolean signedByCa)
            throws IOException, GeneralSecurityException, InterruptedException {
        String store = name + ".p12";
        List<String> gen = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-keyalg", keyAlg,
                "-dname", "CN=localhost", "-validity", "30", "-keystore", store));
        if (keyAlg.equals("EC")) {
            gen.addAll(List.of("-groupname", "secp256r1"));
        } else {
            gen.addAll(List.of("-keysize", "2048"));
        }
        if (!signedByCa) {
            gen.addAll(List.of("-ext", "SAN=" + san));
        }
        keytool(gen.toArray(new String[0]));
        Path leafPem = dir.resolve(name + "-leaf.pem");
        if (signedByCa) {
            keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
            keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", name + ".csr", "-outfile",
                    leafPem.getFileName().toString(), "-rfc", "-ext", "SAN=" + san, "-ext", "EKU=serverAuth",
                    "-validity", "30");
        } else {
            keytool("-exportcert", "-rfc", "-alias", name, "-keystore", store, "-file", leafPem.getFileName().toString());
        }
        Path chain = dir.resolve(name + "-chain.pem");
        String chainText = Files.readString(leafPem) + (signedByCa ? Files.readString(caCert) : "");
        Files.writeString(chain, chainText);
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(store))) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) keyStore.getKey(name, PASSWORD.toCharArray());
        Path keyFile = dir.resolve(name + "-key.pem");
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(leafPem)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        return new Issued(chain, keyFile, leaf);
    }

    static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-noprompt"));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("keytool " + args[0] + " did not finish");
        }
        if (process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }

    /** Just enough DER to walk a PrivateKeyInfo. */
    private static final class Der {
        private final byte[] data;
        private final int offset;
        private final int headerLength;
        private final int length;

        Der(byte[] data, int offset) {
            this.data = data;
            this.offset = offset;
            int first = data[offset + 1] & 0xff;
            if (first < 0x80) {
                headerLength = 2;
                length = first;
            } else {
                int n = first & 0x7f;
                int len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (data[offset + 2 + i] & 0xff);
                }
                headerLength = 2 + n;
                length = len;
            }
        }

        /** The first element inside this constructed one. */
        Der enter() {
            return new Der(data, offset + headerLength);
        }

        /** The element after this one. */
        Der next() {
            return new Der(data, offset + headerLength + length);
        }

        byte[] content() {
            byte[] out = new byte[length];
            System.arraycopy(data, offset + headerLength, out, 0, length);
            return out;
        }
    }
}
