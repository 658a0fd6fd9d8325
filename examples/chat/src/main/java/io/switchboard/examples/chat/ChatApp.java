package io.switchboard.examples.chat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.launch.Server;
import io.switchboard.server.launch.ServerMain;
import io.switchboard.server.launch.ServerStartException;
import io.switchboard.server.socketio.Namespace;
import io.switchboard.server.socketio.SocketIoServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The chat server of the python-socketio tutorial, on Switchboard's embedding API:
 *
 * <pre>
 * &#64;sio.on('connect')      def connect(sid, environ):  sio.emit('addChat', sid)
 * &#64;sio.on('message')      def message(sid, data):     sio.emit('reply', {'message': 'hello', 'sid': sid})
 * &#64;sio.on('sendMessage')  def sendMessage(sid, data): sio.emit('reply', data['content'], room=data['destId'])
 * &#64;sio.on('disconnect')   def disconnect(sid):        print('disconnect ', sid)
 * </pre>
 *
 * <p>Every handler only emits, which queues packets and returns: nothing here blocks the event
 * loop the handlers run on. As in python-socketio, every socket is in a room named by its id, so
 * {@code to(destId)} reaches the one client named there.
 *
 * <p>{@link #main} runs it with the command line, environment variables and {@code --config}
 * file of {@code switchboard-server} ({@link ServerMain#run}), and serves the page of
 * {@code chat-web/} (the official socket.io browser client) as the static root unless
 * {@code --static-root} says otherwise.
 */
public final class ChatApp {
    private static final Logger log = LogManager.getLogger(ChatApp.class);
    static final String NAME = "switchboard-example-chat";

    private ChatApp() {
    }

    /** Registers the chat's handlers on the main namespace {@code /}. */
    public static void install(SocketIoServer io) {
        Namespace chat = io.sockets();
        chat.onConnection(socket -> {
            log.info("connect {} ({})", socket.id(), socket.transport());
            chat.emit("addChat", socket.id()); // to everyone, the new client too
        });
        chat.on("message", (socket, args, ack) -> {
            log.info("message {}: {}", socket.id(), args);
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("message", "hello");
            reply.put("sid", socket.id());
            chat.emit("reply", reply); // to everyone, as the tutorial does
        });
        chat.on("sendMessage", (socket, args, ack) -> {
            JsonNode data = args.get(0);
            JsonNode destId = data == null ? null : data.get("destId");
            if (destId == null || !destId.isTextual() || destId.textValue().isEmpty()) {
                log.info("sendMessage from {} without a destId: {}", socket.id(), args);
                return;
            }
            log.info("sendMessage {} -> {}", socket.id(), destId.textValue());
            chat.to(destId.textValue()).emit("reply", data.get("content")); // only the client of that id
        });
        chat.onDisconnect((socket, reason) -> log.info("disconnect {} ({})", socket.id(), reason));
    }

    /** Starts a server with this configuration and the chat on it (for tests and other embeddings). */
    public static Server start(ServerConfig config) throws ServerStartException {
        Server server = Server.start(config);
        install(server.socketIo());
        return server;
    }

    public static void main(String[] args) {
        Map<String, String> defaults = Map.of("http.static-root", webRoot().toString());
        int code = ServerMain.run(NAME, defaults, server -> install(server.socketIo()), args);
        if (code != 0) {
            LogManager.shutdown();
            System.exit(code);
        }
    }

    /**
     * The page, copied out of the jar into a fresh directory (deleted at exit) that the HTTP
     * listener serves: {@code index.html}, and {@code socket.io.min.js} when the build put one in
     * (the page falls back to the socket.io CDN without it).
     */
    static Path webRoot() {
        try {
            Path dir = Files.createTempDirectory(NAME + "-web");
            dir.toFile().deleteOnExit();
            for (String name : new String[] {"index.html", "socket.io.min.js"}) {
                try (InputStream in = ChatApp.class.getResourceAsStream("/chat-web/" + name)) {
                    if (in != null) {
                        Path file = dir.resolve(name);
                        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                        file.toFile().deleteOnExit();
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the chat page to a temporary directory", e);
        }
    }
}
