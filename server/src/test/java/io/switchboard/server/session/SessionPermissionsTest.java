package io.switchboard.server.session;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Frame;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Session.Publication;
import io.switchboard.server.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The session core's permission checks, protocol-free: each right of a grant, each policy, the
 * rooms a protocol puts its sessions in (a broadcast), server-side joins, refusals counted with
 * their cause, and the expiry timer closing through the wire.
 */
class SessionPermissionsTest {
    private final RoomHub hub = new RoomHub(UnpooledByteBufAllocator.DEFAULT);
    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final List<String> causes = new ArrayList<>();
    private final List<ErrorCode> closed = new ArrayList<>();
    private static final SessionConfig CONFIG = new SessionConfig(8, 64, 64, 1024, SlowConsumerPolicy.DROP, 1 << 20,
            Duration.ofSeconds(1));

    @AfterEach
    void close() {
        loop.finishAndReleaseAll();
    }

    private Access access(AccessPolicy policy) {
        return new Access() {
            @Override
            public AccessPolicy policy() {
                return policy;
            }

            @Override
            public void refused(long sessionId, Refused refusal) {
                causes.add(refusal.cause());
            }
        };
    }

    private Session session(long id, AccessPolicy policy, Clock clock) {
        return new Session(id, hub, CONFIG, new SessionWire() {
            @Override
            public EventExecutor executor() {
                return loop.eventLoop();
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public boolean isWritable() {
                return true;
            }

            @Override
            public boolean write(Outbound message) {
                return true;
            }

            @Override
            public void reply(Frame reply) {
                io.netty.util.ReferenceCountUtil.release(reply);
            }

            @Override
            public void closeSlowConsumer() {
            }

            @Override
            public void disconnect(String reason) {
            }

            @Override
            public void closeWithError(ErrorCode code, String message) {
                closed.add(code);
            }

            @Override
            public void pauseInput(boolean paused) {
            }

            @Override
            public void dispatch(Object message) {
            }
        }, access(policy), clock);
    }

    private static Grant grant(Instant expiry, boolean broadcast, boolean direct, String pattern, Grant.Right... rights) {
        return new Grant("alice", "", null, expiry, List.of(new Grant.RoomRights(pattern,
                rights.length == 0 ? EnumSet.noneOf(Grant.Right.class) : EnumSet.of(rights[0], rights))),
                broadcast, direct);
    }

    private static Refused refused(ErrorCode code, org.junit.jupiter.api.function.Executable call) {
        Refused e = assertThrows(Refused.class, call);
        assertEquals(code, e.code(), e.getMessage());
        return e;
    }

    private static Publication toRoom(String room) {
        return Publication.toRoom(room, "e", false, false, 0);
    }

    @Test
    void aGrantAllowsExactlyItsRights() throws Exception {
        Session s = session(1, AccessPolicy.OPEN, Clock.systemUTC());
        s.authenticate(grant(Instant.now().plusSeconds(60), false, false, "chat.*", Grant.Right.JOIN, Grant.Right.PUBLISH));
        s.register();
        s.join("chat.a", false, () -> { });
        assertEquals("join", refused(ErrorCode.FORBIDDEN, () -> s.join("ops", false, () -> { })).cause());
        assertEquals("presence", refused(ErrorCode.FORBIDDEN, () -> s.join("chat.b", true, () -> { })).cause());
        assertEquals("presence", refused(ErrorCode.FORBIDDEN, () -> s.members("chat.a")).cause());
        assertFalse(s.publish(toRoom("chat.a"), Unpooled.buffer().writeByte(1)));
        assertEquals("publish", refused(ErrorCode.FORBIDDEN, () -> s.publish(toRoom("ops"), Unpooled.buffer())).cause());
        assertEquals("broadcast", refused(ErrorCode.FORBIDDEN,
                () -> s.publish(Publication.toAll("e", false, false, 0), Unpooled.buffer())).cause());
        assertEquals("direct", refused(ErrorCode.FORBIDDEN,
                () -> s.publish(Publication.toSession(1, "e", false, false, 0, 0), Unpooled.buffer())).cause());
        assertEquals(List.of("join", "presence", "presence", "publish", "broadcast", "direct"), causes);
        s.joinAsServer("ops", true, () -> { }); // the application's join: no rights needed
        assertTrue(s.rooms().contains("ops"));
        s.end();
    }

    @Test
    void theTokensNameIsTheSessionsAndStays() throws Exception {
        Session s = session(10, AccessPolicy.OPEN, Clock.systemUTC());
        s.name("chosen");
        s.authenticate(new Grant("alice", "Alice", null, Instant.now().plusSeconds(60), List.of(), false, false));
        assertEquals("Alice", s.name());
        assertEquals("name", refused(ErrorCode.FORBIDDEN, () -> s.name("Mallory")).cause());
        s.name("Alice");
        s.refresh(new Grant("alice", "Alice B.", null, Instant.now().plusSeconds(120), List.of(), false, false));
        assertEquals("Alice B.", s.name());
        s.end();
    }

    @Test
    void theProtocolsOwnRoomIsABroadcast() throws Exception {
        Session s = session(2, AccessPolicy.MEMBERS_ONLY, Clock.systemUTC());
        s.authenticate(grant(Instant.now().plusSeconds(60), false, false, "*", Grant.Right.PUBLISH));
        s.enter("/chat#everyone");
        assertEquals("broadcast", refused(ErrorCode.FORBIDDEN,
                () -> s.publish(toRoom("/chat#everyone"), Unpooled.buffer())).cause());
        Session b = session(3, AccessPolicy.MEMBERS_ONLY, Clock.systemUTC());
        b.authenticate(grant(Instant.now().plusSeconds(60), true, false, "none"));
        b.enter("/chat#everyone");
        assertDoesNotThrow(() -> b.publish(toRoom("/chat#everyone"), Unpooled.buffer()),
                "members-only does not apply: the session is in it");
        s.end();
        b.end();
    }

    @Test
    void eachPolicyWithoutAGrant() throws Exception {
        Session open = session(4, AccessPolicy.OPEN, Clock.systemUTC());
        open.authenticate(null);
        assertFalse(open.publish(toRoom("lobby"), Unpooled.buffer()));
        Session members = session(5, AccessPolicy.MEMBERS_ONLY, Clock.systemUTC());
        members.authenticate(null);
        assertEquals("not_member", refused(ErrorCode.FORBIDDEN, () -> members.publish(toRoom("lobby"),
                Unpooled.buffer())).cause());
        members.join("lobby", true, () -> { });
        assertFalse(members.publish(toRoom("lobby"), Unpooled.buffer()));
        assertFalse(members.publish(Publication.toAll("e", false, false, 0), Unpooled.buffer()));
        Session none = session(6, AccessPolicy.TOKEN_REQUIRED, Clock.systemUTC());
        assertEquals("token_missing", refused(ErrorCode.AUTH_FAILED, () -> none.authenticate(null)).cause());
        open.end();
        members.end();
    }

    @Test
    void expiryClosesThroughTheWireUnlessRefreshedForTheSameSubject() throws Exception {
        Instant now = Instant.parse("2026-12-07T12:00:00Z");
        Session s = session(7, AccessPolicy.OPEN, Clock.fixed(now, ZoneOffset.UTC));
        assertEquals("token_expired", refused(ErrorCode.AUTH_FAILED, () -> s.authenticate(grant(now, false, false, "x")))
                .cause());
        // The loop's timers and the session's clock both move only when the test moves them.
        loop.freezeTime();
        TestClock clock = new TestClock();
        clock.set(now.minusSeconds(1));
        Grant first = grant(now, false, false, "x"); // a second after the clock
        Session t = session(8, AccessPolicy.OPEN, clock);
        t.authenticate(first);
        assertTrue(closed.isEmpty());
        Grant other = new Grant("mallory", "", null, now.plusSeconds(60), List.of(), false, false);
        assertEquals("refresh_subject", refused(ErrorCode.FORBIDDEN, () -> t.refresh(other)).cause());
        // The timer is due, but the clock says the grant has a second left: it expires by the clock.
        advance(Duration.ofSeconds(1));
        assertTrue(closed.isEmpty(), "closed while the clock is before the expiry");
        clock.advance(Duration.ofSeconds(1));
        advance(Duration.ofSeconds(1));
        assertEquals(List.of(ErrorCode.TOKEN_EXPIRED), closed);
        clock.set(now.minusSeconds(1));
        Session u = session(9, AccessPolicy.OPEN, clock);
        u.authenticate(first);
        u.refresh(grant(now.plusSeconds(3600), false, false, "x"));
        clock.advance(Duration.ofSeconds(2));
        advance(Duration.ofSeconds(2));
        assertEquals(List.of(ErrorCode.TOKEN_EXPIRED), closed, "the refreshed session was not closed");
        t.end();
        u.end();
    }

    private void advance(Duration d) {
        loop.advanceTimeBy(d.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        loop.runScheduledPendingTasks();
    }
}
