package io.switchboard.server.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a PEM certificate chain and a PEM PKCS#8 private key, and checks that they belong
 * together. Every failure is a {@link TlsFileException} with a one-line message naming the file.
 * Other PEM blocks in a file are ignored, so one file holding both the chain and the key can serve
 * as {@code tls.cert} and {@code tls.key}.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*(.*?)-----END \\1-----", Pattern.DOTALL);
    /** PEM headers of legacy encrypted keys ({@code Proc-Type: 4,ENCRYPTED}) before the base64. */
    private static final Pattern HEADER_LINE = Pattern.compile("^[A-Za-z-]+:.*$", Pattern.MULTILINE);

    private PemFiles() {
    }

    /** A chain and its key, checked. */
    record KeyAndChain(PrivateKey key, X509Certificate[] chain) {
        X509Certificate leaf() {
            return chain[0];
        }
    }

    static KeyAndChain read(Path certFile, Path keyFile) throws TlsFileException {
        X509Certificate[] chain = readChain(certFile);
        PrivateKey key = readKey(keyFile, chain[0], certFile);
        return new KeyAndChain(key, chain);
    }

    private record Block(String label, String body) {
    }

    private static List<Block> blocks(String setting, Path file) throws TlsFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new TlsFileException(setting + ": " + file + ": cannot read it: " + e, e);
        }
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            blocks.add(new Block(m.group(1), m.group(2)));
        }
        return blocks;
    }

    private static byte[] der(String setting, Path file, Block block) throws TlsFileException {
        try {
            return Base64.getMimeDecoder().decode(HEADER_LINE.matcher(block.body()).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw new TlsFileException(setting + ": " + file + ": a " + block.label()
                    + " block is not valid base64 (expected: PEM)");
        }
    }

    static X509Certificate[] readChain(Path file) throws TlsFileException {
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (Block block : blocks("tls.cert", file)) {
            if (!block.label().equals("CERTIFICATE")) {
                continue;
            }
            try {
                chain.add((X509Certificate) factory.generateCertificate(
                        new ByteArrayInputStream(der("tls.cert", file, block))));
            } catch (CertificateException e) {
                throw new TlsFileException("tls.cert: " + file + ": certificate " + (chain.size() + 1)
                        + " cannot be parsed: " + e.getMessage() + " (expected: X.509 certificates in PEM)", e);
            }
        }
        if (chain.isEmpty()) {
            throw new TlsFileException("tls.cert: " + file
                    + " holds no certificate (expected: a PEM certificate chain, '-----BEGIN CERTIFICATE-----', leaf first)");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate next = chain.get(i + 1);
            if (!cert.getIssuerX500Principal().equals(next.getSubjectX500Principal())) {
                throw new TlsFileException("tls.cert: " + file + ": certificate " + (i + 2) + " ("
                        + next.getSubjectX500Principal() + ") is not the issuer of certificate " + (i + 1) + " ("
                        + cert.getIssuerX500Principal() + ") (expected: the leaf first, then each issuer in turn)");
            }
        }
        return chain.toArray(new X509Certificate[0]);
    }

    static PrivateKey readKey(Path file, X509Certificate leaf, Path certFile) throws TlsFileException {
        Block pkcs8 = null;
        String otherKind = null;
        for (Block block : blocks("tls.key", file)) {
            switch (block.label()) {
                case "PRIVATE KEY":
                    if (pkcs8 != null) {
                        throw new TlsFileException("tls.key: " + file
                                + " holds more than one private key (expected: exactly one)");
                    }
                    pkcs8 = block;
                    break;
                case "RSA PRIVATE KEY":
                    otherKind = "a PKCS#1 RSA key ('BEGIN RSA PRIVATE KEY')";
                    break;
                case "EC PRIVATE KEY":
                    otherKind = "a SEC 1 EC key ('BEGIN EC PRIVATE KEY')";
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    otherKind = "an encrypted PKCS#8 key";
                    break;
                case "OPENSSH PRIVATE KEY":
                    otherKind = "an OpenSSH key";
                    break;
                default:
                    break;
            }
        }
        if (pkcs8 == null) {
            String convert = " (expected: an unencrypted PKCS#8 key, '-----BEGIN PRIVATE KEY-----'; convert with:"
                    + " openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key.pk8.pem)";
            throw new TlsFileException("tls.key: " + file + (otherKind == null ? " holds no private key" : " is " + otherKind)
                    + convert);
        }
        PublicKey publicKey = leaf.getPublicKey();
        String algorithm = publicKey.getAlgorithm();
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der("tls.key", file, pkcs8)));
        } catch (GeneralSecurityException e) {
            throw new TlsFileException("tls.key: " + file + " is not a PKCS#8 " + algorithm
                    + " key (expected: the private key of the " + algorithm + " certificate in tls.cert " + certFile + ")");
        }
        if (!matches(key, publicKey)) {
            throw new TlsFileException("tls.key: " + file + " does not belong to the certificate in tls.cert " + certFile
                    + " (" + leaf.getSubjectX500Principal() + "): its public key differs");
        }
        return key;
    }

    /** Whether the private key is the other half of the public key; true when the algorithm cannot be checked. */
    static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (key instanceof RSAKey && publicKey instanceof RSAKey) {
            return ((RSAKey) key).getModulus().equals(((RSAKey) publicKey).getModulus());
        }
        String signature;
        switch (publicKey.getAlgorithm()) {
            case "EC":
                signature = "SHA256withECDSA";
                break;
            case "EdDSA":
            case "Ed25519":
            case "Ed448":
                signature = "EdDSA";
                break;
            case "DSA":
                signature = "SHA256withDSA";
                break;
            default:
                return true;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(probe);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
