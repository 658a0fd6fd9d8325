package io.switchboard.common.transport;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_SNDTIMEO = 21;

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

    /**
     * Makes the socket safe for an event loop even when it was passed in blocking mode (systemd's
     * default, {@code NonBlocking=no}; {@code systemd-socket-activate} too): Netty accepts or
     * receives until the call would block, and on a blocking socket the last call would hang the
     * event loop. Netty cannot set {@code O_NONBLOCK} on a descriptor it did not create, so this
     * sets a 1 µs receive and send timeout ({@code SO_RCVTIMEO}, {@code SO_SNDTIMEO}), which makes
     * {@code accept}, {@code recv} and {@code send} return {@code EAGAIN} at once, as on a
     * non-blocking socket. Harmless when the socket is non-blocking already; accepted connections
     * are made non-blocking by Netty regardless.
     *
     * @throws IOException when the options cannot be set
     */
    public void makeEventLoopSafe() throws IOException {
        Socket socket = new Socket(fd);
        socket.setRawOpt(SOL_SOCKET, SO_RCVTIMEO, oneMicrosecond());
        socket.setRawOpt(SOL_SOCKET, SO_SNDTIMEO, oneMicrosecond());
    }

    /** A {@code struct timeval} of 1 µs (64-bit layout); a fresh one per call, as setting consumes it. */
    private static ByteBuffer oneMicrosecond() {
        ByteBuffer timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        timeval.putLong(0, 0); // tv_sec
        timeval.putLong(8, 1); // tv_usec
        return timeval;
    }
}
