package io.switchboard.server.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The application the Node and browser interop scripts (src/test/node/socketio-client) talk to,
 * written on the embedding API only, the way an application would. Each handler is small and
 * answers through the client's acknowledgement, so the scripts can check the server's view.
 *
 * <p>On {@code /}: {@code echo} acks its arguments; {@code join}/{@code leave} a room; {@code
 * room-emit} (room, event, ...args) emits to a room, optionally {@code except} rooms; {@code
 * socket-to} (room, event, ...args) is {@code socket.to(room).emit}; {@code dm} (socket id, text)
 * emits {@code dm} to that socket; {@code ask} (event, timeoutMillis, ...args) is the server's
 * {@code emitWithAck} to the asking socket, acked with {@code {ok, args}} or {@code {ok:false,
 * timeout:true}}; {@code reverse-bytes} acks the reversed Buffer; {@code push-bytes} emits a
 * 256-byte Buffer; {@code whoami} acks {@code {id, nsp, transport, auth, query, rooms}}; {@code
 * disconnect-me} disconnects the socket; {@code last-disconnect} acks the last disconnect reason
 * the server saw. {@code /custom} and {@code /dyn-N} (made on demand) answer {@code whoami};
 * {@code /private} refuses without {@code auth.token == "let-me-in"}, with message {@code "not
 * authorized"} and data {@code {reason, got}}.
 */
final class SocketIoInteropApp {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Disconnect reasons seen by {@code /} and {@code /custom}, as {@code "nsp id reason"}. */
    final BlockingQueue<String> disconnects = new LinkedBlockingQueue<>();
    private volatile String lastDisconnect = "";

    SocketIoInteropApp(SocketIoServer io) {
        Namespace main = io.sockets();
        main.onConnection(socket -> socket.emit("welcome", whoami(socket)));
        common(main);
        main.on("echo", (socket, args, ack) -> ack.sendArgs(args));
        main.on("join", (socket, args, ack) -> socket.join(args.path(0).asText()).thenRun(() -> ack.send(socket.rooms())));
        main.on("leave", (socket, args, ack) -> socket.leave(args.path(0).asText()).thenRun(() -> ack.send(socket.rooms())));
        main.on("room-emit", (socket, args, ack) -> {
            // (room, event, exceptRooms[], ...args)
            Broadcast b = main.to(args.path(0).asText());
            for (JsonNode except : args.path(2)) {
                b = b.except(except.asText());
            }
            int n = b.emit(args.path(1).asText(), (Object[]) rest(args, 3));
            ack.send(n);
        });
        main.on("socket-to", (socket, args, ack) -> ack.send(socket.to(args.path(0).asText())
                .emit(args.path(1).asText(), (Object[]) rest(args, 2))));
        main.on("socket-broadcast", (socket, args, ack) -> ack.send(socket.broadcast()
                .emit(args.path(0).asText(), (Object[]) rest(args, 1))));
        main.on("dm", (socket, args, ack) -> ack.send(main.to(args.path(0).asText())
                .emit("dm", socket.id(), args.path(1))));
        main.on("ask", (socket, args, ack) -> socket.emitWithAck(args.path(0).asText(),
                Duration.ofMillis(args.path(1).asLong()), (Object[]) rest(args, 2)).whenComplete((answer, error) -> {
                    ObjectNode result = NODES.objectNode();
                    result.put("ok", error == null);
                    if (error == null) {
                        result.set("args", answer);
                    } else {
                        result.put("timeout", error instanceof TimeoutException);
                        result.put("error", String.valueOf(error.getMessage()));
                    }
                    ack.send(result);
                }));
        main.on("reverse-bytes", (socket, args, ack) -> {
            byte[] in = args.path(0).binaryValue();
            byte[] out = new byte[in.length];
            for (int i = 0; i < in.length; i++) {
                out[i] = in[in.length - 1 - i];
            }
            ack.send(out, in.length);
        });
        main.on("push-bytes", (socket, args, ack) -> {
            byte[] all = new byte[256];
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) i;
            }
            ObjectNode nested = NODES.objectNode();
            nested.put("label", "nested");
            nested.put("data", new byte[] {9, 8, 7});
            socket.emit("server-bytes", all, "label", nested);
            ack.send(true);
        });
        main.on("big", (socket, args, ack) -> {
            // A large, compressible string: "abc" repeated up to n characters.
            int n = args.path(0).asInt();
            StringBuilder text = new StringBuilder(n);
            while (text.length() < n) {
                text.append("abc", 0, Math.min(3, n - text.length()));
            }
            socket.emit("big", text.toString());
            ack.send((Object) null);
        });
        main.on("length", (socket, args, ack) -> ack.send(null, args.path(0).asText().length()));
        main.on("disconnect-me", (socket, args, ack) -> socket.disconnect());
        main.on("last-disconnect", (socket, args, ack) -> ack.send(lastDisconnect));
        main.on("fetch-room", (socket, args, ack) -> {
            ArrayNode ids = NODES.arrayNode();
            main.in(args.path(0).asText()).fetchSockets().thenAccept(found -> {
                found.stream().map(RemoteSocket::id).sorted().forEach(ids::add);
                ack.send(ids);
            });
        });
        main.on("sockets-join", (socket, args, ack) -> {
            main.in(args.path(0).asText()).socketsJoin(args.path(1).asText());
            ack.send(true);
        });

        Namespace custom = io.of("/custom");
        custom.onConnection(socket -> socket.emit("welcome", whoami(socket)));
        common(custom);
        io.of(Pattern.compile("/dyn-\\d+"), this::common);

        Namespace secret = io.of("/private");
        secret.use((socket, next) -> {
            if ("let-me-in".equals(socket.auth().path("token").asText(null))) {
                next.accept();
            } else {
                ObjectNode data = NODES.objectNode().put("reason", "bad token");
                data.set("got", socket.auth().has("token") ? socket.auth().get("token") : NODES.nullNode());
                next.refuse("not authorized", data);
            }
        });
        common(secret);
        // A middleware that hands refuse() data SioArgs cannot send (socket.auth().path("x") of a
        // missing key is a MissingNode): the client must still be answered.
        io.of("/broken-refusal").use((socket, next) -> next.refuse("not authorized", Map.of("got", socket.auth().path("x"))));
    }

    private void common(Namespace nsp) {
        nsp.on("whoami", (socket, args, ack) -> ack.send(whoami(socket)));
        nsp.onDisconnect((socket, reason) -> {
            lastDisconnect = nsp.name() + " " + reason;
            disconnects.add(nsp.name() + " " + socket.id() + " " + reason);
        });
    }

    private static ObjectNode whoami(SioSocket socket) {
        ObjectNode o = NODES.objectNode();
        o.put("id", socket.id());
        o.put("nsp", socket.namespace().name());
        o.put("transport", socket.transport());
        o.set("auth", socket.auth());
        String q = socket.handshake().queryParam("q");
        if (q != null) {
            o.put("q", q);
        }
        ArrayNode rooms = o.putArray("rooms");
        socket.rooms().forEach(rooms::add);
        return o;
    }

    private static JsonNode[] rest(ArrayNode args, int from) {
        JsonNode[] out = new JsonNode[Math.max(0, args.size() - from)];
        for (int i = from; i < args.size(); i++) {
            out[i - from] = args.get(i);
        }
        return out;
    }
}
