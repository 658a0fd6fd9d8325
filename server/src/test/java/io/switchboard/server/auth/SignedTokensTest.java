package io.switchboard.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.switchboard.server.session.Grant;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Verification of signed tokens and their claims, each algorithm and each way a token is wrong. */
class SignedTokensTest {
    private static TestTokens keys;
    @TempDir
    Path dir;

    @BeforeAll
    static void keys() {
        keys = new TestTokens();
    }

    private SignedTokens verifier(Path... files) throws Exception {
        SignedTokens t = new SignedTokens(Clock.systemUTC());
        List<com.nimbusds.jose.jwk.JWK> all = new ArrayList<>();
        all.add(SignedTokens.secret(TestTokens.secretFile(dir)));
        for (Path f : files) {
            all.addAll(SignedTokens.publicKeys(f));
        }
        t.install(all);
        return t;
    }

    private static JWTClaimsSet alice() {
        return TestTokens.claims("alice", Duration.ofMinutes(5), TestTokens.rights(
                Map.of("chat.*", List.of("join", "publish", "presence"), "news", List.of("join")), false, true));
    }

    @Test
    void eachAlgorithmVerifiesAndTheClaimsBecomeTheGrant() throws Exception {
        SignedTokens t = verifier(keys.jwksFile(dir));
        for (String token : List.of(keys.hs256(alice()), TestTokens.rs256(keys.rsa, alice()),
                TestTokens.es256(keys.ec, alice()))) {
            Grant g = t.verify(token);
            assertEquals("alice", g.subject());
            assertEquals("alice (verified)", g.name());
            assertTrue(g.may(Grant.Right.PUBLISH, "chat.a"));
            assertTrue(g.may(Grant.Right.JOIN, "news"));
            assertFalse(g.may(Grant.Right.PUBLISH, "news"));
            assertFalse(g.may(Grant.Right.JOIN, "ops"));
            assertFalse(g.broadcast());
            assertTrue(g.direct());
        }
    }

    @Test
    void pemPublicKeysVerifyTokensWithAndWithoutAKeyId() throws Exception {
        SignedTokens t = verifier(keys.pemFile(dir));
        assertEquals(3, t.keyCount());
        // PEM keys have their thumbprint as key id: a token naming another id matches none of them.
        assertEquals("token_invalid", assertThrows(SignedTokens.Rejected.class,
                () -> t.verify(TestTokens.rs256(keys.rsa, alice()))).cause());
        com.nimbusds.jose.jwk.RSAKey noKid = new com.nimbusds.jose.jwk.RSAKey.Builder(keys.rsa).keyID(null).build();
        assertEquals("alice", t.verify(TestTokens.rs256(noKid, alice())).subject());
        com.nimbusds.jose.jwk.RSAKey byThumbprint = new com.nimbusds.jose.jwk.RSAKey.Builder(keys.rsa)
                .keyIDFromThumbprint().build();
        assertEquals("alice", t.verify(TestTokens.rs256(byThumbprint, alice())).subject());
    }

    @Test
    void forgedWrongKeyUnsignedAndMalformedTokensAreRefused() throws Exception {
        SignedTokens t = verifier(keys.jwksFile(dir));
        String forged = TestTokens.hs256("another-secret-of-thirty-two-byt", alice());
        assertEquals("token_invalid", assertThrows(SignedTokens.Rejected.class, () -> t.verify(forged)).cause());
        String wrongKey = TestTokens.rs256(keys.stranger, alice()); // same key id, other key
        assertEquals("token_invalid", assertThrows(SignedTokens.Rejected.class, () -> t.verify(wrongKey)).cause());
        String tampered = keys.hs256(alice());
        String[] parts = tampered.split("\\.");
        String other = keys.hs256(TestTokens.claims("mallory", Duration.ofMinutes(5), null)).split("\\.")[1];
        assertEquals("token_invalid", assertThrows(SignedTokens.Rejected.class,
                () -> t.verify(parts[0] + "." + other + "." + parts[2])).cause());
        String unsigned = new PlainJWT(new PlainHeader(), alice()).serialize() + "x";
        assertTrue(SignedTokens.looksSigned(unsigned));
        assertThrows(SignedTokens.Rejected.class, () -> t.verify(unsigned));
        assertEquals("token_malformed", assertThrows(SignedTokens.Rejected.class, () -> t.verify("a.b.c")).cause());
        assertFalse(SignedTokens.looksSigned("s3cret"));
        assertFalse(SignedTokens.looksSigned("a..c"));
    }

    @Test
    void timesAreCheckedWithoutSkew() throws Exception {
        SignedTokens t = verifier();
        String expired = keys.hs256(TestTokens.claims("alice", Duration.ofSeconds(-5), null));
        SignedTokens.Rejected e = assertThrows(SignedTokens.Rejected.class, () -> t.verify(expired));
        assertEquals("token_expired", e.cause());
        String early = keys.hs256(new JWTClaimsSet.Builder(alice()).notBeforeTime(Date.from(Instant.now()
                .plusSeconds(60))).build());
        assertEquals("token_invalid", assertThrows(SignedTokens.Rejected.class, () -> t.verify(early)).cause());
        String noExpiry = keys.hs256(new JWTClaimsSet.Builder().subject("alice").build());
        assertTrue(assertThrows(SignedTokens.Rejected.class, () -> t.verify(noExpiry)).getMessage().contains("exp"));
        String noSubject = keys.hs256(new JWTClaimsSet.Builder().expirationTime(Date.from(Instant.now()
                .plusSeconds(60))).build());
        assertTrue(assertThrows(SignedTokens.Rejected.class, () -> t.verify(noSubject)).getMessage().contains("sub"));
    }

    @Test
    void badRightsClaimsAreRefusedWithTheirName() throws Exception {
        SignedTokens t = verifier();
        String unknownRight = keys.hs256(TestTokens.claims("a", Duration.ofMinutes(1),
                TestTokens.rights(Map.of("chat.*", List.of("join", "admin")), false, false)));
        assertTrue(assertThrows(SignedTokens.Rejected.class, () -> t.verify(unknownRight)).getMessage()
                .contains("unknown right 'admin'"));
        String notAFlag = keys.hs256(new JWTClaimsSet.Builder(TestTokens.claims("a", Duration.ofMinutes(1), null))
                .claim("sb", Map.of("broadcast", "yes")).build());
        assertTrue(assertThrows(SignedTokens.Rejected.class, () -> t.verify(notAFlag)).getMessage()
                .contains("sb.broadcast"));
        Grant none = t.verify(keys.hs256(TestTokens.claims("a", Duration.ofMinutes(1), null)));
        assertFalse(none.may(Grant.Right.JOIN, "x"));
        assertFalse(none.broadcast() || none.direct());
    }

    @Test
    void keyFilesThatCannotBeUsedAreNamed() {
        Path shortSecret = TestTokens.write(dir.resolve("short"), "too short");
        assertTrue(assertThrows(SignedTokens.KeyFileException.class, () -> SignedTokens.secret(shortSecret))
                .getMessage().contains("9 bytes (expected: at least 32)"));
        Path empty = TestTokens.write(dir.resolve("empty.pem"), "nothing here\n");
        assertTrue(assertThrows(SignedTokens.KeyFileException.class, () -> SignedTokens.publicKeys(empty))
                .getMessage().contains("holds no key"));
        Path priv = TestTokens.write(dir.resolve("priv.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertTrue(assertThrows(SignedTokens.KeyFileException.class, () -> SignedTokens.publicKeys(priv))
                .getMessage().contains("private key"));
        Path oct = TestTokens.write(dir.resolve("oct.json"), "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}");
        assertTrue(assertThrows(SignedTokens.KeyFileException.class, () -> SignedTokens.publicKeys(oct))
                .getMessage().contains("symmetric"));
    }

    @Test
    void roomPatternsMatchWithStarsOnly() {
        Grant.RoomRights chat = new Grant.RoomRights("chat.*", java.util.Set.of(Grant.Right.JOIN));
        assertTrue(chat.matches("chat.a"));
        assertTrue(chat.matches("chat.a.b"));
        assertFalse(chat.matches("chat"));
        assertFalse(chat.matches("chatroom"));
        assertTrue(new Grant.RoomRights("*", java.util.Set.of()).matches("anything"));
        assertTrue(new Grant.RoomRights("a*b*c", java.util.Set.of()).matches("aXXbYc"));
        assertFalse(new Grant.RoomRights("a*b*c", java.util.Set.of()).matches("aXXbY"));
        assertTrue(new Grant.RoomRights("lobby", java.util.Set.of()).matches("lobby"));
        assertFalse(new Grant.RoomRights("lobby", java.util.Set.of()).matches("lobby2"));
        assertTrue(new Grant.RoomRights("a**", java.util.Set.of()).matches("a"));
        assertTrue(new Grant.RoomRights("*.b", java.util.Set.of()).matches("x.b.b"));
        // Many stars against a long near-miss: quick (no backtracking blow-up), and no match.
        assertFalse(new Grant.RoomRights("*a*a*a*a*a*a*a*a*a*a*b", java.util.Set.of()).matches("a".repeat(128)));
    }
}
