package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Hello;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.common.protocol.Welcome;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.auth.TestTokens;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.reload.FileWatcher;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.AccessPolicy;
import io.switchboard.server.testing.TestClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The framed adapter's side of the permissions on an {@link EmbeddedChannel}: HELLO, 403s, refresh, expiry. */
class FramedPermissionsTest {
    private static TestTokens keys;
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    @TempDir
    Path dir;
    private EmbeddedChannel channel;
    private Authenticator auth;

    @BeforeAll
    static void keys() {
        keys = new TestTokens();
    }

    @AfterEach
    void releaseAll() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * The server's clock: it stands still until a test moves it, with the channel's timers, so
     * that a token expires when the test says so and not when a loaded machine gets there.
     */
    private final TestClock clock = new TestClock();

    private void open(AccessPolicy policy) {
        ServerConfig config = ServerConfig.builder().authJwtSecretFile(TestTokens.secretFile(dir))
                .authDefaultPolicy(policy).authReloadInterval(Duration.ZERO).clock(clock).build();
        try (FileWatcher watcher = new FileWatcher()) {
            auth = Authenticator.start(config.authConfig(), config.limitsConfig().refusalLogInterval(), watcher);
        }
        channel = new EmbeddedChannel(new FramedSessionHandler(42, config.framedConfig(), hub, new Metrics(), auth));
        channel.freezeTime();
    }

    /** Moves the server's clock and the channel's timers on by {@code d}, and runs the timers due. */
    private void advance(Duration d) {
        clock.advance(d);
        channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    private static String token(String sub, Duration ttl) {
        return keys.hs256(TestTokens.claims(sub, ttl, TestTokens.rights(
                Map.of("chat.*", List.of("join", "publish")), false, false)));
    }

    private ErrorFrame readError(int requestId, ErrorCode code) {
        ErrorFrame error = assertInstanceOf(ErrorFrame.class, channel.readOutbound());
        assertEquals(requestId, error.requestId(), error.toString());
        assertEquals(code, error.errorCode(), error.toString());
        return error;
    }

    @Test
    void aSignedHelloStartsTheSessionWithTheTokensNameAndRights() {
        open(AccessPolicy.OPEN);
        channel.writeInbound(new Hello(1, 1, "chosen", token("alice", Duration.ofMinutes(5))));
        assertEquals(42, assertInstanceOf(Welcome.class, channel.readOutbound()).sessionId());
        channel.writeInbound(new Join(2, Flags.ACK, "chat.a"));
        assertEquals(2, assertInstanceOf(Ack.class, channel.readOutbound()).requestId());
        channel.writeInbound(new Members(3, "chat.a"));
        assertTrue(readError(3, ErrorCode.FORBIDDEN).message().contains("presence"));
        channel.writeInbound(new Join(4, Flags.ACK | Flags.PRESENCE, "chat.b"));
        readError(4, ErrorCode.FORBIDDEN);
        channel.writeInbound(new Publish(5, Flags.ACK, Target.ALL, "", 0, "e", Unpooled.copiedBuffer("x",
                StandardCharsets.UTF_8)));
        readError(5, ErrorCode.FORBIDDEN);
        channel.writeInbound(new Publish(6, Flags.ACK, Target.SESSION, "", 42, "e", Unpooled.EMPTY_BUFFER));
        readError(6, ErrorCode.FORBIDDEN);
        channel.writeInbound(new Publish(7, Flags.ACK, Target.ROOM, "chat.a", 0, "e", Unpooled.EMPTY_BUFFER));
        assertEquals(7, assertInstanceOf(Ack.class, channel.readOutbound()).requestId());
        assertEquals("alice (verified)", hub.members("chat.a").get(0).name(), "the token's name, not HELLO's");
        assertTrue(channel.isActive());
        assertEquals(4, auth.counts().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void aHelloWhoseTokenDoesNotVerifyIsRefused401AndClosed() {
        open(AccessPolicy.OPEN);
        channel.writeInbound(new Hello(1, 1, "x", TestTokens.hs256("another-secret-of-thirty-two-byt",
                TestTokens.claims("alice", Duration.ofMinutes(5), null))));
        readError(1, ErrorCode.AUTH_FAILED);
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertNull(hub.session(42));
        assertEquals(1, auth.counts().get("token_invalid"));
    }

    @Test
    void noTokenUnderTokenRequiredIsRefused401() {
        open(AccessPolicy.TOKEN_REQUIRED);
        channel.writeInbound(new Hello(1, 1, "x", ""));
        assertTrue(readError(1, ErrorCode.AUTH_FAILED).message().contains("token-required"));
        assertEquals(1, auth.counts().get("token_missing"));
    }

    @Test
    void aSecondHelloRefreshesAndAnExpiredTokenEndsTheSessionWith419() throws Exception {
        open(AccessPolicy.OPEN);
        channel.writeInbound(new Hello(1, 1, "x", token("alice", Duration.ofSeconds(60))));
        assertInstanceOf(Welcome.class, channel.readOutbound());
        channel.writeInbound(new Hello(2, 1, "x", token("bob", Duration.ofMinutes(5))));
        assertTrue(readError(2, ErrorCode.FORBIDDEN).message().contains("same subject"));
        channel.writeInbound(new Hello(3, 1, "x", ""));
        readError(3, ErrorCode.ALREADY_HANDSHAKEN);
        advance(Duration.ofSeconds(59));
        assertNull(channel.readOutbound(), "no 419 before the exp");
        advance(Duration.ofSeconds(2)); // past the first token's exp (seconds precision)
        ErrorFrame expired = readError(0, ErrorCode.TOKEN_EXPIRED);
        assertTrue(expired.message().contains("expired"), expired.message());
        assertNull(channel.readOutbound());
        channel.runPendingTasks();
        assertFalse(channel.isOpen(), "closed after the 419");
        assertNull(hub.session(42));
        assertEquals(1, auth.counts().get("token_expired"));
    }

    @Test
    void aRefreshedTokenOutlivesTheFirstExpiry() throws Exception {
        open(AccessPolicy.OPEN);
        channel.writeInbound(new Hello(1, 1, "x", token("alice", Duration.ofSeconds(60))));
        assertInstanceOf(Welcome.class, channel.readOutbound());
        channel.writeInbound(new Hello(2, 1, "x", token("alice", Duration.ofMinutes(5))));
        assertEquals(2, assertInstanceOf(Welcome.class, channel.readOutbound()).requestId());
        advance(Duration.ofSeconds(61));
        assertNull(channel.readOutbound(), "no 419 after a refresh");
        channel.writeInbound(new Publish(3, Flags.ACK, Target.ROOM, "chat.x", 0, "e", Unpooled.EMPTY_BUFFER));
        assertEquals(3, assertInstanceOf(Ack.class, channel.readOutbound()).requestId());
    }
}
