import io.switchboard.server.launch.ServerMain;
import io.switchboard.server.socketio.Namespace;
import java.util.Map;

/**
 * The application of bench/run-socketio.sh's {@code switchboard-java} row: Switchboard embedded,
 * the Socket.IO events handled by application code through the embedding API, as the Node
 * server of client/src/test/node/socketio-server/server.mjs does:
 * <pre>
 *   echo (data, ack)          acknowledges with the same argument
 *   join (room, ack)          joins the room, acknowledges [] once joined
 *   publish (room, data, ack) emits "load" with data to the room's other members, acknowledges []
 * </pre>
 * Single-file source launch, with the server jar on the class path and switchboard-server's
 * command line (relay events off, so only these handlers answer):
 * <pre>
 *   java -cp server/target/switchboard-server.jar bench/java/SioEchoRooms.java --bind 127.0.0.1 --http-port 18390 ...
 * </pre>
 */
public final class SioEchoRooms {
    private SioEchoRooms() {
    }

    public static void main(String[] args) {
        int code = ServerMain.run("sio-echo-rooms", Map.of("socketio.relay", "false"), server -> {
            Namespace io = server.socketIo().sockets();
            io.on("echo", (socket, a, ack) -> ack.send(a.get(0)));
            io.on("join", (socket, a, ack) -> socket.join(a.path(0).asText())
                    .whenComplete((ok, failed) -> ack.send()));
            io.on("publish", (socket, a, ack) -> {
                socket.to(a.path(0).asText()).emit("load", a.get(1));
                ack.send();
            });
        }, args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
