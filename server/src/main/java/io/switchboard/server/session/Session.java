package io.switchboard.server.session;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.Event;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.MembersReply.MemberInfo;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.rooms.Member;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.OutboundBatch;
import io.switchboard.server.rooms.RoomHub;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client session in the rooms, whatever protocol it speaks: the session rules, its rooms,
 * joins that wait for the cluster (with the input that arrives meanwhile parked, in order and
 * bounded), publishing to a room, to everyone or to one session, acknowledgements between peers,
 * and the slow-consumer decision. A protocol adapter decodes its wire format, calls this, and
 * renders what it gets back ({@link SessionWire}); refusals come as {@link Refused}.
 *
 * <p>Threads: everything but the {@link Member} methods runs on {@link SessionWire#executor()}.
 * {@link #deliver} and {@link #deliverReply} are called from any thread.
 */
public final class Session implements Member {
    private static final Logger log = LogManager.getLogger(Session.class);
    /** The message of {@link ErrorCode#NOT_FORWARDED}, for every protocol. */
    public static final String NOT_FORWARDED = "the cluster link is down: not forwarded to other nodes";
    /**
     * Input held while a join waits for the cluster. Reading stops as soon as a join parks, so
     * only what one read had already decoded can arrive; the cap guards against a peer that packs
     * one read with tiny requests.
     */
    static final int MAX_PARKED = 4096;

    private final long id;
    private final RoomHub hub;
    private final SessionConfig config;
    private final SessionRules rules;
    private final SessionWire wire;
    private final Access access;
    private final Clock clock;
    /** What the session's signed token allows, or {@code null} (the server's policy decides). */
    private volatile Grant grant;
    /** Ends the session when its grant expires; on the executor only. */
    private ScheduledFuture<?> expiry;
    /** Rooms this session is in; on the executor only. */
    private final Set<String> joined = new LinkedHashSet<>();
    private final Set<String> joinedView = Collections.unmodifiableSet(joined);
    /** Rooms the protocol put this session in ({@link #enter}); on the executor only. */
    private final Set<String> system = new LinkedHashSet<>();
    /** Relay ids of PEER_ACK events handed to this session and not yet answered; any thread. */
    private final Set<Integer> awaited = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean slowDisconnect = new AtomicBoolean();
    private volatile String name = "";
    private boolean registered;
    private boolean ended;
    /** Input that arrived while a join waits for the cluster; on the executor only. */
    private ArrayDeque<Object> parked;
    /** What the adapter says about the session (protocol, address, start), for the admin API. */
    private volatile SessionInfo info = SessionInfo.UNKNOWN;
    /** What the session received and sent; on the executor only. */
    private volatile SessionCounters counters = new SessionCounters();

    public Session(long id, RoomHub hub, SessionConfig config, SessionWire wire) {
        this(id, hub, config, wire, Access.OPEN);
    }

    /** A session whose permissions follow {@code access}'s policy and the grant it {@link #authenticate}s with. */
    public Session(long id, RoomHub hub, SessionConfig config, SessionWire wire, Access access) {
        this(id, hub, config, wire, access, config.clock());
    }

    Session(long id, RoomHub hub, SessionConfig config, SessionWire wire, Access access, Clock clock) {
        this.id = id;
        this.hub = hub;
        this.config = config;
        this.rules = new SessionRules(config);
        this.wire = wire;
        this.access = access;
        this.clock = clock;
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    /** The event loop this session's state lives on. */
    @Override
    public EventExecutor executor() {
        return wire.executor();
    }

    /** The protocol adapter, for operations that cross protocols (joining a room, disconnecting). */
    public SessionWire wire() {
        return wire;
    }

    /** What the adapter said about this session ({@link #describe}); any thread. */
    public SessionInfo info() {
        return info;
    }

    /** Sets what {@link #info()} answers: the adapter calls it once, when the session starts. */
    public void describe(SessionInfo described) {
        info = java.util.Objects.requireNonNull(described, "info");
    }

    /**
     * What this session received and sent, counted on its executor (and read there only): by its
     * pipeline's {@link SessionTraffic}, or by the adapter, which may share its connection's
     * counters ({@link #countInto}).
     */
    public SessionCounters counters() {
        return counters;
    }

    /** Counts this session's traffic into {@code shared} (a Socket.IO socket: its Engine.IO session's). */
    public void countInto(SessionCounters shared) {
        counters = java.util.Objects.requireNonNull(shared, "counters");
    }

    /** The rules every request is checked against. */
    public SessionRules rules() {
        return rules;
    }

    /** The hub this session is in. */
    public RoomHub hub() {
        return hub;
    }

    /** The rooms this session is in (a live read-only view; on the executor). */
    public Set<String> rooms() {
        return joinedView;
    }

    /**
     * Sets the display name after checking it.
     *
     * @throws Refused {@link ErrorCode#FORBIDDEN} when the session's signed token names it: that
     *     name, verified, stays
     */
    public void name(String newName) throws Refused {
        check(rules.name(newName));
        permit(SessionRules.mayRename(grant, newName));
        name = newName;
    }

    // ---- identity and permissions ----

    /**
     * Starts the session's permissions: with {@code grant} (from a verified signed token) it may
     * do what the grant says until the grant expires, when the session ends with
     * {@link ErrorCode#TOKEN_EXPIRED} unless {@link #refresh refreshed}; without one, the server's
     * policy decides. On the executor, before {@link #register}.
     *
     * @throws Refused {@link ErrorCode#AUTH_FAILED} when the policy needs a grant and there is none,
     *     or the grant has expired
     */
    public void authenticate(Grant grant) throws Refused {
        permit(SessionRules.admit(access.policy(), grant, clock.instant()));
        if (grant != null && !grant.name().isEmpty()) {
            name(grant.name()); // the token's name, verified, over the one the client chose
        }
        install(grant);
    }

    /**
     * Replaces the session's grant with a fresh one (a new expiry, new rights for the requests to
     * come; rooms already joined are kept). On the executor.
     *
     * @throws Refused {@link ErrorCode#FORBIDDEN} for another subject, {@link ErrorCode#AUTH_FAILED}
     *     for an expired grant; the current grant stays
     */
    public void refresh(Grant fresh) throws Refused {
        permit(SessionRules.mayRefresh(grant, fresh, clock.instant()));
        if (!fresh.name().isEmpty()) {
            check(rules.name(fresh.name()));
            name = fresh.name();
        }
        install(fresh);
    }

    /** The session's grant, or {@code null} when it has no signed token; any thread. */
    public Grant grant() {
        return grant;
    }

    private void install(Grant granted) {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        grant = granted;
        if (granted != null && !ended) {
            long millis = Math.max(0, Duration.between(clock.instant(), granted.expiry()).toMillis());
            expiry = wire.executor().schedule(() -> expire(granted), millis, TimeUnit.MILLISECONDS);
        }
    }

    private void expire(Grant expired) {
        if (ended || grant != expired) {
            return;
        }
        long early = Duration.between(clock.instant(), expired.expiry()).toMillis();
        if (early > 0) {
            // The timer ran ahead of the clock (the wall clock was set back, or a test holds it):
            // the grant expires by the clock, not by the timer.
            expiry = wire.executor().schedule(() -> expire(expired), early, TimeUnit.MILLISECONDS);
            return;
        }
        Refused refusal = new Refused(ErrorCode.TOKEN_EXPIRED, "the signed token expired at " + expired.expiry()
                + " and was not refreshed", "token_expired");
        access.refused(id, refusal);
        wire.closeWithError(refusal.code(), refusal.getMessage());
    }

    /** Throws {@code refusal}, counted and logged as a permission refusal, unless it is {@code null}. */
    private void permit(SessionRules.Refusal refusal) throws Refused {
        if (refusal != null) {
            Refused refused = new Refused(refusal.code(), refusal.message(), refusal.cause());
            access.refused(id, refused);
            throw refused;
        }
    }

    /** Makes the session reachable by id: for direct events, broadcasts and peer acks. Idempotent. */
    public void register() {
        register(true);
    }

    /** Like {@link #register()}; the session receives events for everyone only when {@code broadcasts}. */
    public void register(boolean broadcasts) {
        if (!registered && !ended) {
            registered = true;
            hub.register(this, broadcasts);
        }
    }

    /**
     * Puts the session in a room its protocol puts every such session in (a Socket.IO
     * namespace's own room): no rules, no presence, not among {@link #rooms()}; left at {@link #end}.
     */
    public void enter(String room) {
        if (!ended && system.add(room)) {
            hub.join(this, room, false);
        }
    }

    /** Whether {@link #register} was called and {@link #end} not yet. */
    public boolean isRegistered() {
        return registered;
    }

    // ---- parking ----

    /**
     * Holds {@code message} if a join is waiting for the cluster, to be handed back through
     * {@link SessionWire#dispatch} in order once it completes. Takes ownership when it returns
     * {@code true}, or when it throws.
     *
     * @return whether the message was held (else handle it now)
     * @throws Refused {@link ErrorCode#RATE_LIMITED} when too many messages already wait; the
     *     message is released
     */
    public boolean park(Object message) throws Refused {
        if (parked == null) {
            return false;
        }
        if (parked.size() >= MAX_PARKED) {
            ReferenceCountUtil.release(message);
            throw new Refused(ErrorCode.RATE_LIMITED, "not processed: more than " + MAX_PARKED
                    + " requests are waiting for a join to complete");
        }
        parked.add(message);
        return true;
    }

    /** Whether input waits for a join now. */
    public boolean isParked() {
        return parked != null;
    }

    private void unpark() {
        ArrayDeque<Object> waiting = parked;
        if (waiting == null) {
            return; // the session ended meanwhile
        }
        parked = null;
        for (Object message; (message = waiting.poll()) != null; ) {
            if (parked != null) {
                parked.add(message); // behind another join that waits
            } else if (ended) {
                ReferenceCountUtil.release(message);
            } else {
                wire.dispatch(message);
            }
        }
        if (parked == null && !ended) {
            wire.pauseInput(false);
        }
    }

    private void releaseParked() {
        ArrayDeque<Object> waiting = parked;
        parked = null;
        if (waiting != null) {
            waiting.forEach(ReferenceCountUtil::release);
        }
    }

    // ---- requests ----

    /**
     * Joins {@code room}, or updates the presence choice when already in it. {@code done} runs on
     * the executor once the join is complete: at once on a single node; in a cluster, when the
     * node's first member joins a room, once the node receives the room's traffic from the other
     * nodes, with the session's later input parked until then so that answers stay in order.
     */
    public void join(String room, boolean presence, Runnable done) throws Refused {
        check(rules.room(room));
        permit(SessionRules.mayJoin(grant, room, presence));
        joinAsServer(room, presence, done);
    }

    /**
     * Like {@link #join}, without the session's permissions: a join the server or the embedding
     * application makes for the session (the limits still apply).
     */
    public void joinAsServer(String room, boolean presence, Runnable done) throws Refused {
        check(rules.join(joined, room));
        joined.add(room);
        CompletionStage<Void> ready = hub.join(this, room, presence);
        if (ready == null) {
            done.run();
            return;
        }
        parked = new ArrayDeque<>();
        wire.pauseInput(true);
        ready.whenComplete((ok, e) -> wire.executor().execute(() -> {
            if (!ended) {
                done.run();
            }
            unpark();
        }));
    }

    /** Leaves {@code room}. */
    public void leave(String room) throws Refused {
        ErrorCode refused = hub.leave(this, room);
        if (refused != null) {
            check(SessionRules.leave(refused, room));
        }
        joined.remove(room);
    }

    /** The members of a room this session is in, on every node. */
    public List<MemberInfo> members(String room) throws Refused {
        if (!joined.contains(room)) {
            check(SessionRules.notJoined(room));
        }
        permit(SessionRules.maySeeMembers(grant, room));
        return hub.members(room);
    }

    /**
     * One page of the members of a room this session is in, on every node: at most {@code limit}
     * members whose session ids come after {@code after} in unsigned order (0: from the first).
     */
    public MemberPage members(String room, long after, int limit) throws Refused {
        return MemberPage.of(members(room), after, limit);
    }

    /**
     * A page of a room's members in the order of their session ids (unsigned), and the cursor of
     * the next page: the last id of this one, or 0 when no member comes after it.
     */
    public record MemberPage(List<MemberInfo> members, long next) {
        /** The page of {@code all} after {@code after}, at most {@code limit} long (at least 1). */
        public static MemberPage of(List<MemberInfo> all, long after, int limit) {
            Page<MemberInfo, Long> page = Page.of(all, MemberInfo::sessionId, Long::compareUnsigned,
                    after == 0 ? null : after, limit);
            return new MemberPage(page.items(), page.next() == null ? 0 : page.next());
        }
    }

    /**
     * What a session publishes.
     *
     * @param target a room, everyone, or one session
     * @param room the room, for {@link Target#ROOM}
     * @param session the recipient, for {@link Target#SESSION}
     * @param event the event name
     * @param includeSelf whether the publisher receives its own room or broadcast event
     * @param ack whether the publisher asked for an acknowledgement (then a partial delivery is refused)
     * @param peerAck whether the recipient's answer goes back to the publisher ({@link Target#SESSION} only)
     * @param requestId the id the peer's answer is sent back with
     * @param format what the payload is: 0 (bytes, text when valid UTF-8), {@link Flags#JSON} or {@link Flags#BINARY}
     */
    public record Publication(Target target, String room, long session, String event, boolean includeSelf,
            boolean ack, boolean peerAck, int requestId, int format) {
        public static Publication toRoom(String room, String event, boolean includeSelf, boolean ack, int format) {
            return new Publication(Target.ROOM, room, 0, event, includeSelf, ack, false, 0, format);
        }

        public static Publication toAll(String event, boolean includeSelf, boolean ack, int format) {
            return new Publication(Target.ALL, "", 0, event, includeSelf, ack, false, 0, format);
        }

        public static Publication toSession(long session, String event, boolean ack, boolean peerAck, int requestId,
                int format) {
            return new Publication(Target.SESSION, "", session, event, false, ack, peerAck, requestId, format);
        }
    }

    /**
     * Publishes {@code payload} (owned by this call) as {@code p} says, after the session rules.
     *
     * @return whether the answer comes later from the peer (a peer acknowledgement); otherwise
     *     the publication is complete and the adapter acknowledges it if asked
     * @throws Refused a rule refused it, the recipient does not exist, or (when an ack was asked
     *     for) the cluster link could not forward it ({@link ErrorCode#NOT_FORWARDED}: this
     *     node's members did receive it)
     */
    public boolean publish(Publication p, ByteBuf payload) throws Refused {
        try {
            check(rules.event(p.event(), payload.readableBytes()));
            if (p.peerAck() && p.target() != Target.SESSION) {
                throw new Refused(ErrorCode.INVALID_ARGUMENT, "a peer acknowledgement needs a session target");
            }
            int format = p.format() & (Flags.JSON | Flags.BINARY);
            ErrorCode failed;
            switch (p.target()) {
                case ROOM -> {
                    permitRoom(p.room());
                    failed = hub.publishRoom(this, p.room(), new Event(0, format, id, Target.ROOM, p.room(), p.event(),
                            payload.retain()), p.includeSelf());
                }
                case ALL -> {
                    permit(SessionRules.mayBroadcast(grant));
                    failed = hub.publishAll(this, new Event(0, format, id, Target.ALL, "", p.event(),
                        payload.retain()), p.includeSelf());
                }
                default -> {
                    permit(SessionRules.maySendDirect(grant));
                    long to = p.session();
                    int relayId = p.peerAck()
                            ? hub.expectPeerAck(this, p.requestId(), to, config.peerAckTimeout(), wire.executor()) : 0;
                    failed = hub.publishSession(to, new Event(relayId, (p.peerAck() ? Flags.PEER_ACK : 0) | format, id,
                            Target.SESSION, "", p.event(), payload.retain()));
                    if (failed != null) {
                        if (p.peerAck()) {
                            hub.cancelPeerAck(relayId);
                        }
                        throw new Refused(failed, failed == ErrorCode.UNKNOWN_SESSION
                                ? "no session with id " + Long.toUnsignedString(to) : NOT_FORWARDED);
                    }
                    if (p.peerAck()) {
                        return true;
                    }
                }
            }
            if (failed != null && p.ack()) {
                // Delivered here, not forwarded: counted by the broker; the publisher asked, so it is told.
                throw new Refused(failed, NOT_FORWARDED);
            }
            return false;
        } finally {
            payload.release();
        }
    }

    /**
     * Publishes several events to one room, as {@link #publish} would one after the other, with
     * one difference: each member of the room gets the accepted ones together (one write of all
     * of them where its wire format allows). For a burst of PUBLISHes read in one batch: every
     * publication is {@link Target#ROOM} to the same room with the same {@code includeSelf}, and
     * none asks for a peer acknowledgement. Takes ownership of every payload.
     *
     * @return for each publication in order, {@code null} when it was published, or why it was
     *     refused (a rule, or {@link ErrorCode#NOT_FORWARDED} when it asked for an ack and the
     *     cluster link could not forward it)
     */
    public List<Refused> publishToRoom(List<Publication> publications, List<ByteBuf> payloads) {
        int n = publications.size();
        Refused[] outcome = new Refused[n];
        List<Event> accepted = new java.util.ArrayList<>(n);
        boolean[] taken = new boolean[n];
        Publication first = publications.get(0);
        try {
            for (int i = 0; i < n; i++) {
                Publication p = publications.get(i);
                if (p.target() != Target.ROOM || p.peerAck() || !p.room().equals(first.room())
                        || p.includeSelf() != first.includeSelf()) {
                    throw new IllegalArgumentException("not a burst to one room: " + p);
                }
                ByteBuf payload = payloads.get(i);
                try {
                    check(rules.event(p.event(), payload.readableBytes()));
                    permitRoom(p.room());
                } catch (Refused e) {
                    outcome[i] = e;
                    continue;
                }
                accepted.add(new Event(0, p.format() & (Flags.JSON | Flags.BINARY), id, Target.ROOM, p.room(),
                        p.event(), payload.retain()));
                taken[i] = true;
            }
            List<Event> handed = List.copyOf(accepted);
            accepted.clear(); // the hub's from here on, whatever happens
            ErrorCode failed = handed.isEmpty() ? null
                    : handed.size() == 1 ? hub.publishRoom(this, first.room(), handed.get(0), first.includeSelf())
                    : hub.publishRoom(this, first.room(), handed, first.includeSelf());
            if (failed != null) {
                for (int i = 0; i < n; i++) {
                    if (taken[i] && publications.get(i).ack()) {
                        outcome[i] = new Refused(failed, NOT_FORWARDED);
                    }
                }
            }
            return java.util.Arrays.asList(outcome);
        } finally {
            for (Event event : accepted) {
                event.release(); // a rule threw something unexpected before the hub was reached
            }
            for (ByteBuf payload : payloads) {
                payload.release();
            }
        }
    }

    /** The rules for publishing to {@code room}: its name, then this session's right to. */
    private void permitRoom(String room) throws Refused {
        check(rules.room(room));
        if (system.contains(room)) {
            // Everyone of the protocol's own room (a Socket.IO namespace): a broadcast.
            permit(SessionRules.mayBroadcast(grant));
        } else {
            permit(SessionRules.mayPublish(access.policy(), grant, room, joined.contains(room)));
        }
    }

    /** Answers a PEER_ACK event this session received; takes ownership of {@code payload}. */
    public void peerAck(int relayId, ByteBuf payload) throws Refused {
        awaited.remove(relayId);
        if (!hub.peerAck(this, relayId, payload)) {
            throw new Refused(ErrorCode.UNKNOWN_ACK, "no acknowledgement with id " + Integer.toUnsignedLong(relayId)
                    + " is awaited from this session");
        }
    }

    /**
     * Ends the session: input still parked is dropped, it leaves every room (members who asked
     * are told) and the registry, and publishers waiting for its acknowledgement are told at once.
     * Idempotent.
     */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        releaseParked();
        if (registered) {
            registered = false;
            hub.unregister(this, joined);
        }
        joined.clear();
        for (String room : system) {
            hub.leave(this, room);
        }
        system.clear();
        if (!awaited.isEmpty()) {
            hub.recipientGone(this, awaited);
        }
    }

    /** Whether {@link #end} was called. */
    public boolean isEnded() {
        return ended;
    }

    private static void check(SessionRules.Refusal refusal) throws Refused {
        if (refusal != null) {
            throw new Refused(refusal.code(), refusal.message());
        }
    }

    // ---- Member: any thread ----

    @Override
    public boolean deliver(Outbound message) {
        if (!wire.isOpen()) {
            // Ended while the fan-out was under way (a delivery batched to its own event loop
            // runs after the connection closed): nothing to hand over, and not a slow-consumer
            // drop, which is all that false means.
            return true;
        }
        Frame frame = message.frame();
        int relayId = frame instanceof Event e && Flags.has(e.flags(), Flags.PEER_ACK) ? e.requestId() : 0;
        if (!wire.isWritable()) {
            slowConsumer();
            if (relayId != 0) {
                hub.peerAckDropped(relayId, this);
            }
            return false;
        }
        if (relayId != 0) {
            awaited.add(relayId);
        }
        if (!wire.write(message)) {
            if (relayId != 0) {
                awaited.remove(relayId);
            }
            return false;
        }
        return true;
    }

    /**
     * A wire that writes a batch as one buffer gets it whole or loses it whole, by one check of
     * the connection (the burst's size bounds how far past the high-water mark that can go);
     * any other takes the messages one by one, each checked, as if they had come apart.
     */
    @Override
    public int deliver(OutboundBatch batch) {
        if (batch.size() == 1 || !wire.writesBatches()) {
            return Member.super.deliver(batch);
        }
        if (!wire.isOpen()) {
            return batch.size(); // as for one message: ended meanwhile, not a slow-consumer drop
        }
        if (!wire.isWritable()) {
            slowConsumer();
            return 0;
        }
        return wire.write(batch);
    }

    private void slowConsumer() {
        if (config.slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT && slowDisconnect.compareAndSet(false, true)) {
            wire.executor().execute(() -> {
                if (!ended && wire.isOpen()) {
                    log.info("session {} disconnected: slow consumer", Long.toUnsignedString(id));
                    wire.closeSlowConsumer();
                }
            });
        }
    }

    @Override
    public void deliverReply(Frame reply) {
        wire.reply(reply);
    }
}
