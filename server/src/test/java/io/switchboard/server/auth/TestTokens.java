package io.switchboard.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signed tokens for tests, made with Nimbus JOSE+JWT (never hand-built strings): an HS256 secret,
 * an RSA and an EC key pair, and key files in the formats the server reads.
 */
public final class TestTokens {
    /** 32 bytes: the smallest HS256 secret the server takes. */
    public static final String SECRET = "test-secret-of-thirty-two-bytes!";
    public final RSAKey rsa;
    public final ECKey ec;
    /** A key pair the server does not know. */
    public final RSAKey stranger;

    public TestTokens() {
        try {
            rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
            stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The rights claim {@code sb}: pattern to rights, then the two flags. */
    public static Map<String, Object> rights(Map<String, List<String>> rooms, boolean broadcast, boolean direct) {
        Map<String, Object> sb = new LinkedHashMap<>();
        sb.put("rooms", rooms);
        sb.put("broadcast", broadcast);
        sb.put("direct", direct);
        return sb;
    }

    /** Claims for {@code sub} valid for {@code ttl} from now, with these rights (or none). */
    public static JWTClaimsSet claims(String sub, Duration ttl, Map<String, Object> sb) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().subject(sub).claim("name", sub + " (verified)")
                .issueTime(new Date()).expirationTime(Date.from(Instant.now().plus(ttl)));
        if (sb != null) {
            b.claim("sb", sb);
        }
        return b.build();
    }

    /** HS256 with {@code secret}. */
    public static String hs256(String secret, JWTClaimsSet claims) {
        try {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), new JWSHeader(JWSAlgorithm.HS256), claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String hs256(JWTClaimsSet claims) {
        return hs256(SECRET, claims);
    }

    /** RS256 with {@code key}, its key id in the header. */
    public static String rs256(RSAKey key, JWTClaimsSet claims) {
        try {
            return sign(new RSASSASigner(key), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                    claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ES256 with {@code key}, its key id in the header. */
    public static String es256(ECKey key, JWTClaimsSet claims) {
        try {
            return sign(new ECDSASigner(key), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
                    claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(header, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** Writes the secret file, readable by its owner only (as the server asks). */
    public static Path secretFile(Path dir) {
        Path file = write(dir.resolve("jwt.secret"), SECRET + "\n");
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            // not POSIX: the server only warns
        }
        return file;
    }

    /** Writes a JWKS of the public RSA and EC keys. */
    public Path jwksFile(Path dir) {
        return write(dir.resolve("jwks.json"), new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
    }

    /** Writes a PEM file of the public keys ("BEGIN PUBLIC KEY"), as openssl writes them. */
    public Path pemFile(Path dir) {
        try {
            return write(dir.resolve("keys.pem"), pem(rsa.toPublicKey().getEncoded()) + pem(ec.toPublicKey().getEncoded()));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(byte[] der) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n";
    }

    static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
