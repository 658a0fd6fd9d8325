package io.switchboard.server.lifecycle;

import io.switchboard.common.transport.TransportChoice;
import io.switchboard.server.Listener;
import io.switchboard.server.ServerConfig;
import io.switchboard.server.launch.Server;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;

/**
 * The child process of {@link SocketActivationTest}: started by {@code systemd-socket-activate}
 * with the framed port's socket on fd 3, it starts a server whose framed listener is configured
 * on that same port (binding it itself would fail: the port is taken), says where it serves, and
 * shuts down gracefully when its standard input ends.
 */
public final class ActivatedServerMain {
    private ActivatedServerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ServerConfig.Builder builder = ServerConfig.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .transport(TransportChoice.EPOLL)
                .ioThreads(1);
        for (Listener l : Listener.values()) {
            builder.enabled(l, l == Listener.FRAMED);
        }
        builder.port(Listener.FRAMED, port);
        Server server = Server.start(builder.build());
        System.out.println("SERVING pid=" + ProcessHandle.current().pid() + " LISTEN_PID=" + System.getenv("LISTEN_PID")
                + " port=" + server.address(Listener.FRAMED).getPort());
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // wait for the parent to close our stdin
            }
        } catch (IOException ignored) {
            // parent gone: stop
        }
        server.shutdownGracefully(Duration.ofSeconds(2));
        System.out.println("STOPPED");
        System.out.flush();
    }
}
