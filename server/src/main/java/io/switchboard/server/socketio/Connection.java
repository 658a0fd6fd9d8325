package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.server.limits.ConnectionRate;
import io.switchboard.server.session.Grant;
import io.switchboard.server.session.Refused;
import io.switchboard.server.socketio.engine.EngineSocket;
import io.switchboard.server.socketio.protocol.SioDecodeException;
import io.switchboard.server.socketio.protocol.SioDecoder;
import io.switchboard.server.socketio.protocol.SioEncoded;
import io.switchboard.server.socketio.protocol.SioPacket;
import io.switchboard.server.socketio.protocol.SioPacketType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One Engine.IO session seen by Socket.IO: its packet decoder, and its sockets, one per connected
 * namespace. Everything here runs on the Engine.IO session's event loop.
 */
final class Connection {
    private static final Logger log = LogManager.getLogger(Connection.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final SocketIoServer server;
    private final EngineSocket engine;
    private final SioDecoder decoder;
    private final Map<String, SioSocket> sockets = new HashMap<>();
    /** Namespaces whose CONNECT waits for another node to hand a socket over. */
    private final java.util.Set<String> takingOver = new java.util.HashSet<>();
    private ScheduledFuture<?> connectTimer;
    /** The session's event rate, or {@code null} when unlimited. */
    private final ConnectionRate rate;
    private boolean closed;

    Connection(SocketIoServer server, EngineSocket engine) {
        this.server = server;
        this.engine = engine;
        this.decoder = new SioDecoder(server.options().decoder());
        this.rate = server.newRate();
        long timeout = server.options().connectTimeout().toMillis();
        this.connectTimer = engine.eventLoop().schedule(() -> {
            if (sockets.isEmpty() && !closed) {
                log.debug("engine.io session {}: no namespace connected within {} ms, closing", engine.id(), timeout);
                server.count("connect_timeout");
                engine.close();
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    EngineSocket engine() {
        return engine;
    }

    EventExecutor eventLoop() {
        return engine.eventLoop();
    }

    void onText(String text) {
        SioPacket packet;
        try {
            packet = decoder.decodeText(text);
        } catch (SioDecodeException e) {
            malformed(e);
            return;
        }
        if (packet != null) {
            dispatch(packet);
        }
    }

    void onBinary(ByteBuf data) {
        SioPacket packet;
        try {
            packet = decoder.decodeBinary(data);
        } catch (SioDecodeException e) {
            malformed(e);
            return;
        }
        if (packet != null) {
            dispatch(packet);
        }
    }

    private void malformed(SioDecodeException e) {
        server.count("malformed_" + e.reason().label());
        protocolError(e.getMessage());
    }

    /** A packet the protocol does not allow: the connection closes, as the reference server does ("parse error"). */
    void protocolError(String message) {
        log.debug("engine.io session {}: {}, closing", engine.id(), message);
        engine.close();
    }

    private void dispatch(SioPacket packet) {
        switch (packet.type()) {
            case CONNECT -> connect(packet);
            case CONNECT_ERROR -> protocolError("CONNECT_ERROR from a client");
            default -> {
                SioSocket socket = sockets.get(packet.namespace());
                if (socket == null || !socket.connected()) {
                    // The reference server ignores packets for a namespace not connected.
                    server.count("not_connected");
                    log.debug("engine.io session {}: {} for namespace {} not connected, ignored", engine.id(),
                            packet.type(), packet.namespace());
                    return;
                }
                if (rate != null && (packet.type() == SioPacketType.EVENT || packet.type() == SioPacketType.BINARY_EVENT)
                        && !rate.allow(engine.handshake().remoteAddress() + " sid " + engine.id())) {
                    // Over limits.rate: not processed; the client hears it when it asked for an ack.
                    server.count("rate_limited");
                    if (packet.hasAckId()) {
                        send(SioPacket.ack(packet.namespace(), packet.ackId(), SioSocket.errorArgs(
                                ErrorCode.RATE_LIMITED, "not processed: more than "
                                        + rate.perSecond() + " events per second")));
                    }
                    return;
                }
                socket.onPacket(this, packet);
            }
        }
    }

    private void connect(SioPacket packet) {
        String name = packet.namespace();
        if (sockets.containsKey(name) || takingOver.contains(name)) {
            log.debug("engine.io session {}: second CONNECT to {}, ignored", engine.id(), name);
            return;
        }
        Namespace namespace = server.lookup(name);
        if (namespace == null) {
            server.count("invalid_namespace");
            send(SioPacket.connectError(name, "Invalid namespace"));
            return;
        }
        JsonNode auth = packet.data() != null ? packet.data() : NODES.objectNode();
        Grant grant = null;
        if (server.auth().checksTokens()) {
            JsonNode token = auth.get("token");
            try {
                grant = server.auth().admit(token == null ? "" : token.isTextual() ? token.textValue() : token.toString());
            } catch (Refused e) {
                server.count("auth_failed");
                send(SioPacket.connectError(name, refusal(e)));
                return;
            }
        }
        if (namespace.recoveryOptions().enabled() && auth.path("pid").isTextual()) {
            SioSocket earlier = namespace.detachedSocket(auth.path("pid").textValue());
            if (earlier != null) {
                recover(name, namespace, earlier, auth, grant);
                return;
            }
            if (!server.hub().otherNodes().isEmpty()) {
                takeOver(name, namespace, auth, grant);
                return;
            }
            server.count("recovery_unknown_pid");
        }
        admit(name, namespace, auth, grant);
    }

    /** A {@code connect_error} payload: the message, and the code and cause in {@code data}. */
    private static ObjectNode refusal(Refused e) {
        ObjectNode error = NODES.objectNode();
        error.put("message", e.getMessage());
        ObjectNode data = error.putObject("data").put("code", e.code().code());
        if (e.cause() != null) {
            data.put("cause", e.cause());
        }
        return error;
    }

    /**
     * Connection state recovery of a socket this node does not hold: another node may (the
     * client reconnected elsewhere). It is asked to hand the socket over; the namespace is
     * reserved meanwhile. No node holding it, or none answering in time: a new socket.
     */
    private void takeOver(String name, Namespace namespace, JsonNode auth, Grant grant) {
        takingOver.add(name);
        if (connectTimer != null) {
            connectTimer.cancel(false);
            connectTimer = null;
        }
        JsonNode offset = auth.get("offset");
        server.clusterOps().takeOver(name, auth.path("pid").textValue(),
                offset != null && offset.isTextual() ? offset.textValue() : null).whenComplete((state, e) -> onLoop(() -> {
                    takingOver.remove(name);
                    if (state != null && state.path("ok").asBoolean()) {
                        long sid = Long.parseUnsignedLong(state.path("sid").asText());
                        SioSocket socket = new SioSocket(this, namespace, sid, auth, state.path("pid").asText());
                        sockets.put(name, socket);
                        socket.adopt(state);
                        socket.regrant(grant);
                        if (closed) {
                            socket.transportClosed(this, "transport close"); // held here for the client now
                        }
                        return;
                    }
                    server.count(state == null ? "recovery_unknown_pid" : "recovery_refused");
                    if (!closed) {
                        admit(name, namespace, auth, grant);
                    }
                }));
    }

    /**
     * Connection state recovery: hands the detached socket this connection; the namespace is
     * reserved meanwhile (the client sends nothing on it before the CONNECT answer). When the
     * socket cannot recover, the client gets a new one, as a client without a pid does.
     */
    private void recover(String name, Namespace namespace, SioSocket earlier, JsonNode auth, Grant grant) {
        sockets.put(name, earlier);
        if (connectTimer != null) {
            connectTimer.cancel(false);
            connectTimer = null;
        }
        JsonNode offset = auth.get("offset");
        earlier.recover(this, auth, offset != null && offset.isTextual() ? offset.textValue() : null, ok -> {
            if (!ok) {
                onLoop(() -> {
                    if (!closed && sockets.remove(name, earlier)) {
                        admit(name, namespace, auth, grant);
                    }
                });
            } else {
                earlier.regrant(grant);
            }
        });
    }

    private void onLoop(Runnable task) {
        if (engine.eventLoop().inEventLoop()) {
            task.run();
        } else {
            engine.eventLoop().execute(task);
        }
    }

    private void admit(String name, Namespace namespace, JsonNode auth, Grant grant) {
        SioSocket socket = new SioSocket(this, namespace, server.hub().newSessionId(), auth);
        try {
            socket.session().authenticate(grant);
        } catch (Refused e) {
            server.count("auth_failed");
            socket.session().end();
            send(SioPacket.connectError(name, refusal(e)));
            return;
        }
        sockets.put(name, socket);
        if (connectTimer != null) {
            connectTimer.cancel(false);
            connectTimer = null;
        }
        namespace.admit(socket, refusal -> {
            if (sockets.remove(name, socket)) {
                socket.session().end(); // never registered; stops its token's expiry timer
                server.count("middleware_refused");
                send(SioPacket.connectError(name, refusal));
            }
        });
    }

    /** The socket ended; it no longer receives this connection's packets. */
    void forget(SioSocket socket) {
        onLoop(() -> sockets.remove(socket.namespace().name(), socket)); // from the socket's loop
    }

    /** The Engine.IO message's WebSocket frame: the form a packet is made in once for all its recipients. */
    private static final SioEncoded.TextEncoding WS_MESSAGE = EngineSocket::webSocketMessage;

    /**
     * Encodes and sends one packet to this connection alone (an acknowledgement, a CONNECT answer):
     * a text-only packet's WebSocket frame goes to the transport as it is made, without the shared
     * form's duplicate that {@link #send(SioEncoded)} hands each recipient.
     */
    void send(SioPacket packet) {
        try (SioEncoded encoded = server.encoder().encode(packet)) {
            if (!encoded.isBinary() && "websocket".equals(engine.transport())) {
                engine.send(encoded.text(), EngineSocket.webSocketMessage(server.encoder().allocator(), encoded.text()));
            } else {
                send(encoded);
            }
        }
    }

    /**
     * Sends an encoded packet (shared with other recipients: its WebSocket frame is made once, by
     * the first, and it and the attachments are retained per send).
     */
    void send(SioEncoded encoded) {
        if ("websocket".equals(engine.transport())) {
            engine.send(encoded.text(), encoded.retainedTextBytes(WS_MESSAGE));
        } else {
            engine.send(encoded.text()); // polling (an upgrade meanwhile is fine: the frame is made from the text)
        }
        if (encoded.isBinary()) {
            for (ByteBuf attachment : encoded.retainedAttachments()) {
                engine.send(attachment);
            }
        }
    }

    void onClose(String reason) {
        closed = true;
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        decoder.reset();
        for (SioSocket socket : new ArrayList<>(sockets.values())) {
            socket.transportClosed(this, reason);
        }
        sockets.clear();
    }

    List<SioSocket> sockets() {
        return new ArrayList<>(sockets.values());
    }
}
