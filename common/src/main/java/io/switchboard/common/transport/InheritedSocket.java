package io.switchboard.common.transport;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A socket this process inherited as a file descriptor (systemd socket activation passes them as
 * fd 3 and up): what kind it is and where it is bound, read with {@code getsockopt} and
 * {@code getsockname} through Netty's native library. Linux only.
 *
 * @param fd the file descriptor
 * @param stream whether it is a stream (TCP) socket; otherwise a datagram (UDP) socket
 * @param localAddress the address it is bound to, or {@code null} when it is not an IP socket
 */
public record InheritedSocket(int fd, boolean stream, InetSocketAddress localAddress) {
    private static final int SOL_SOCKET = 1;
    private static final int SO_TYPE = 3;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_DGRAM = 2;

    /**
     * Inspects an inherited file descriptor without taking ownership of it.
     *
     * @throws IOException when it is not a socket, or neither a stream nor a datagram socket
     * @throws TransportUnavailableException when Netty's epoll native library does not load here
     */
    public static InheritedSocket inspect(int fd) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new TransportUnavailableException("inherited sockets need the epoll native library: "
                    + NativeDiagnosis.explain(Epoll.unavailabilityCause()), Epoll.unavailabilityCause());
        }
        Socket socket = new Socket(fd);
        int type = socket.getIntOpt(SOL_SOCKET, SO_TYPE);
        if (type != SOCK_STREAM && type != SOCK_DGRAM) {
            throw new IOException("fd " + fd + ": socket type " + type + " (expected: stream or datagram)");
        }
        InetSocketAddress local;
        try {
            local = socket.localAddress();
        } catch (RuntimeException e) {
            local = null; // a Unix socket: no IP address
        }
        return new InheritedSocket(fd, type == SOCK_STREAM, local);
    }
}
