package io.switchboard.client.load.workload.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.client.load.result.ErrorKind;
import io.switchboard.client.load.workload.ConnectionContext;
import io.switchboard.client.load.workload.LoadConnection;
import io.switchboard.client.load.workload.PayloadSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One Socket.IO client of a {@link SioWorkload}, above its {@link EngineTransport}: the open
 * packet, the CONNECT to the namespace (with auth), heartbeats, then its role's packets. Runs on
 * the connection's event loop.
 *
 * <p>Ack ids are the engine's tokens, so an ack finds its request without a map; the join of a
 * fan-out subscriber uses {@link #JOIN_ID}, above every token.
 */
final class SioConnection implements LoadConnection {
    static final long JOIN_ID = 1_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] TAIL = {'"', ']'};

    private final SioWorkload workload;
    private final ConnectionContext ctx;
    private final int index;
    private final SioWire.Packet packet = new SioWire.Packet();
    private EngineTransport transport;

    private boolean opened;
    private boolean ready;
    private boolean closing;
    private boolean failedToOpen;
    private boolean closeReported;
    /** The namespace's CONNECT was answered (a subscriber may still wait for its join's ack). */
    private boolean namespaceConnected;
    private long pingDeadlineNanos;
    private long lastPingNanos;
    private ScheduledFuture<?> watchdog;

    /** Per token: in flight, payload offset and size (echo), room (fan-out publisher). */
    private boolean[] pending = new boolean[16];
    private int[] offsetOf = new int[16];
    private int[] sizeOf = new int[16];
    /** Per room: {@code "ROOM","EVENT","} or {@code "ROOM","} (fan-out publisher). */
    private byte[][] roomArgs;
    private long[] seqByRoom;
    /** emit: tokens sent since the last flush (one completion for all of them, when that flush is written). */
    private int[] unflushed = new int[16];
    private int unflushedCount;
    /** emit: tokens written whose completion is still to be reported. */
    private int[] written = new int[16];
    private int writtenCount;
    private boolean settleScheduled;

    SioConnection(SioWorkload workload, ConnectionContext ctx) {
        this.workload = workload;
        this.ctx = ctx;
        this.index = ctx.index();
    }

    private boolean subscriber() {
        return workload.mode == SioWorkload.Mode.FANOUT && index < workload.ledger.subscribers;
    }

    private boolean publisher() {
        return workload.mode == SioWorkload.Mode.FANOUT && index >= workload.ledger.subscribers;
    }

    // ---- transport events ----

    /** The transport is up (the WebSocket upgraded, or the polling handshake sent). */
    void onTransport(EngineTransport t) {
        this.transport = t;
        long timeout = workload.handshakeTimeoutNanos;
        watchdog = t.executor().schedule(() -> {
            if (ready || closing) {
                return;
            }
            if (namespaceConnected) {
                openFailed(new IOException("no answer to " + workload.joinEvent + " within "
                        + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms (is join_event right for this server?)"));
            } else {
                openFailed(new IOException("no Socket.IO CONNECT answer within "
                        + TimeUnit.NANOSECONDS.toMillis(timeout) + " ms (is this a Socket.IO v4 server at "
                        + workload.hostHeader + " with path " + workload.handshakePath.substring(0,
                        workload.handshakePath.indexOf('?')) + "?)"));
            }
        }, timeout, TimeUnit.NANOSECONDS);
    }

    /** The transport could not be opened. */
    void openFailed(Throwable cause) {
        if (!failedToOpen && !ready) {
            failedToOpen = true;
            ctx.connectFailed(cause);
        }
        if (transport != null) {
            transport.close();
        }
    }

    /** The transport failed (an exception in its pipeline). */
    void failed(Throwable cause) {
        if (ready) {
            protocolError(cause.toString());
        } else {
            openFailed(cause);
        }
    }

    /** A fatal protocol error: fails the open, or the connection once open. */
    void protocolError(String detail) {
        if (closing) {
            return;
        }
        if (ready) {
            ctx.connectionError(ErrorKind.PROTOCOL_ERROR, detail);
            transport.close();
        } else {
            openFailed(new SioProtocolException(detail));
        }
    }

    /** One Engine.IO packet: {@code buf[from, to)}. */
    void onPacket(ByteBuf buf, int from, int to) {
        ctx.bytesReceived(transport.wireBytes(to - from));
        if (from >= to) {
            protocolError("an empty Engine.IO packet");
            return;
        }
        byte type = buf.getByte(from);
        switch (type) {
            case SioWire.EIO_MESSAGE -> {
                if (!opened) {
                    protocolError("a message before the Engine.IO open packet: " + SioWire.excerpt(buf, from, to));
                    return;
                }
                try {
                    SioWire.parse(buf, from + 1, to, packet);
                } catch (SioProtocolException e) {
                    protocolError(e.getMessage());
                    return;
                }
                onSocketIo(buf);
            }
            case SioWire.EIO_PING -> {
                lastPingNanos = System.nanoTime();
                ByteBuf pong = transport.buffer(to - from);
                pong.writeByte(SioWire.EIO_PONG).writeBytes(buf, from + 1, to - from - 1);
                transport.send(pong);
                transport.flush();
                ctx.bytesSent(transport.wireBytes(to - from));
                workload.pingsAnswered.increment();
            }
            case SioWire.EIO_OPEN -> onOpen(buf, from, to);
            case SioWire.EIO_CLOSE -> {
                if (ready) {
                    ctx.connectionError(ErrorKind.DISCONNECT, "the server closed the Engine.IO session");
                    transport.close();
                } else {
                    openFailed(new IOException("the server closed the Engine.IO session before CONNECT"));
                }
            }
            case SioWire.EIO_NOOP, SioWire.EIO_PONG -> {
                // noop: a polling filler; a pong answers nothing we sent (v4 pings go server to client)
            }
            default -> protocolError("Engine.IO packet type " + SioWire.excerpt(buf, from, from + 1)
                    + " (expected: 0 to 6) in " + SioWire.excerpt(buf, from, to));
        }
    }

    private void onOpen(ByteBuf buf, int from, int to) {
        if (opened) {
            protocolError("a second Engine.IO open packet");
            return;
        }
        long interval;
        long timeout;
        try (InputStream in = new ByteBufInputStream(buf.slice(from + 1, to - from - 1))) {
            JsonNode open = JSON.readTree(in);
            if (open == null || !open.isObject() || !open.path("sid").isTextual()
                    || !open.path("pingInterval").canConvertToLong() || !open.path("pingTimeout").canConvertToLong()) {
                throw new IOException("no sid, pingInterval and pingTimeout");
            }
            interval = open.path("pingInterval").asLong();
            timeout = open.path("pingTimeout").asLong();
            if (interval <= 0 || timeout <= 0) {
                throw new IOException("pingInterval " + interval + " and pingTimeout " + timeout + " must be positive");
            }
            long maxPayload = open.path("maxPayload").asLong(0);
            transport.opened(open.path("sid").textValue(), maxPayload);
            long largest = workload.largestPacketBytes();
            if (maxPayload > 0 && acceptsRequests() && largest > maxPayload) {
                openFailed(new IOException("requests of up to " + largest + " bytes would exceed the server's maxPayload "
                        + maxPayload + " (from its open packet): use a smaller payload"));
                return;
            }
        } catch (IOException e) {
            protocolError("a bad Engine.IO open packet (" + e.getMessage() + "): " + SioWire.excerpt(buf, from, to));
            return;
        }
        opened = true;
        pingDeadlineNanos = TimeUnit.MILLISECONDS.toNanos(interval + timeout);
        lastPingNanos = System.nanoTime();
        StringBuilder connect = new StringBuilder("40");
        if (workload.namespace.length > 0) {
            connect.append(workload.namespaceName).append(',');
        }
        connect.append(workload.auth);
        byte[] connectBytes = SioWire.ascii(connect.toString());
        send(transport.buffer(connectBytes.length).writeBytes(connectBytes));
        transport.flush();
        scheduleHeartbeatCheck();
    }

    private void scheduleHeartbeatCheck() {
        transport.executor().schedule(() -> {
            if (closing) {
                return;
            }
            long silent = System.nanoTime() - lastPingNanos;
            if (silent > pingDeadlineNanos) {
                String why = "no ping from the server for " + TimeUnit.NANOSECONDS.toMillis(silent)
                        + " ms (pingInterval + pingTimeout = " + TimeUnit.NANOSECONDS.toMillis(pingDeadlineNanos) + " ms)";
                if (ready) {
                    ctx.connectionError(ErrorKind.TIMEOUT, why);
                    transport.close();
                } else {
                    openFailed(new IOException(why));
                }
            } else {
                scheduleHeartbeatCheck();
            }
        }, Math.max(TimeUnit.MILLISECONDS.toNanos(100), pingDeadlineNanos / 4), TimeUnit.NANOSECONDS);
    }

    private void onSocketIo(ByteBuf buf) {
        if (!packet.namespaceIs(buf, workload.namespace)) {
            return; // another namespace's packet: not ours
        }
        switch (packet.type) {
            case SioWire.SIO_CONNECT -> onConnect();
            case SioWire.SIO_CONNECT_ERROR -> openFailed(new IOException("CONNECT to " + workload.namespaceName
                    + " refused: " + SioWire.excerpt(buf, packet.json, packet.end)));
            case SioWire.SIO_DISCONNECT -> {
                if (ready) {
                    ctx.connectionError(ErrorKind.DISCONNECT, "the server disconnected the socket from "
                            + workload.namespaceName);
                    transport.close();
                } else {
                    openFailed(new IOException("the server disconnected the socket before CONNECT"));
                }
            }
            case SioWire.SIO_ACK -> onAck(buf);
            case SioWire.SIO_EVENT -> {
                if (subscriber() && ready) {
                    onDelivery(buf);
                }
            }
            default -> protocolError("Socket.IO packet type " + packet.type + " from a server");
        }
    }

    private void onConnect() {
        if (ready || namespaceConnected) {
            return;
        }
        namespaceConnected = true;
        if (subscriber()) {
            String room = workload.ledger.roomNames[workload.ledger.roomOf(index)];
            ByteBuf join = transport.buffer(64);
            join.writeByte('4').writeByte('2').writeBytes(workload.nsPrefix);
            SioWire.writeDecimal(join, JOIN_ID);
            join.writeBytes(SioWire.ascii("[" + SioWire.jsonString(workload.joinEvent) + ","
                    + SioWire.jsonString(room) + "]"));
            send(join);
            transport.flush();
            return;
        }
        if (publisher()) {
            int rooms = workload.ledger.rooms;
            roomArgs = new byte[rooms][];
            for (int r = 0; r < rooms; r++) {
                String room = SioWire.jsonString(workload.ledger.roomNames[r]);
                roomArgs[r] = SioWire.ascii(workload.relayPublish
                        ? room + "," + SioWire.jsonString(workload.deliveredEvent) + ",\""
                        : room + ",\"");
            }
            seqByRoom = workload.ledger.sequences[index - workload.ledger.subscribers];
            cancelWatchdog(); // connected; waiting for the subscribers may take longer than the timeout
            workload.ledger.allJoined.whenComplete((v, e) -> transport.executor().execute(() -> {
                if (!closing && !ready) {
                    becomeReady();
                }
            }));
            return;
        }
        if (workload.mode == SioWorkload.Mode.CONNSCALE) {
            workload.onOpened();
        }
        becomeReady();
    }

    private void becomeReady() {
        ready = true;
        cancelWatchdog();
        ctx.connected(this);
    }

    private void cancelWatchdog() {
        if (watchdog != null) {
            watchdog.cancel(false);
            watchdog = null;
        }
    }

    // ---- requests ----

    @Override
    public boolean acceptsRequests() {
        return workload.mode == SioWorkload.Mode.ECHO || workload.mode == SioWorkload.Mode.EMIT || publisher();
    }

    @Override
    public void send(int token) {
        PayloadSource payloads = ctx.payloads();
        int size = payloads.nextSize();
        int offset = payloads.nextOffset();
        remember(token, offset, size);
        ByteBuf chars = workload.payloadChars;
        ByteBuf out;
        if (publisher()) {
            int p = index - workload.ledger.subscribers;
            long k = seqByRoom[workload.ledger.rooms]++;
            int room = (int) ((p + k) % workload.ledger.rooms);
            long seq = ++seqByRoom[room];
            sizeOf[token] = room; // the publisher keeps the room of each token here
            byte[] args = roomArgs[room];
            out = transport.buffer(16 + workload.nsPrefix.length + workload.eventHead.length + args.length
                    + size + 2);
            out.writeByte('4').writeByte('2').writeBytes(workload.nsPrefix);
            SioWire.writeDecimal(out, token);
            out.writeBytes(workload.eventHead).writeBytes(args);
            SioWire.writeHex(out, workload.ledger.runId, 8);
            SioWire.writeHex(out, p, 4);
            SioWire.writeHex(out, room, 4);
            SioWire.writeHex(out, seq, 16);
            SioWire.writeHex(out, ctx.intendedNanos(token), 16);
            SioWire.writeHex(out, ctx.sentNanos(token), 16);
            SioWire.writeHex(out, offset, 8);
            out.writeBytes(chars, chars.readerIndex() + offset, size - SioWorkload.HEADER_CHARS).writeBytes(TAIL);
            workload.ledger.publishes.increment();
        } else {
            boolean ack = workload.mode == SioWorkload.Mode.ECHO;
            out = transport.buffer(16 + workload.nsPrefix.length + workload.eventHead.length + size + 2);
            out.writeByte('4').writeByte('2').writeBytes(workload.nsPrefix);
            if (ack) {
                SioWire.writeDecimal(out, token);
            }
            out.writeBytes(workload.eventHead).writeBytes(chars, chars.readerIndex() + offset, size).writeBytes(TAIL);
        }
        int length = out.readableBytes();
        transport.send(out);
        if (workload.mode == SioWorkload.Mode.EMIT) {
            if (unflushedCount == unflushed.length) {
                unflushed = Arrays.copyOf(unflushed, unflushed.length * 2);
            }
            unflushed[unflushedCount++] = token;
        }
        ctx.bytesSent(transport.wireBytes(length));
    }

    /**
     * The emits of one flush were written. Their completions are reported from a task of their
     * own, once per batch of writes, followed by {@link ConnectionContext#readComplete()} so the
     * engine flushes the sends it triggers: write listeners run inside a flush, where the
     * engine's own flush loop may be.
     */
    private void settle(int[] tokens) {
        if (writtenCount + tokens.length > written.length) {
            written = Arrays.copyOf(written, Math.max(written.length * 2, writtenCount + tokens.length));
        }
        System.arraycopy(tokens, 0, written, writtenCount, tokens.length);
        writtenCount += tokens.length;
        if (!settleScheduled) {
            settleScheduled = true;
            transport.executor().execute(this::settleWritten);
        }
    }

    private void settleWritten() {
        settleScheduled = false;
        int[] tokens = Arrays.copyOf(written, writtenCount);
        writtenCount = 0;
        for (int token : tokens) {
            if (token < pending.length && pending[token]) {
                pending[token] = false;
                ctx.completed(token);
            }
        }
        ctx.readComplete();
    }

    private void send(ByteBuf packet) {
        int length = packet.readableBytes();
        transport.send(packet);
        ctx.bytesSent(transport.wireBytes(length));
    }

    private void remember(int token, int offset, int size) {
        if (token >= pending.length) {
            int n = Math.max(token + 1, pending.length * 2);
            pending = Arrays.copyOf(pending, n);
            offsetOf = Arrays.copyOf(offsetOf, n);
            sizeOf = Arrays.copyOf(sizeOf, n);
        }
        pending[token] = true;
        offsetOf[token] = offset;
        sizeOf[token] = size;
    }

    @Override
    public void timedOut(int token) {
        if (token < pending.length) {
            pending[token] = false;
        }
    }

    @Override
    public void flush() {
        if (unflushedCount == 0) {
            transport.flush();
            return;
        }
        int[] tokens = Arrays.copyOf(unflushed, unflushedCount);
        unflushedCount = 0;
        transport.flushThen(() -> settle(tokens));
    }

    @Override
    public void close() {
        if (!closing) {
            closing = true;
            if (workload.mode == SioWorkload.Mode.CONNSCALE && ready) {
                workload.survived.increment();
            }
            if (transport != null) {
                transport.close();
            }
        }
    }

    /** The transport closed. */
    void onClosed(Throwable cause) {
        if (closeReported) {
            return;
        }
        closeReported = true;
        if (watchdog != null) {
            watchdog.cancel(false);
            watchdog = null;
        }
        if (workload.mode == SioWorkload.Mode.CONNSCALE && ready && !closing) {
            workload.closedEarly.increment();
        }
        closing = true;
        if (!ready && !failedToOpen) {
            failedToOpen = true;
            ctx.connectFailed(cause != null ? cause : new IOException("the server closed the connection before "
                    + "the Socket.IO CONNECT was answered"));
            return;
        }
        ctx.closed(cause);
    }

    void readComplete() {
        if (ready) {
            ctx.readComplete();
        }
    }

    // ---- answers ----

    private void onAck(ByteBuf buf) {
        long id = packet.ackId;
        if (id == JOIN_ID && subscriber()) {
            String refusal = refusal(buf);
            if (refusal != null) {
                openFailed(new IOException(workload.joinEvent + " refused: " + refusal));
                return;
            }
            if (!ready) {
                workload.ledger.onJoined(index);
                becomeReady();
            }
            return;
        }
        if (id < 0 || id >= pending.length || !pending[(int) id]) {
            protocolError("an ACK with id " + id + " that no request in flight has: "
                    + SioWire.excerpt(buf, packet.json - 1, packet.end));
            return;
        }
        int token = (int) id;
        pending[token] = false;
        if (publisher()) {
            String refusal = refusal(buf);
            if (refusal != null) {
                ctx.failed(token, ErrorKind.PROTOCOL_ERROR, "publish refused: " + refusal);
                return;
            }
            int p = index - workload.ledger.subscribers;
            workload.ledger.accepted.incrementAndGet(p * workload.ledger.rooms + sizeOf[token]);
            workload.ledger.publishesAccepted.increment();
            ctx.acknowledged(token);
            return;
        }
        checkEcho(buf, token);
    }

    /** The relay's acknowledgement of an {@code sb:} event without a result. */
    private static final byte[] NULL_ACK = SioWire.ascii("[null]");

    /**
     * {@code ["<payload>"]} byte for byte; else the relay's {@code [null]} byte for byte; else
     * parsed: {@code [null...]}, a refusal or a wrong echo.
     */
    private void checkEcho(ByteBuf buf, int token) {
        int at = packet.json;
        int size = sizeOf[token];
        ByteBuf chars = workload.payloadChars;
        if (packet.end - at == size + 4 && buf.getByte(at) == '[' && buf.getByte(at + 1) == '"'
                && buf.getByte(packet.end - 2) == '"' && buf.getByte(packet.end - 1) == ']'
                && io.netty.buffer.ByteBufUtil.equals(buf, at + 2, chars, chars.readerIndex() + offsetOf[token], size)) {
            ctx.completed(token);
            return;
        }
        if (SioWire.regionEquals(buf, at, packet.end, NULL_ACK) && packet.end - at == NULL_ACK.length) {
            ctx.completed(token); // the relay's answer, byte for byte: what the parse below would accept, without it
            return;
        }
        JsonNode args = json(buf);
        if (args == null || !args.isArray()) {
            protocolError("an ACK whose data is not a JSON array: " + SioWire.excerpt(buf, packet.json, packet.end));
            return;
        }
        JsonNode first = args.get(0);
        if (first == null || first.isNull()) {
            ctx.completed(token);
        } else if (first.isObject() && (first.has("code") || first.has("message"))) {
            ctx.failed(token, ErrorKind.PROTOCOL_ERROR, "refused: " + first);
        } else {
            ctx.failed(token, ErrorKind.WRONG_ECHO, "a payload of " + size + " characters came back as "
                    + SioWire.excerpt(buf, packet.json, packet.end));
        }
    }

    /** The refusal an ack carries ({@code [{code, message}]}), or null for a success. */
    private String refusal(ByteBuf buf) {
        if (packet.end - packet.json >= 2 && buf.getByte(packet.json + 1) != '{') {
            return null; // [null], [], ["ok"]: not an error object
        }
        JsonNode args = json(buf);
        JsonNode first = args == null ? null : args.get(0);
        if (first != null && first.isObject() && (first.has("code") || first.has("message"))) {
            return first.toString();
        }
        return null;
    }

    private JsonNode json(ByteBuf buf) {
        try (InputStream in = new ByteBufInputStream(buf.slice(packet.json, packet.end - packet.json))) {
            return JSON.readTree(in);
        } catch (IOException e) {
            return null;
        }
    }

    /** A fan-out event: {@code ["load","<header><filler>"]}. */
    private void onDelivery(ByteBuf buf) {
        int at = packet.json;
        int end = packet.end;
        byte[] head = workload.deliveryHead;
        if (!SioWire.regionEquals(buf, at, end, head) || end - at < head.length + SioWorkload.HEADER_CHARS + 2
                || buf.getByte(end - 2) != '"' || buf.getByte(end - 1) != ']') {
            if (!SioWire.regionEquals(buf, at, end, SioWire.ascii("[" + SioWire.jsonString(workload.deliveredEvent)))) {
                return; // another event (sb:joined, an application's own): not counted
            }
            workload.ledger.corrupt.increment();
            return;
        }
        int h = at + head.length;
        long run = SioWire.readHex(buf, h, 8);
        long publisher = SioWire.readHex(buf, h + 8, 4);
        long room = SioWire.readHex(buf, h + 12, 4);
        long seq = SioWire.readHex(buf, h + 16, 16);
        long intended = SioWire.readHex(buf, h + 32, 16);
        long sent = SioWire.readHex(buf, h + 48, 16);
        long offset = SioWire.readHex(buf, h + 64, 8);
        int fillerFrom = h + SioWorkload.HEADER_CHARS;
        int filler = end - 2 - fillerFrom;
        ByteBuf chars = workload.payloadChars;
        if (run != (workload.ledger.runId & 0xFFFF_FFFFL) || room != workload.ledger.roomOf(index) || offset < 0 || seq < 0
                || offset + filler > chars.readableBytes()
                || !io.netty.buffer.ByteBufUtil.equals(buf, fillerFrom, chars, chars.readerIndex() + (int) offset, filler)) {
            workload.ledger.corrupt.increment();
            return;
        }
        switch (workload.ledger.tracker(index).deliver((int) publisher, seq)) {
            case IN_ORDER -> {
                workload.ledger.deliveries.increment();
                ctx.delivered(intended, sent);
            }
            case REORDERED -> {
                workload.ledger.deliveries.increment();
                workload.ledger.outOfOrder.increment();
                ctx.delivered(intended, sent);
            }
            case DUPLICATE -> workload.ledger.duplicates.increment();
            case UNCLASSIFIED -> workload.ledger.outOfOrder.increment();
            case INVALID -> workload.ledger.corrupt.increment();
        }
    }
}
