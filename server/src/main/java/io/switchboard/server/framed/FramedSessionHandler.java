package io.switchboard.server.framed;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.common.protocol.Ack;
import io.switchboard.common.protocol.Bye;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ErrorFrame;
import io.switchboard.common.protocol.Flags;
import io.switchboard.common.protocol.Frame;
import io.switchboard.common.protocol.InvalidFrame;
import io.switchboard.common.protocol.Join;
import io.switchboard.common.protocol.Leave;
import io.switchboard.common.protocol.Members;
import io.switchboard.common.protocol.MembersReply;
import io.switchboard.common.protocol.PayloadFrame;
import io.switchboard.common.protocol.Publish;
import io.switchboard.common.protocol.Target;
import io.switchboard.server.HandlerNames;
import io.switchboard.server.auth.AuthTokens;
import io.switchboard.server.auth.Authenticator;
import io.switchboard.server.metrics.Metrics;
import io.switchboard.server.rooms.Outbound;
import io.switchboard.server.rooms.OutboundBatch;
import io.switchboard.server.rooms.RoomHub;
import io.switchboard.server.session.Refused;
import io.switchboard.server.session.Session;
import io.switchboard.server.session.Session.Publication;
import io.switchboard.server.settings.FramedConfig;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The framed protocol's adapter onto the session core: frames become {@link Session} calls, and
 * the core's answers, refusals and events become frames. HELLO is {@link FramedHandshake}'s, the
 * connection's life (idle, drain, failures, close) {@link FramedConnection}'s. Replies are written
 * in request order; the pipeline's flush consolidation flushes them once per read batch, and
 * events from other sessions once per burst. One instance per connection.
 */
final class FramedSessionHandler extends FramedConnection {
    private static final Logger log = LogManager.getLogger(FramedSessionHandler.class);

    /** The most PUBLISHes of one burst handed to the room together; a longer run starts another burst. */
    static final int MAX_BURST = 64;
    /**
     * The most payload bytes of one burst (a single larger PUBLISH is a burst of its own): a member
     * takes a burst whole once below its high-water mark, so this bounds how far past it a burst goes.
     */
    static final int MAX_BURST_BYTES = 64 * 1024;
    /**
     * The most bytes of events held for this connection before they are written into the
     * pipeline there and then (see {@link #held}); with {@link #MAX_HELD} it bounds what a held
     * connection takes past its high-water mark.
     */
    static final int MAX_HELD_BYTES = 32 * 1024;
    /** The most events or bursts held before they are written into the pipeline there and then. */
    static final int MAX_HELD = 64;

    private final FramedHandshake handshake;
    /**
     * Consecutive PUBLISHes to one room with the same flags, read in one batch and not yet
     * handed on: published together at the end of the read batch, or before the first other frame,
     * so that every member of the room takes them in one write, and replies keep request order.
     */
    private final List<Publish> burst = new ArrayList<>();
    private int burstBytes;
    /**
     * Where room events, already encoded, enter the pipeline: below the frame encoder, so that a
     * delivery does not walk the handlers above it.
     */
    private ChannelHandlerContext eventContext;
    /** Where a write of held events is flushed: below the flush consolidation, which would defer it again. */
    private ChannelHandlerContext flushContext;
    /**
     * Events handed to this connection ({@link Outbound}s and {@link OutboundBatch}es handed over
     * on this loop, encoded when written; buffers encoded by another thread)
     * and not yet written into the pipeline: a fan-out appends to this array and schedules one task
     * ({@link #writeHeld(boolean)}) that writes all of them, so that a member of a large room costs a
     * fan-out one look at this handler per event, and the walk through its pipeline, its outbound
     * buffer and its flush happen once for all the events that came meanwhile. Anything else written
     * to the connection (a reply, a BYE, a closing frame) writes these first, so the connection's
     * output keeps the order in which things were handed to it. At most {@link #MAX_HELD} or
     * {@link #MAX_HELD_BYTES}, then written at once. On the event loop only.
     */
    private Object[] held;
    private int heldCount;
    private int heldBytes;
    private boolean writeScheduled;
    private final Runnable writeHeldTask = () -> {
        writeScheduled = false;
        writeHeld(true);
    };

    FramedSessionHandler(long sessionId, FramedConfig config, RoomHub hub) {
        this(sessionId, config, hub, new Metrics(), Authenticator.of(AuthTokens.none()));
    }

    FramedSessionHandler(long sessionId, FramedConfig config, RoomHub hub, Metrics metrics, Authenticator auth) {
        super(sessionId, config, hub, metrics, auth);
        this.handshake = new FramedHandshake(auth, this, this::reply);
    }

    /** The session core this adapter speaks for. */
    Session session() {
        return session;
    }

    // ---- inbound ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ChannelHandlerContext encoder = ctx.pipeline().context(HandlerNames.FRAME_ENCODER);
        eventContext = encoder != null ? encoder : ctx;
        ChannelHandlerContext consolidation = ctx.pipeline().context(FlushConsolidationHandler.class);
        flushContext = consolidation != null ? consolidation : eventContext;
        super.handlerAdded(ctx); // last: publishes eventContext with the channel to delivering threads
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing() || !(msg instanceof Frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        Frame frame = (Frame) msg;
        session.counters().messageIn(0); // its bytes were counted below the decoder
        try {
            if (session.park(frame)) {
                return;
            }
        } catch (Refused e) {
            reply(ctx, error(frame, e));
            return;
        }
        handle(ctx, frame);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ReadBatchFlush.END) {
            publishBurst(ctx); // its replies join the read batch's flush
            writeHeld(false); // and so does what this session holds (before a 429 FramedLimits writes next)
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        publishBurst(ctx); // a pipeline without ReadBatchFlush
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // Published before the connection went: handed on as if it had stayed (the acks go nowhere).
        publishBurst(ctx);
        releaseHeld();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        for (Publish publish : burst) {
            publish.release();
        }
        burst.clear();
        burstBytes = 0;
        releaseHeld();
    }

    private void handle(ChannelHandlerContext ctx, Frame frame) {
        if (!burst.isEmpty() && !(frame instanceof Publish publish && joinsBurst(publish))) {
            publishBurst(ctx); // before any other frame is answered: replies stay in request order
        }
        if (frame.opcode() != null) {
            metrics.frameIn(frame.opcode());
        }
        if (frame instanceof InvalidFrame invalid) {
            log.debug("{} invalid input: {}", ctx.channel(), invalid.message());
            if (invalid.fatal()) {
                closeWith(ctx, invalid.toError());
            } else {
                reply(ctx, invalid.toError());
            }
            return;
        }
        if (!frame.opcode().clientMaySend()) {
            ReferenceCountUtil.release(frame);
            reply(ctx, error(frame, ErrorCode.UNEXPECTED_OPCODE, frame.opcode() + " is sent by servers only"));
            return;
        }
        if (!handshake.admit(ctx, frame)) {
            return;
        }
        try {
            switch (frame.opcode()) {
                case PING, ECHO -> reply(ctx, ((PayloadFrame) frame).reply());
                case PONG -> ReferenceCountUtil.release(frame);
                case JOIN -> {
                    Join join = (Join) frame;
                    session.join(join.room(), Flags.has(join.flags(), Flags.PRESENCE), () -> acknowledge(ctx, join));
                }
                case LEAVE -> {
                    session.leave(((Leave) frame).room());
                    acknowledge(ctx, frame);
                }
                case PUBLISH -> publish(ctx, (Publish) frame);
                case ACK -> {
                    Ack ack = (Ack) frame;
                    session.peerAck(ack.requestId(), ack.content());
                }
                case MEMBERS -> {
                    Members members = (Members) frame;
                    if (members.paged()) {
                        Session.MemberPage page = session.members(members.room(), members.after(), members.limit());
                        reply(ctx, new MembersReply(members.requestId(), members.room(), page.members(), true, page.next()));
                    } else {
                        reply(ctx, new MembersReply(members.requestId(), members.room(), session.members(members.room())));
                    }
                }
                case BYE -> {
                    log.debug("{} said bye: {}", ctx.channel(), ((Bye) frame).message());
                    closeWith(ctx, null);
                }
                default -> {
                    ReferenceCountUtil.release(frame);
                    reply(ctx, error(frame, ErrorCode.UNEXPECTED_OPCODE, frame.opcode() + " is not a request"));
                }
            }
        } catch (Refused e) {
            reply(ctx, error(frame, e));
        }
    }

    /** Whether {@code publish} may wait in the burst: to a room, no peer ack, same room and flags as the burst's. */
    private boolean joinsBurst(Publish publish) {
        if (publish.target() != Target.ROOM || Flags.has(publish.flags(), Flags.PEER_ACK)) {
            return false;
        }
        if (burst.isEmpty()) {
            return true;
        }
        Publish first = burst.get(0);
        return burst.size() < MAX_BURST && burstBytes + publish.content().readableBytes() <= MAX_BURST_BYTES
                && first.room().equals(publish.room())
                && Flags.has(first.flags(), Flags.INCLUDE_SELF) == Flags.has(publish.flags(), Flags.INCLUDE_SELF);
    }

    /** Publishes the waiting burst, then answers each of its PUBLISHes in order. */
    private void publishBurst(ChannelHandlerContext ctx) {
        if (burst.isEmpty()) {
            return;
        }
        List<Publish> publishes = new ArrayList<>(burst);
        burst.clear();
        burstBytes = 0;
        List<Publication> publications = new ArrayList<>(publishes.size());
        List<ByteBuf> payloads = new ArrayList<>(publishes.size());
        for (Publish publish : publishes) {
            publications.add(publication(publish));
            payloads.add(publish.content());
        }
        List<Refused> outcome = session.publishToRoom(publications, payloads);
        for (int i = 0; i < publishes.size(); i++) {
            Refused refused = outcome.get(i);
            if (refused != null) {
                reply(ctx, error(publishes.get(i), refused));
            } else {
                acknowledge(ctx, publishes.get(i));
            }
        }
    }

    private static Publication publication(Publish publish) {
        return new Publication(publish.target(), publish.room(), publish.sessionId(), publish.event(),
                Flags.has(publish.flags(), Flags.INCLUDE_SELF), Flags.has(publish.flags(), Flags.ACK),
                Flags.has(publish.flags(), Flags.PEER_ACK), publish.requestId(),
                publish.flags() & (Flags.JSON | Flags.BINARY));
    }

    private void publish(ChannelHandlerContext ctx, Publish publish) throws Refused {
        if (joinsBurst(publish)) { // handle() published a burst it cannot join
            burst.add(publish); // answered when the burst is published
            burstBytes += publish.content().readableBytes();
            return;
        }
        if (!session.publish(publication(publish), publish.content())) {
            acknowledge(ctx, publish); // else the peer's answer is the acknowledgement
        }
    }

    private static ErrorFrame error(Frame request, ErrorCode code, String message) {
        return new ErrorFrame(request.requestId(), code, message);
    }

    private static ErrorFrame error(Frame request, Refused refused) {
        return new ErrorFrame(request.requestId(), refused.code(), refused.getMessage());
    }

    private void acknowledge(ChannelHandlerContext ctx, Frame request) {
        if (Flags.has(request.flags(), Flags.ACK)) {
            reply(ctx, new Ack(request.requestId(), Unpooled.EMPTY_BUFFER));
        }
    }

    /** Writes and flushes; the pipeline's flush consolidation makes it one flush per read batch. */
    private void reply(ChannelHandlerContext ctx, Frame reply) {
        writeHeld(false);
        if (reply instanceof ErrorFrame error) {
            metrics.error(error.code());
        }
        ctx.writeAndFlush(reply, ctx.voidPromise());
    }

    // ---- SessionWire: rendering ----

    @Override
    public boolean write(Outbound message) {
        EventExecutor loop = executor();
        if (loop.inEventLoop()) {
            // Encoded once for all its framed recipients (on this thread, the one its fan-out runs
            // on); this member's duplicate is made when its hold is written.
            int length = message.encodedLength(Outbound.FRAMED);
            if (length == 0) {
                return false;
            }
            hold(message.retain(), length);
            return true;
        }
        ByteBuf bytes = message.framedBytes(); // encoded on the caller's thread, the one its fan-out runs on
        if (bytes == null) {
            return false;
        }
        try {
            loop.execute(() -> hold(bytes, bytes.readableBytes()));
        } catch (RejectedExecutionException e) {
            bytes.release(); // the loop is shutting down, and the connection with it
        }
        return true;
    }

    @Override
    public boolean writesBatches() {
        return true;
    }

    @Override
    public int write(OutboundBatch batch) {
        // One buffer for the whole burst, made by the first member and shared by all; each
        // member's duplicate of it is made when its hold is written.
        hold(batch.retain(), batch.encodedLength(Outbound.FRAMED));
        return batch.size();
    }

    /** Holds {@code item} (owned by this call) for {@link #writeHeld}; on the event loop. */
    private void hold(Object item, int bytes) {
        if (!isOpen()) {
            ReferenceCountUtil.release(item); // closed meanwhile (a write handed over from another thread)
            return;
        }
        if (held == null) {
            held = new Object[8];
        } else if (heldCount == held.length) {
            held = Arrays.copyOf(held, Math.min(held.length * 2, MAX_HELD));
        }
        held[heldCount++] = item;
        heldBytes += bytes;
        if (heldCount == MAX_HELD || heldBytes >= MAX_HELD_BYTES) {
            writeHeld(true);
        } else if (!writeScheduled) {
            writeScheduled = true;
            executor().execute(writeHeldTask);
        }
    }

    /**
     * Writes what is held into the pipeline, in order, and flushes it: with {@code flushNow} at
     * once (from the task, or when the hold is full), else through the flush consolidation (with the
     * read batch's flush, or the replies that follow).
     */
    @Override
    void writeHeld() {
        writeHeld(false);
    }

    private void writeHeld(boolean flushNow) {
        int n = heldCount;
        if (n == 0) {
            return;
        }
        heldCount = 0;
        heldBytes = 0;
        Object[] items = held;
        ChannelHandlerContext ctx = eventContext;
        int within = 0;
        for (int i = 0; i < n; i++) {
            Object item = items[i];
            items[i] = null;
            if (item instanceof OutboundBatch batch) {
                ByteBuf bytes = batch.encoded(Outbound.FRAMED);
                within += batch.size() - 1; // SessionTraffic counts the buffer as one message
                batch.release();
                if (bytes != null) {
                    ctx.write(bytes, ctx.voidPromise());
                }
            } else if (item instanceof Outbound message) {
                ByteBuf bytes = message.framedBytes();
                message.release();
                if (bytes != null) {
                    ctx.write(bytes, ctx.voidPromise());
                }
            } else {
                ctx.write(item, ctx.voidPromise());
            }
        }
        if (within > 0) {
            session.counters().messagesOutWithin(within);
        }
        if (flushNow) {
            flushContext.flush();
        } else {
            ctx.flush(); // consolidated: with the read batch's flush, or in a task after it
        }
    }

    private void releaseHeld() {
        for (int i = 0; i < heldCount; i++) {
            ReferenceCountUtil.release(held[i]);
            held[i] = null;
        }
        heldCount = 0;
        heldBytes = 0;
    }

    @Override
    public void reply(Frame reply) {
        EventExecutor loop = executor();
        if (!loop.inEventLoop()) {
            // Through the loop, so that it comes after what this connection holds.
            try {
                loop.execute(() -> reply(reply));
            } catch (RejectedExecutionException e) {
                ReferenceCountUtil.release(reply);
            }
            return;
        }
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            ReferenceCountUtil.release(reply);
            return;
        }
        writeHeld(false);
        if (reply instanceof ErrorFrame error) {
            metrics.error(error.code());
        }
        ch.writeAndFlush(reply, ch.voidPromise());
    }

    @Override
    public void dispatch(Object message) {
        ChannelHandlerContext ctx = channel.pipeline().context(this);
        if (ctx == null || closing()) {
            ReferenceCountUtil.release(message);
            return;
        }
        handle(ctx, (Frame) message);
        publishBurst(ctx); // outside a read batch: no read-complete follows
    }
}
