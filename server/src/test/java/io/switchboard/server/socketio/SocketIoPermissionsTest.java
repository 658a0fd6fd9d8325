package io.switchboard.server.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.auth.TestTokens;
import io.switchboard.server.launch.Server;
import io.switchboard.server.session.AccessPolicy;
import io.switchboard.server.session.Grant;
import io.switchboard.server.session.Session;
import io.switchboard.server.testing.TestClock;
import io.switchboard.testing.Await;
import io.switchboard.testing.TransportUnderTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The permissions with the official Node {@code socket.io-client} (scenarios.mjs "permissions" and
 * "policy"): the handshake's {@code auth.token}, the relay events allowed and refused (ack errors
 * with the code), {@code connect_error} for tokens that do not verify, a middleware deciding on the
 * verified identity, {@code sb:refresh}, and {@code sb:error} 419 at expiry. Tokens are made with
 * Nimbus ({@link TestTokens}). The server reads the tokens' times from a {@link TestClock} that
 * stands still until the short token's holder has refreshed, then moves past its expiry: a loaded
 * machine cannot make a token expire before its test is ready.
 */
class SocketIoPermissionsTest {
    private static TestTokens keys;
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;
    private final TestClock clock = new TestClock();

    @BeforeAll
    static void keys() {
        keys = new TestTokens();
    }

    private Server start(TransportUnderTest transport, AccessPolicy policy) throws Exception {
        Path secret = TestTokens.secretFile(dir);
        Path jwks = keys.jwksFile(dir);
        return servers.start(transport, b -> b.authJwtSecretFile(secret).authJwtKeys(jwks).authDefaultPolicy(policy)
                .clock(clock));
    }

    private static String url(Server server) {
        return "http://127.0.0.1:" + server.address(Listener.HTTP).getPort();
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void relayEventsFollowTheTokenAndExpiryEndsTheSocket(TransportUnderTest transport) throws Exception {
        Path work = SioClientScenarios.prepare();
        Server server = start(transport, AccessPolicy.OPEN);
        Map<String, String> seenByMiddleware = new ConcurrentHashMap<>();
        server.socketIo().of("/").use((socket, next) -> {
            Grant grant = socket.grant();
            if (grant != null) {
                seenByMiddleware.put(grant.subject(), grant.name());
            }
            if (grant != null && grant.subject().equals("mallory")) {
                next.refuse("mallory is banned", null);
            } else {
                next.accept();
            }
        });
        clock.set(Instant.now()); // the tokens below are made from now
        Map<String, Object> tokens = new LinkedHashMap<>();
        tokens.put("alice", TestTokens.rs256(keys.rsa, TestTokens.claims("alice", Duration.ofMinutes(5),
                TestTokens.rights(Map.of("chat.*", List.of("join", "publish", "presence")), false, true))));
        tokens.put("bob", TestTokens.es256(keys.ec, TestTokens.claims("bob", Duration.ofMinutes(5),
                TestTokens.rights(Map.of("chat.*", List.of("join")), true, false))));
        tokens.put("other", keys.hs256(TestTokens.claims("olga", Duration.ofMinutes(5),
                TestTokens.rights(Map.of("other.*", List.of("join")), false, false))));
        tokens.put("banned", keys.hs256(TestTokens.claims("mallory", Duration.ofMinutes(5), null)));
        tokens.put("forged", TestTokens.hs256("another-secret-of-thirty-two-byt",
                TestTokens.claims("alice", Duration.ofMinutes(5), null)));
        tokens.put("wrongKey", TestTokens.rs256(keys.stranger, TestTokens.claims("alice", Duration.ofMinutes(5), null)));
        tokens.put("expired", keys.hs256(TestTokens.claims("alice", Duration.ofSeconds(-10), null)));
        tokens.put("short", keys.hs256(TestTokens.claims("sam", Duration.ofSeconds(3), null)));
        tokens.put("refreshed", keys.hs256(TestTokens.claims("sam", Duration.ofMinutes(5), null)));
        // Once sam's refreshed token is in place, time moves past the short token's expiry.
        Instant refreshedAfter = clock.instant().plus(Duration.ofMinutes(1));
        CompletableFuture<Void> expiry = CompletableFuture.runAsync(() -> {
            try {
                Await.until("sam's refreshed token on the server", () -> server.hub().localSessions().stream()
                        .anyMatch(m -> m instanceof Session s && s.grant() != null && s.grant().subject().equals("sam")
                                && s.grant().expiry().isAfter(refreshedAfter)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            clock.advance(Duration.ofMinutes(1));
        });
        JsonNode r = SioClientScenarios.run(work, "permissions", List.of(url(server)), Map.of("tokens", tokens));
        expiry.get(10, TimeUnit.SECONDS);

        assertEquals(true, r.path("missing").path("connected").asBoolean(), "open policy: no token connects");
        for (String bad : List.of("forged", "wrongKey")) {
            assertEquals(401, r.path(bad).path("data").path("code").asInt(), bad + ": " + r.path(bad));
            assertEquals("token_invalid", r.path(bad).path("data").path("cause").asText(), bad);
        }
        assertEquals("token_expired", r.path("expired").path("data").path("cause").asText(), r.path("expired").toString());
        assertEquals("mallory is banned", r.path("banned").path("message").asText(), r.path("banned").toString());
        assertEquals("alice (verified)", seenByMiddleware.get("alice"), "the middleware reads the verified identity");

        assertEquals("ok", r.path("aliceJoin").asText());
        assertEquals(403, r.path("aliceJoinOutside").asInt());
        assertEquals(403, r.path("bobJoinPresence").asInt());
        assertEquals("ok", r.path("bobJoin").asText());
        assertEquals(403, r.path("otherJoin").asInt(), "a token for another room pattern");
        assertEquals("ok", r.path("otherJoinOwn").asText());
        assertEquals("ok", r.path("alicePublish").asText());
        assertEquals(403, r.path("bobPublish").asInt());
        assertEquals("ok", r.path("aliceMembers").asText());
        assertEquals(403, r.path("bobMembers").asInt());
        assertEquals(403, r.path("aliceBroadcast").asInt());
        assertEquals("ok", r.path("bobBroadcast").asText());
        assertEquals(403, r.path("bobSend").asInt());
        assertEquals("[\"from alice\",\"alice to bob\"]", r.path("bobGot").toString());
        assertEquals("[\"bob to all\"]", r.path("aliceGot").toString());
        assertEquals(403, r.path("refreshOther").asInt());
        assertEquals(403, r.path("refreshForged").asInt());
        assertEquals("ok", r.path("refresh").asText());
        assertEquals(419, r.path("lapsedError").path(0).path("code").asInt(), r.path("lapsedError").toString());
        assertEquals("io server disconnect", r.path("lapsedReason").asText());
        assertTrue(r.path("keptAfterExpiry").asBoolean(), "the refreshed socket outlived the first token");
    }

    @ParameterizedTest
    @EnumSource(AccessPolicy.class)
    void aClientWithoutATokenUnderEachPolicy(AccessPolicy policy) throws Exception {
        Path work = SioClientScenarios.prepare();
        Server server = start(TransportUnderTest.values()[0], policy);
        JsonNode r = SioClientScenarios.run(work, "policy", List.of(url(server)), Map.of());
        if (policy == AccessPolicy.TOKEN_REQUIRED) {
            assertEquals(false, r.path("connected").asBoolean(), r.toString());
            assertEquals(401, r.path("data").path("code").asInt(), r.toString());
            assertEquals("token_missing", r.path("data").path("cause").asText(), r.toString());
            return;
        }
        assertEquals(policy == AccessPolicy.MEMBERS_ONLY ? "403" : "ok", r.path("publishOutside").asText(), r.toString());
        assertEquals("ok", r.path("join").asText());
        assertEquals("ok", r.path("publishInside").asText());
        assertEquals("ok", r.path("broadcast").asText());
    }
}
