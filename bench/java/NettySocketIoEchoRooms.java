import com.corundumstudio.socketio.Configuration;
import com.corundumstudio.socketio.SocketConfig;
import com.corundumstudio.socketio.SocketIOServer;
import java.util.concurrent.CountDownLatch;

/**
 * The application of bench/run-socketio.sh's {@code netty-socketio} row: netty-socketio 2.0.13
 * (Maven Central com.corundumstudio.socketio:netty-socketio) with the handlers of
 * client/src/test/node/socketio-server/server.mjs:
 * <pre>
 *   echo (data, ack)          acknowledges with the same argument
 *   join (room, ack)          joins the room, acknowledges []
 *   publish (room, data, ack) emits "load" with data to the room's other members, acknowledges []
 * </pre>
 * One boss and one worker thread (native epoll), as Switchboard runs with {@code --io-threads 1}.
 * Single-file source launch with the jars of bench/netty-socketio/pom.xml on the class path:
 * <pre>
 *   java -cp 'DIR/*' bench/java/NettySocketIoEchoRooms.java PORT
 * </pre>
 * Prints "ready PORT" once listening; stops on SIGTERM (or after an hour at most).
 */
public final class NettySocketIoEchoRooms {
    private NettySocketIoEchoRooms() {
    }

    public static void main(String[] args) throws Exception {
        Configuration config = new Configuration();
        config.setHostname("127.0.0.1");
        config.setPort(Integer.parseInt(args[0]));
        config.setBossThreads(1);
        config.setWorkerThreads(1);
        config.setUseLinuxNativeEpoll(true);
        config.setPingInterval(25_000);
        config.setPingTimeout(20_000);
        config.setMaxFramePayloadLength(1_000_000);
        config.setMaxHttpContentLength(1_000_000);
        SocketConfig socket = new SocketConfig();
        socket.setReuseAddress(true);
        socket.setTcpNoDelay(true);
        socket.setAcceptBackLog(4096);
        config.setSocketConfig(socket);
        SocketIOServer server = new SocketIOServer(config);
        server.addEventListener("echo", String.class, (client, data, ack) -> {
            if (ack.isAckRequested()) {
                ack.sendAckData(data);
            }
        });
        server.addEventListener("join", String.class, (client, room, ack) -> {
            client.joinRoom(room);
            if (ack.isAckRequested()) {
                ack.sendAckData();
            }
        });
        server.addMultiTypeEventListener("publish", (client, data, ack) -> {
            server.getRoomOperations((String) data.first()).sendEvent("load", client, (Object) data.second());
            if (ack.isAckRequested()) {
                ack.sendAckData();
            }
        }, String.class, String.class);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            stopped.countDown();
        }));
        server.start();
        System.out.println("ready " + args[0]);
        System.out.flush();
        if (!stopped.await(1, java.util.concurrent.TimeUnit.HOURS)) {
            server.stop();
            System.exit(0);
        }
    }
}
