package io.switchboard.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.auth.TestTokens;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The library with signed tokens (docs/security.md): a token in {@link ClientOptions#token}, a
 * refused request as a {@link SwitchboardException} of code 403, and {@link SwitchboardClient#refreshToken}.
 */
class SignedTokenClientTest {
    @RegisterExtension
    final ServerFixture servers = new ServerFixture();
    @TempDir
    Path dir;

    private static ClientOptions options(Server server, TransportUnderTest transport, String token) {
        InetSocketAddress address = server.address(Listener.FRAMED);
        return ClientOptions.builder().host(address.getAddress().getHostAddress()).port(address.getPort())
                .transport(transport.choice).epollMode(transport.epollMode).name("lib").token(token)
                .requestTimeout(Duration.ofSeconds(30)).build();
    }

    private static String token(TestTokens keys, Duration ttl) {
        return keys.hs256(TestTokens.claims("lib-user", ttl, TestTokens.rights(
                Map.of("chat.*", List.of("join", "publish")), false, false)));
    }

    @ParameterizedTest
    @EnumSource(TransportUnderTest.class)
    void theLibraryUsesRefusesAndRefreshesASignedToken(TransportUnderTest transport) throws Exception {
        TestTokens keys = new TestTokens();
        Path secret = TestTokens.secretFile(dir);
        Server server = servers.start(transport, b -> b.authJwtSecretFile(secret));
        try (SwitchboardClient client = SwitchboardClient.connect(options(server, transport, token(keys, Duration.ofSeconds(3))))
                .get(10, TimeUnit.SECONDS)) {
            client.join("chat.a").get(10, TimeUnit.SECONDS);
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> client.join("ops").get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.FORBIDDEN, assertInstanceOf(SwitchboardException.class, refused.getCause()).errorCode());
            ExecutionException other = assertThrows(ExecutionException.class, () -> client.refreshToken(
                    keys.hs256(TestTokens.claims("someone-else", Duration.ofMinutes(5), null))).get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.FORBIDDEN, assertInstanceOf(SwitchboardException.class, other.getCause()).errorCode());
            client.refreshToken(token(keys, Duration.ofMinutes(5))).get(10, TimeUnit.SECONDS);
            Thread.sleep(3500); // past the first token's expiry
            assertTrue(client.isOpen(), "the refreshed session is still open");
            client.publish("chat.a", "e", "x".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        }
    }
}
