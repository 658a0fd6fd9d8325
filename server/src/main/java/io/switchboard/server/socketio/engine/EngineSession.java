package io.switchboard.server.socketio.engine;

import io.switchboard.server.socketio.settings.EngineConfig;
import io.netty.buffer.ByteBuf;
import io.switchboard.server.session.SessionCounters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.switchboard.server.socketio.engine.EngineServer.Error;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One Engine.IO session. All its state is touched only on {@link #eventLoop()}, the loop of the
 * connection that opened it; requests and frames arriving on other connections hop onto it.
 * Outbound packets are queued and flushed once per batch: to the pending polling GET, or as
 * WebSocket frames (one flush per batch).
 */
final class EngineSession implements EngineSocket {
    private static final Logger log = LogManager.getLogger(EngineSession.class);
    static final String POLLING = "polling";
    static final String WEBSOCKET = "websocket";
    private static final int PENDING = 0;
    private static final int OPEN = 1;
    private static final int CLOSING = 2;
    private static final int CLOSED = 3;

    /** A polling request waiting for (or getting) its answer. */
    record Poll(ChannelHandlerContext ctx, String origin, boolean keepAlive, boolean gzip) {
    }

    private final EngineServer server;
    private final EngineConfig config;
    private final EngineListener listener;
    private final String id;
    private final EventLoop loop;
    private final Handshake handshake;

    private volatile int state = PENDING;
    private volatile String transport;
    private volatile boolean upgraded;

    private Channel ws;
    /** Whether {@link #ws} negotiated no extension (no compression): made frames are written to it as they are. */
    private boolean wsRaw;
    private Channel probe;
    private boolean probed;
    private final ArrayDeque<EnginePacket> queue = new ArrayDeque<>();
    /** Messages and bytes each way; on the loop only. */
    private final SessionCounters counters = new SessionCounters();
    private long queuedBytes;
    private boolean flushScheduled;
    /**
     * The WebSocket whose read is in progress on this loop, until its read-complete: packets queued
     * meanwhile (an acknowledgement sent from an event handler) are flushed then, together, with no
     * task of their own.
     */
    private Channel reading;
    /** A flush waits for {@link #reading}'s read-complete (no task was queued for it). */
    private boolean flushOnReadComplete;
    private final Runnable flushTask = this::flush;
    /** Ends a WebSocket batch's write: the next batch may go (made once per WebSocket). */
    private ChannelFutureListener wsWritten;
    /** A batch of WebSocket frames is being written; the queue waits for it (on the session loop). */
    private boolean wsWriting;
    private Poll pendingGet;
    private ChannelFutureListener pendingGetClosed;
    private ScheduledFuture<?> pingTimer;
    private ScheduledFuture<?> pingTimeoutTimer;
    private ScheduledFuture<?> upgradeTimer;
    private ScheduledFuture<?> closeTimer;
    /** The layer above's object for this session; on the loop only. */
    private Object attachment;

    EngineSession(EngineServer server, String id, EventLoop loop, Handshake handshake, String transport) {
        this.server = server;
        this.config = server.config();
        this.listener = server.listener();
        this.id = id;
        this.loop = loop;
        this.handshake = handshake;
        this.transport = transport;
    }

    // ---- EngineSocket ----

    @Override
    public String id() {
        return id;
    }

    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    @Override
    public void send(String text) {
        EnginePacket p = EnginePacket.message(text);
        if (loop.inEventLoop()) {
            enqueue(p);
        } else {
            execute(() -> enqueue(p));
        }
    }

    @Override
    public void send(String text, ByteBuf frame) {
        EnginePacket p = EnginePacket.message(text, frame);
        if (loop.inEventLoop()) {
            enqueue(p);
        } else if (!execute(() -> enqueue(p))) {
            p.release();
        }
    }

    @Override
    public void send(ByteBuf data) {
        EnginePacket p = EnginePacket.binary(data);
        if (loop.inEventLoop()) {
            enqueue(p);
        } else if (!execute(() -> enqueue(p))) {
            p.release();
        }
    }

    @Override
    public void close() {
        execute(this::closeGracefully);
    }

    @Override
    public SessionCounters counters() {
        return counters;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public String transport() {
        return transport;
    }

    @Override
    public boolean upgraded() {
        return upgraded;
    }

    @Override
    public boolean isOpen() {
        return state == OPEN;
    }

    @Override
    public Handshake handshake() {
        return handshake;
    }

    @Override
    public String toString() {
        return "EngineSession[" + id + ", " + transport + "]";
    }

    /**
     * Queues {@code task} on the session's loop even when already on it, so that requests from
     * several connections are handled in the order they were read. False when the loop refused it.
     */
    boolean enqueueTask(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs {@code task} on the session's loop (now, when already on it). False when the loop refused it. */
    boolean execute(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return true;
        }
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    // ---- opening ----

    private String openPacket() {
        String upgrades = POLLING.equals(transport) && config.allowUpgrades() ? "[\"websocket\"]" : "[]";
        return "{\"sid\":\"" + id + "\",\"upgrades\":" + upgrades + ",\"pingInterval\":"
                + config.pingInterval().toMillis() + ",\"pingTimeout\":" + config.pingTimeout().toMillis()
                + ",\"maxPayload\":" + config.maxPayload() + "}";
    }

    /** A polling handshake: answers it with the open packet alone. On the session's loop. */
    void openPolling(Poll poll) {
        state = OPEN;
        server.register(this);
        ByteBuf body = EngineCodec.encodePayload(List.of(EnginePacket.text(PacketType.OPEN, openPacket())),
                poll.ctx().alloc());
        server.sendPayload(poll.ctx(), body, poll.origin(), poll.keepAlive(), poll.gzip());
        opened();
    }

    /** A direct WebSocket handshake completed on {@code ch}, the session's loop. */
    void openWebSocket(Channel ch) {
        ws = ch;
        wsRaw = isRaw(ch);
        wsWritten = null;
        state = OPEN;
        server.register(this);
        wsWriting = true;
        writeWs(ch, wsRaw, List.of(EnginePacket.text(PacketType.OPEN, openPacket())), () -> execute(() -> {
            wsWriting = false;
            if (ws == ch && state != CLOSED && !queue.isEmpty()) {
                flushWs();
            }
        }));
        opened();
    }

    private void opened() {
        log.debug("Engine.IO session {} opened ({}, {})", id, transport, handshake.remoteAddress());
        schedulePing();
        try {
            listener.onOpen(this);
        } catch (RuntimeException e) {
            log.warn("Engine.IO listener failed in onOpen of {}", id, e);
        }
    }

    // ---- heartbeat ----

    private void schedulePing() {
        cancel(pingTimer);
        pingTimer = loop.schedule(this::ping, config.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void ping() {
        if (state != OPEN) {
            return;
        }
        enqueue(EnginePacket.PING);
        cancel(pingTimeoutTimer);
        pingTimeoutTimer = loop.schedule(() -> closeNow("ping timeout", EnginePacket.CLOSE),
                config.pingTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pong() {
        cancel(pingTimeoutTimer);
        pingTimeoutTimer = null;
        schedulePing();
    }

    // ---- polling ----

    /** A polling GET for this session. On the session's loop. */
    void pollGet(Poll poll) {
        if (state == CLOSED || state == PENDING) {
            server.count(Malformed.UNKNOWN_SID);
            server.sendError(poll.ctx(), Error.UNKNOWN_SID, poll.origin(), poll.keepAlive());
            return;
        }
        if (!POLLING.equals(transport)) {
            server.count(Malformed.TRANSPORT_MISMATCH);
            server.sendError(poll.ctx(), Error.BAD_REQUEST, poll.origin(), poll.keepAlive());
            return;
        }
        if (pendingGet != null) {
            log.debug("Engine.IO session {}: overlapping GET, closing", id);
            server.count(Malformed.OVERLAPPING_POLL);
            server.sendError(poll.ctx(), Error.BAD_REQUEST, poll.origin(), poll.keepAlive());
            closeNow("transport error", EnginePacket.CLOSE);
            return;
        }
        pendingGet = poll;
        Channel ch = poll.ctx().channel();
        pendingGetClosed = f -> execute(() -> {
            if (pendingGet != null && pendingGet.ctx().channel() == ch) {
                pendingGet = null;
                pendingGetClosed = null;
                log.debug("Engine.IO session {}: poll connection closed prematurely", id);
                closeNow("transport error", null);
            }
        });
        ch.closeFuture().addListener(pendingGetClosed);
        if (!queue.isEmpty()) {
            flushPolling();
        } else if (probed) {
            // The client pauses polling once it has the probe's answer, so this GET crossed it (then
            // the client waits for it before sending the upgrade) or races the upgrade packet. Like
            // the reference server, end it with a noop if the upgrade has not come within 100 ms.
            noopSoon(poll);
        }
    }

    /**
     * While a probe is answered, ends {@code poll} with a noop if the upgrade packet has not
     * come within 100 ms (the reference server's upgrade check interval), so that the client can
     * pause polling and send it. When the upgrade comes first, the poll is refused instead.
     */
    private void noopSoon(Poll poll) {
        loop.schedule(() -> {
            if (pendingGet == poll && probed && POLLING.equals(transport)) {
                respondNoop();
            }
        }, 100, TimeUnit.MILLISECONDS);
    }

    /** A polling POST for this session; releases {@code request}. On the session's loop. */
    void pollPost(Poll poll, FullHttpRequest request, boolean binaryContent) {
        try {
            if (state == CLOSED || state == PENDING) {
                server.count(Malformed.UNKNOWN_SID);
                server.sendError(poll.ctx(), Error.UNKNOWN_SID, poll.origin(), poll.keepAlive());
                return;
            }
            if (!POLLING.equals(transport)) {
                server.count(Malformed.TRANSPORT_MISMATCH);
                server.sendError(poll.ctx(), Error.BAD_REQUEST, poll.origin(), poll.keepAlive());
                return;
            }
            if (binaryContent) {
                server.count(Malformed.BINARY_POST);
                server.sendError(poll.ctx(), Error.BAD_REQUEST, poll.origin(), poll.keepAlive());
                closeNow("transport error", EnginePacket.CLOSE);
                return;
            }
            ByteBuf content = request.content();
            if (content.readableBytes() > config.maxPayload()) {
                server.count(Malformed.PAYLOAD_TOO_LARGE);
                server.sendStatus(poll.ctx(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, poll.origin(), false);
                closeNow("transport error", EnginePacket.CLOSE);
                return;
            }
            List<EnginePacket> packets;
            try {
                packets = EngineCodec.decodePayload(content, poll.ctx().alloc());
            } catch (EngineProtocolException e) {
                log.debug("Engine.IO session {}: {}, closing", id, e.getMessage());
                server.count(e.kind);
                server.sendError(poll.ctx(), Error.BAD_REQUEST, poll.origin(), poll.keepAlive());
                closeNow("parse error", EnginePacket.CLOSE);
                return;
            }
            for (EnginePacket p : packets) {
                if (state == OPEN && POLLING.equals(transport)) {
                    onPacket(p);
                } else {
                    p.release();
                }
            }
            server.sendOk(poll.ctx(), poll.origin(), poll.keepAlive());
        } finally {
            request.release();
        }
    }

    private Poll takePendingGet() {
        Poll g = pendingGet;
        pendingGet = null;
        if (g != null && pendingGetClosed != null) {
            g.ctx().channel().closeFuture().removeListener(pendingGetClosed);
        }
        pendingGetClosed = null;
        return g;
    }

    private void flushPolling() {
        Poll g = takePendingGet();
        boolean closing = false;
        List<EnginePacket> batch = new ArrayList<>(queue.size());
        for (EnginePacket p; (p = queue.poll()) != null; ) {
            closing |= p == EnginePacket.CLOSE && state == CLOSING;
            batch.add(p);
        }
        queuedBytes = 0;
        ByteBuf body;
        try {
            body = EngineCodec.encodePayload(batch, g.ctx().alloc());
        } finally {
            for (EnginePacket p : batch) {
                p.release();
            }
        }
        server.sendPayload(g.ctx(), body, g.origin(), g.keepAlive(), g.gzip());
        if (closing) {
            closeNow("forced close", null);
        }
    }

    private void respondPacket(EnginePacket packet) {
        Poll g = takePendingGet();
        ByteBuf body = EngineCodec.encodePayload(List.of(packet), g.ctx().alloc());
        server.sendPayload(g.ctx(), body, g.origin(), g.keepAlive(), false);
    }

    private void respondNoop() {
        respondPacket(EnginePacket.NOOP);
    }

    // ---- WebSocket ----

    /** A WebSocket upgraded with this session's sid: the probe, until the client sends 5. On the session's loop. */
    void attachProbe(Channel ch) {
        if (state != OPEN || !POLLING.equals(transport) || probe != null || !config.allowUpgrades()) {
            log.debug("Engine.IO session {}: refusing a WebSocket ({}, upgraded {}, probing {})", id, transport,
                    upgraded, probe != null);
            server.count(Malformed.TRANSPORT_MISMATCH);
            closeWs(ch);
            return;
        }
        probe = ch;
        probed = false;
        upgradeTimer = loop.schedule(() -> {
            if (probe == ch) {
                log.debug("Engine.IO session {}: no upgrade within {}", id, config.upgradeTimeout());
                dropProbe();
                closeWs(ch);
            }
        }, config.upgradeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A packet from a WebSocket of this session (active or probe). On the session's loop. */
    void onWsPacket(Channel ch, EnginePacket p) {
        if (state == CLOSED) {
            p.release();
            return;
        }
        if (ch == ws) {
            onPacket(p);
        } else if (ch == probe) {
            if (p.type == PacketType.PING && p.isProbe()) {
                // WebSocketTransport has answered 3probe already, on the connection's own loop.
                probed = true;
                if (pendingGet != null) {
                    noopSoon(pendingGet);
                }
            } else if (p.type == PacketType.UPGRADE && state == OPEN) {
                completeUpgrade();
            } else {
                log.debug("Engine.IO session {}: unexpected {} on the probe, dropping it", id, p);
                p.release();
                server.count(Malformed.BAD_PROBE);
                dropProbe();
                closeWs(ch);
            }
        } else {
            p.release();
        }
    }

    /** Undecodable input on a WebSocket of this session. On the session's loop. */
    void onWsError(Channel ch, Malformed kind) {
        server.count(kind);
        if (ch == ws) {
            closeNow("parse error", null);
        } else if (ch == probe) {
            dropProbe();
            closeWs(ch);
        }
    }

    /** A WebSocket of this session closed. On the session's loop. */
    void onWsClosed(Channel ch) {
        if (ch == ws) {
            closeNow("transport close", null);
        } else if (ch == probe) {
            dropProbe();
        }
    }

    private void dropProbe() {
        probe = null;
        probed = false;
        cancel(upgradeTimer);
        upgradeTimer = null;
    }

    private void completeUpgrade() {
        Channel ch = probe;
        boolean wasProbed = probed;
        dropProbe();
        if (pendingGet != null) {
            if (wasProbed) {
                // Sent after the probe was answered: it lost the race with the upgrade, and after
                // the upgrade a polling request is a transport mismatch.
                Poll g = takePendingGet();
                server.count(Malformed.TRANSPORT_MISMATCH);
                server.sendError(g.ctx(), Error.BAD_REQUEST, g.origin(), g.keepAlive());
            } else {
                respondNoop();
            }
        }
        ws = ch;
        wsRaw = isRaw(ch);
        wsWritten = null;
        transport = WEBSOCKET;
        upgraded = true;
        log.debug("Engine.IO session {} upgraded to WebSocket", id);
        if (!queue.isEmpty()) {
            flushWs();
        }
    }

    /**
     * Writes what is queued as one batch, unless a batch is still being written: then the queue
     * waits for that write to complete (as the reference server's transport is not "writable"
     * meanwhile). Packets queued in the meantime leave together, in one write, and a packet queued
     * right after another never shares its write with it.
     */
    private void flushWs() {
        if (wsWriting) {
            return;
        }
        wsWriting = true;
        queuedBytes = 0;
        Channel ch = ws;
        if (ch.eventLoop() == loop) {
            // The common case, on the connection's own loop: straight from the queue, no copy of it,
            // and the WebSocket's one listener for the batch's last write.
            if (wsWritten == null) {
                wsWritten = f -> wsBatchWritten(ch);
            }
            ChannelPromise last = ch.newPromise().addListener(wsWritten);
            for (EnginePacket p; (p = queue.poll()) != null; ) {
                ch.write(wsFrame(ch, wsRaw, p), queue.isEmpty() ? last : ch.voidPromise());
            }
            ch.flush();
        } else {
            List<EnginePacket> batch = new ArrayList<>(queue);
            queue.clear();
            writeWs(ch, wsRaw, batch, () -> execute(() -> wsBatchWritten(ch)));
        }
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        if (out != null && out.totalPendingWriteBytes() > config.maxBufferedBytes()) {
            log.debug("Engine.IO session {}: {} bytes unsent on the WebSocket, closing", id,
                    out.totalPendingWriteBytes());
            closeNow("buffer full", null);
        }
    }

    /** A batch written on {@code ch} (or failed): the next may go. On the session's loop. */
    private void wsBatchWritten(Channel ch) {
        wsWriting = false;
        if (ws == ch && state != CLOSED && !queue.isEmpty()) {
            flushWs();
        }
    }

    /** Whether the WebSocket {@code ch} negotiated no extension: its frames go out as they are encoded. */
    private static boolean isRaw(Channel ch) {
        return ch.pipeline().get(EngineHandler.WS_DEFLATE_ENCODER) == null;
    }

    /**
     * Writes packets as frames on {@code ch} (on its loop), one flush for all; {@code written} runs
     * once they are written or failed. A packet's made frame (shared with other recipients) is
     * written as it is when {@code raw}, the WebSocket having no extension; otherwise it is
     * released and the frame encoded from the text for this connection.
     */
    private static void writeWs(Channel ch, boolean raw, List<EnginePacket> batch, Runnable written) {
        Runnable write = () -> {
            ChannelPromise last = ch.newPromise();
            last.addListener(f -> written.run());
            for (int i = 0; i < batch.size(); i++) {
                ch.write(wsFrame(ch, raw, batch.get(i)), i == batch.size() - 1 ? last : ch.voidPromise());
            }
            if (batch.isEmpty()) {
                last.setSuccess();
            }
            ch.flush();
        };
        if (ch.eventLoop().inEventLoop()) {
            write.run();
            return;
        }
        try {
            ch.eventLoop().execute(write);
        } catch (RejectedExecutionException e) {
            for (EnginePacket p : batch) {
                p.release();
            }
            written.run();
        }
    }

    /** What {@code ch} is given for {@code p} (takes it): its made frame when {@code raw}, else a frame encoded for it. */
    private static Object wsFrame(Channel ch, boolean raw, EnginePacket p) {
        if (p.isBinary()) {
            return new BinaryWebSocketFrame(p.takeBinary());
        }
        ByteBuf made = p.takeFrame();
        if (made != null && raw) {
            return made;
        }
        if (made != null) {
            made.release();
        }
        return new TextWebSocketFrame(EngineCodec.encodeText(p, ch.alloc()));
    }

    private static void closeWs(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    // ---- packets in, packets out ----

    /** A packet on the session's active transport. Takes {@code p}. */
    private void onPacket(EnginePacket p) {
        if (state != OPEN) {
            p.release();
            return;
        }
        switch (p.type) {
            case MESSAGE -> {
                counters.messageIn(p.weight());
                if (p.isBinary()) {
                    ByteBuf data = p.takeBinary();
                    try {
                        listener.onBinary(this, data);
                    } catch (RuntimeException e) {
                        log.warn("Engine.IO listener failed in onBinary of {}", id, e);
                    }
                } else {
                    try {
                        listener.onMessage(this, p.text);
                    } catch (RuntimeException e) {
                        log.warn("Engine.IO listener failed in onMessage of {}", id, e);
                    }
                }
            }
            case PONG -> pong();
            case CLOSE -> {
                if (POLLING.equals(transport) && pendingGet == null) {
                    // A GET sent together with this close may still be on its way on another connection.
                    server.expectLastPoll(id, loop, config.pingTimeout());
                }
                closeNow("transport close", EnginePacket.NOOP);
            }
            case PING -> {
                log.debug("Engine.IO session {}: ping from the client, closing", id);
                server.count(Malformed.CLIENT_PING);
                closeNow("transport error", EnginePacket.CLOSE);
            }
            default -> {
                // open, upgrade and noop on the active transport mean nothing: ignored, as the reference does
            }
        }
    }

    private void enqueue(EnginePacket p) {
        if (state != OPEN) {
            p.release();
            return;
        }
        int weight = p.weight();
        if (queue.size() >= config.maxBufferedPackets() || queuedBytes + weight > config.maxBufferedBytes()) {
            log.debug("Engine.IO session {}: {} packets, {} bytes unsent, closing", id, queue.size(), queuedBytes);
            p.release();
            closeNow("buffer full", EnginePacket.CLOSE);
            return;
        }
        queue.add(p);
        queuedBytes += weight;
        if (p.type == PacketType.MESSAGE) {
            counters.messageOut(weight);
        }
        if (!flushScheduled) {
            flushScheduled = true;
            if (reading != null && reading == ws) {
                flushOnReadComplete = true;
            } else {
                loop.execute(flushTask);
            }
        }
    }

    /**
     * A read of {@code ch} begins, on its loop; {@link #wsReadComplete} ends it. Only a WebSocket on
     * the session's own loop counts (a probe upgraded from another loop hops anyway).
     */
    void wsReadStarted(Channel ch) {
        if (ch.eventLoop() == loop) {
            reading = ch;
        }
    }

    /** The read of {@code ch} completed: what its packets queued leaves now, in one write. */
    void wsReadComplete(Channel ch) {
        if (reading != ch) {
            return;
        }
        reading = null;
        if (flushOnReadComplete) {
            flushOnReadComplete = false;
            flush();
        }
    }

    private void flush() {
        flushScheduled = false;
        flushOnReadComplete = false;
        if (state == CLOSED || queue.isEmpty()) {
            return;
        }
        if (WEBSOCKET.equals(transport)) {
            flushWs();
        } else if (pendingGet != null) {
            flushPolling();
        }
    }

    // ---- closing ----

    private void closeGracefully() {
        if (state != OPEN) {
            return;
        }
        if (WEBSOCKET.equals(transport)) {
            if (!queue.isEmpty()) {
                flushWs();
            }
            closeNow("forced close", null);
            return;
        }
        state = CLOSING;
        queue.add(EnginePacket.CLOSE);
        if (pendingGet != null) {
            flushPolling();
        } else {
            // The next poll carries what is queued and the close packet; a client that never polls is closed anyway.
            closeTimer = loop.schedule(() -> closeNow("forced close", null), config.pingTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The server is stopping: like {@link #close()}, with reason "server shutting down". */
    void shutdown() {
        execute(() -> {
            if (state == OPEN && WEBSOCKET.equals(transport) && !queue.isEmpty()) {
                flushWs();
            }
            if (state == OPEN && POLLING.equals(transport) && pendingGet != null) {
                queue.add(EnginePacket.CLOSE);
                state = CLOSING;
                flushPolling();
            }
            closeNow("server shutting down", EnginePacket.CLOSE);
        });
    }

    /**
     * Closes at once: a pending poll is answered {@code pollReply} (or nothing when null), queued
     * packets are dropped, WebSockets get a close frame, and the listener hears {@code reason}.
     */
    private void closeNow(String reason, EnginePacket pollReply) {
        if (state == CLOSED) {
            return;
        }
        boolean opened = state != PENDING;
        state = CLOSED;
        server.unregister(this);
        cancel(pingTimer);
        cancel(pingTimeoutTimer);
        cancel(upgradeTimer);
        cancel(closeTimer);
        if (pendingGet != null) {
            if (pollReply != null) {
                respondPacket(pollReply);
            } else {
                Poll g = takePendingGet();
                g.ctx().close();
            }
        }
        for (EnginePacket p; (p = queue.poll()) != null; ) {
            p.release();
        }
        queuedBytes = 0;
        if (ws != null) {
            closeWs(ws);
        }
        if (probe != null) {
            closeWs(probe);
            probe = null;
        }
        log.debug("Engine.IO session {} closed: {}", id, reason);
        if (opened) {
            try {
                listener.onClose(this, reason);
            } catch (RuntimeException e) {
                log.warn("Engine.IO listener failed in onClose of {}", id, e);
            }
        }
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
