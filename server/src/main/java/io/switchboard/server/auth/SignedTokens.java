package io.switchboard.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.switchboard.server.session.Grant;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies signed tokens (JWT, compact JWS) with Nimbus JOSE+JWT and turns their claims into a
 * {@link Grant}: HS256 with the shared secret of {@code auth.jwt-secret-file}, RS256 and ES256
 * with the public keys of {@code auth.jwt-keys} (PEM public keys or certificates, or a JWKS).
 * A token whose header names a key ({@code kid}) is checked with that key only; one without is
 * checked with every key of its algorithm, so keys can be rotated by listing old and new
 * together. Unsigned tokens ({@code alg: none}) and other algorithms are refused.
 *
 * <p>The claims (docs/security.md): {@code sub} (required), {@code exp} (required), {@code nbf},
 * {@code name}, and {@code sb}: {@code {"rooms": {"chat.*": ["join", "publish", "presence"]},
 * "broadcast": false, "direct": true}} (all optional; absent means no right). Thread-safe:
 * {@link #install} swaps the keys at once for the next verification.
 */
final class SignedTokens {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256,
            JWSAlgorithm.ES256);
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----[\\s\\S]*?-----END \\1-----");
    /** The smallest HS256 secret: 256 bits (RFC 7518, 3.2). */
    static final int MIN_SECRET_BYTES = 32;

    private final Clock clock;
    private volatile DefaultJWTProcessor<SecurityContext> processor;
    private volatile int keyCount;

    SignedTokens(Clock clock) {
        this.clock = clock;
    }

    /** Verifies with these keys from now on. */
    void install(List<JWK> keys) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, new ImmutableJWKSet<>(new JWKSet(keys))));
        p.setJWTClaimsSetVerifier((claims, context) -> { }); // the times are checked below, with this clock
        processor = p;
        keyCount = keys.size();
    }

    /** How many keys verify tokens now. */
    int keyCount() {
        return keyCount;
    }

    /** Whether {@code token} has the shape of a compact JWS (three base64url parts), not of a static token. */
    static boolean looksSigned(String token) {
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        return first > 0 && second > first + 1 && token.indexOf('.', second + 1) < 0 && second < token.length() - 1;
    }

    /** A token that does not verify: {@code cause} labels it for the metrics, the message is for the client. */
    static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        private final String cause;

        Rejected(String cause, String message) {
            super(message, null, false, false);
            this.cause = cause;
        }

        String cause() {
            return cause;
        }
    }

    /** The grant of a valid token. */
    Grant verify(String token) throws Rejected {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new Rejected("token_malformed", "the signed token cannot be parsed");
        } catch (BadJOSEException e) {
            throw new Rejected("token_invalid", "the signed token does not verify (signature, key or algorithm)");
        } catch (JOSEException e) {
            throw new Rejected("token_invalid", "the signed token cannot be verified");
        }
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Rejected("token_invalid", "the signed token has no expiry (exp)");
        }
        if (!now.isBefore(exp.toInstant())) {
            throw new Rejected("token_expired", "the signed token expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant())) {
            throw new Rejected("token_invalid", "the signed token is not valid before " + nbf.toInstant());
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isEmpty()) {
            throw new Rejected("token_invalid", "the signed token has no subject (sub)");
        }
        try {
            String name = claims.getStringClaim("name");
            Map<String, Object> sb = claims.getJSONObjectClaim("sb");
            List<Grant.RoomRights> rooms = new ArrayList<>();
            boolean broadcast = false;
            boolean direct = false;
            if (sb != null) {
                Object roomClaim = sb.get("rooms");
                if (roomClaim != null && !(roomClaim instanceof Map<?, ?>)) {
                    throw new Rejected("token_invalid", "claim sb.rooms must be an object of room pattern to rights");
                }
                if (roomClaim instanceof Map<?, ?> map) {
                    for (Map.Entry<?, ?> e : map.entrySet()) {
                        rooms.add(new Grant.RoomRights((String) e.getKey(), rights(e.getKey(), e.getValue())));
                    }
                }
                broadcast = flag(sb, "broadcast");
                direct = flag(sb, "direct");
            }
            return new Grant(subject, name == null ? "" : name, nbf == null ? null : nbf.toInstant(), exp.toInstant(),
                    rooms, broadcast, direct);
        } catch (ParseException e) {
            throw new Rejected("token_invalid", "claim name must be a string and sb an object");
        }
    }

    private static Set<Grant.Right> rights(Object pattern, Object value) throws Rejected {
        if (!(value instanceof List<?> list)) {
            throw new Rejected("token_invalid", "claim sb.rooms." + pattern + " must be a list of rights");
        }
        Set<Grant.Right> rights = EnumSet.noneOf(Grant.Right.class);
        for (Object r : list) {
            switch (String.valueOf(r)) {
                case "join" -> rights.add(Grant.Right.JOIN);
                case "publish" -> rights.add(Grant.Right.PUBLISH);
                case "presence" -> rights.add(Grant.Right.PRESENCE);
                default -> throw new Rejected("token_invalid", "claim sb.rooms." + pattern + ": unknown right '" + r
                        + "' (expected: join, publish or presence)");
            }
        }
        return rights;
    }

    private static boolean flag(Map<String, Object> sb, String name) throws Rejected {
        Object v = sb.get(name);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw new Rejected("token_invalid", "claim sb." + name + " must be true or false");
        }
        return b;
    }

    // ---- key files ----

    /** The HS256 key of a secret file: its bytes, trailing line breaks and spaces cut. */
    static JWK secret(Path file) throws KeyFileException {
        byte[] bytes;
        try {
            bytes = Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeyFileException("auth.jwt-secret-file: " + file + ": cannot read it: " + e);
        }
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new KeyFileException("auth.jwt-secret-file: " + file + " holds a secret of " + bytes.length
                    + " bytes (expected: at least " + MIN_SECRET_BYTES + ")");
        }
        return new OctetSequenceKey.Builder(bytes).algorithm(JWSAlgorithm.HS256).build();
    }

    /** The public keys of a JWKS file ({@code {"keys": [...]}}) or a PEM file of public keys or certificates. */
    static List<JWK> publicKeys(Path file) throws KeyFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KeyFileException("auth.jwt-keys: " + file + ": cannot read it: " + e);
        }
        List<JWK> keys = new ArrayList<>();
        if (text.stripLeading().startsWith("{")) {
            try {
                for (JWK k : JWKSet.parse(text).getKeys()) {
                    if (k instanceof OctetSequenceKey) {
                        throw new KeyFileException("auth.jwt-keys: " + file + ": a symmetric key (kty oct) "
                                + "(expected: RSA or EC public keys; a shared secret goes in auth.jwt-secret-file)");
                    }
                    keys.add(k.toPublicJWK());
                }
            } catch (ParseException e) {
                throw new KeyFileException("auth.jwt-keys: " + file + " is not a valid JWKS: " + e.getMessage());
            }
        } else {
            Matcher m = PEM_BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).contains("PRIVATE")) {
                    throw new KeyFileException("auth.jwt-keys: " + file + " holds a private key (expected: public "
                            + "keys or certificates only)");
                }
                keys.add(pemKey(file, m.group(1), m.group()));
            }
        }
        if (keys.isEmpty()) {
            throw new KeyFileException("auth.jwt-keys: " + file
                    + " holds no key (expected: PEM public keys or certificates, or a JWKS)");
        }
        return keys;
    }

    /** A PEM public key or certificate as a JWK whose key id is its RFC 7638 thumbprint. */
    private static JWK pemKey(Path file, String type, String block) throws KeyFileException {
        String body = block.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(body);
            PublicKey key;
            if (type.equals("CERTIFICATE")) {
                key = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der))
                        .getPublicKey();
            } else if (type.equals("PUBLIC KEY")) {
                key = publicKey(der);
            } else {
                throw new KeyFileException("auth.jwt-keys: " + file + ": a PEM block of type " + type
                        + " (expected: PUBLIC KEY or CERTIFICATE)");
            }
            JWK jwk;
            if (key instanceof RSAPublicKey rsa) {
                jwk = new RSAKey.Builder(rsa).keyIDFromThumbprint().build();
            } else if (key instanceof ECPublicKey ec) {
                jwk = new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).keyIDFromThumbprint().build();
            } else {
                throw new KeyFileException("auth.jwt-keys: " + file + ": a " + key.getAlgorithm()
                        + " key (expected: RSA or EC P-256)");
            }
            return jwk;
        } catch (IllegalArgumentException | GeneralSecurityException | JOSEException e) {
            throw new KeyFileException("auth.jwt-keys: " + file + ": a PEM block (" + type
                    + ") that cannot be read: " + e.getMessage());
        }
    }

    private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        }
    }

    /** A key file that cannot be used; the message names the file, never a secret. */
    static final class KeyFileException extends Exception {
        private static final long serialVersionUID = 1L;

        KeyFileException(String message) {
            super(message);
        }
    }
}
