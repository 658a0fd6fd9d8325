package io.switchboard.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.metrics.MetricSource;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.session.AccessPolicy;
import io.switchboard.server.session.Refused;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which token starts a session under which policy, what each refusal is counted as, and key reload. */
class AuthenticatorTest {
    private static TestTokens keys;
    @TempDir
    Path dir;

    @BeforeAll
    static void keys() {
        keys = new TestTokens();
    }

    private Authenticator start(Consumer<ServerConfig.Builder> customize) {
        ServerConfig.Builder b = ServerConfig.builder().authReloadInterval(Duration.ZERO);
        customize.accept(b);
        try (FileWatcher watcher = new FileWatcher()) {
            ServerConfig config = b.build();
            return Authenticator.start(config.authConfig(), config.limitsConfig().refusalLogInterval(), watcher);
        }
    }

    private static String alice() {
        return keys.hs256(TestTokens.claims("alice", Duration.ofMinutes(5), null));
    }

    private static String cause(Authenticator auth, String token) {
        Refused e = assertThrows(Refused.class, () -> auth.admit(token));
        assertEquals(ErrorCode.AUTH_FAILED, e.code());
        return e.cause();
    }

    @Test
    void staticTokensAloneWorkAsBefore() throws Exception {
        Authenticator auth = start(b -> b.authToken("s3cret"));
        assertNull(auth.admit("s3cret"));
        assertEquals("token_missing", cause(auth, ""));
        assertEquals("token_wrong", cause(auth, "nope"));
        assertEquals("token_wrong", cause(auth, alice()), "no keys: a signed token is just a wrong static token");
        Authenticator open = start(b -> { });
        assertNull(open.admit(""));
        assertNull(open.admit("anything"));
    }

    @Test
    void aSignedTokenStandsForTheStaticOneAndMustVerify() throws Exception {
        Authenticator auth = start(b -> b.authToken("s3cret").authJwtSecretFile(TestTokens.secretFile(dir)));
        assertEquals("alice", auth.admit(alice()).subject());
        assertNull(auth.admit("s3cret"));
        assertEquals("token_invalid", cause(auth,
                TestTokens.hs256("another-secret-of-thirty-two-byt", TestTokens.claims("a", Duration.ofMinutes(5), null))));
        assertEquals("token_expired", cause(auth, keys.hs256(TestTokens.claims("a", Duration.ofSeconds(-1), null))));
    }

    @Test
    void eachPolicyForASessionWithoutASignedToken() throws Exception {
        for (AccessPolicy policy : AccessPolicy.values()) {
            Authenticator auth = start(b -> b.authDefaultPolicy(policy).authJwtSecretFile(TestTokens.secretFile(dir)));
            assertEquals(policy, auth.policy());
            assertEquals("alice", auth.admit(alice()).subject(), policy.label());
            if (policy == AccessPolicy.TOKEN_REQUIRED) {
                assertEquals("token_missing", cause(auth, ""));
                assertEquals("token_missing", cause(auth, "not-a-jwt"));
                assertTrue(auth.required());
            } else {
                assertNull(auth.admit(""), policy.label());
            }
        }
    }

    @Test
    void refusalsAreCountedByCauseForMetrics() throws Exception {
        Authenticator auth = start(b -> b.authToken("s3cret").authJwtSecretFile(TestTokens.secretFile(dir)));
        cause(auth, "");
        cause(auth, "wrong");
        cause(auth, "wrong");
        auth.refused(7, new Refused(ErrorCode.FORBIDDEN, "no", "publish"));
        Refused refresh = assertThrows(Refused.class, () -> auth.refresh("s3cret"));
        assertEquals(ErrorCode.FORBIDDEN, refresh.code());
        Map<String, Long> counts = auth.counts();
        assertEquals(1, counts.get("token_missing"));
        assertEquals(2, counts.get("token_wrong"));
        assertEquals(1, counts.get("publish"));
        assertEquals(1, counts.get("token_malformed"));
        assertEquals(0, counts.get("broadcast"));
        List<String> lines = new ArrayList<>();
        auth.writeMetrics(new MetricSource.Sink() {
            @Override
            public void header(String name, String type, String help) {
                lines.add("# " + name + " " + type);
            }

            @Override
            public void sample(String name, String labels, long value) {
                lines.add(name + "{" + labels + "} " + value);
            }
        });
        assertEquals("# switchboard_access_refused_total counter", lines.get(0));
        assertTrue(lines.contains("switchboard_access_refused_total{cause=\"token_wrong\"} 2"), lines.toString());
        assertTrue(lines.contains("switchboard_access_refused_total{cause=\"direct\"} 0"), lines.toString());
    }

    @Test
    void keyFilesAreReloadedOnChangeAndABadOneKeepsTheKeys() throws Exception {
        Path jwks = keys.jwksFile(dir);
        ServerConfig config = ServerConfig.builder().authJwtKeys(jwks).authReloadInterval(Duration.ofMillis(100)).build();
        RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        try (FileWatcher watcher = new FileWatcher()) {
            Authenticator auth = Authenticator.start(config.authConfig(), config.limitsConfig().refusalLogInterval(),
                    watcher);
            String old = TestTokens.rs256(keys.rsa, TestTokens.claims("a", Duration.ofMinutes(5), null));
            String rotated = TestTokens.rs256(next, TestTokens.claims("b", Duration.ofMinutes(5), null));
            assertEquals("a", auth.admit(old).subject());
            assertEquals("token_invalid", cause(auth, rotated));
            // Rotation: the new key beside the old one, then the old one gone.
            Files.writeString(jwks, new JWKSet(List.of(keys.rsa.toPublicJWK(), next.toPublicJWK())).toString());
            awaitAdmitted(auth, rotated);
            assertEquals("a", auth.admit(old).subject());
            Files.writeString(jwks, new JWKSet(List.of(next.toPublicJWK())).toString() + "\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    auth.admit(old);
                } catch (Refused e) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "the old key was not dropped");
                Thread.sleep(50);
            }
            Files.writeString(jwks, "not a key file at all, and longer than before so that it differs\n");
            Thread.sleep(500); // several polls: the bad file is logged, the keys stay
            assertEquals("b", auth.admit(rotated).subject());
        }
    }

    private static void awaitAdmitted(Authenticator auth, String token) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                auth.admit(token);
                return;
            } catch (Refused e) {
                assertTrue(System.nanoTime() < deadline, "the new key was not loaded: " + e.getMessage());
                Thread.sleep(50);
            }
        }
    }
}
