package io.switchboard.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.switchboard.common.transport.TransportChoice;
import io.switchboard.common.transport.TransportUnavailableException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** How the client fails: against a scripted peer written from the protocol document. */
class ClientFailureTest {
    /** A WELCOME frame: version 1, session 9, max 1 MiB, idle 60 s, server "fake". */
    private static byte[] welcome(int requestId) {
        ByteBuffer b = ByteBuffer.allocate(4 + 6 + 1 + 8 + 4 + 4 + 2 + 4);
        b.putInt(6 + 1 + 8 + 4 + 4 + 2 + 4).put((byte) 0x02).put((byte) 0).putInt(requestId);
        b.put((byte) 1).putLong(9).putInt(1 << 20).putInt(60_000).putShort((short) 4).put("fake".getBytes());
        return b.array();
    }

    /** Reads one frame and returns its request id. */
    private static int readFrame(DataInputStream in) throws IOException {
        int length = in.readInt();
        byte[] rest = new byte[length];
        in.readFully(rest);
        return ByteBuffer.wrap(rest, 2, 4).getInt();
    }

    private static ClientOptions options(ServerSocket peer, Duration timeout) {
        return ClientOptions.builder().port(peer.getLocalPort()).transport(TransportChoice.NIO)
                .connectTimeout(timeout).requestTimeout(timeout).build();
    }

    @Test
    void aRequestWithoutReplyTimesOut() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<SwitchboardClient> connecting = SwitchboardClient.connect(options(peer, Duration.ofMillis(300)));
            try (Socket s = peer.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                s.getOutputStream().write(welcome(readFrame(in)));
                try (SwitchboardClient client = connecting.get(5, TimeUnit.SECONDS)) {
                    assertEquals(9, client.sessionId());
                    ExecutionException e = assertThrows(ExecutionException.class, () -> client.ping().get(5, TimeUnit.SECONDS));
                    assertInstanceOf(TimeoutException.class, e.getCause());
                }
            }
        }
    }

    @Test
    void aHandshakeWithoutWelcomeTimesOut() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<SwitchboardClient> connecting = SwitchboardClient.connect(options(peer, Duration.ofMillis(300)));
            try (Socket s = peer.accept()) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> connecting.get(5, TimeUnit.SECONDS));
                assertInstanceOf(TimeoutException.class, e.getCause());
            }
        }
    }

    @Test
    void requestsInFlightFailWhenTheConnectionDrops() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<SwitchboardClient> connecting = SwitchboardClient.connect(options(peer, Duration.ofSeconds(5)));
            Socket s = peer.accept();
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write(welcome(readFrame(in)));
            try (SwitchboardClient client = connecting.get(5, TimeUnit.SECONDS)) {
                CompletableFuture<byte[]> echo = client.echo(new byte[] {1});
                readFrame(in);
                s.close();
                ExecutionException e = assertThrows(ExecutionException.class, () -> echo.get(5, TimeUnit.SECONDS));
                assertInstanceOf(ConnectionClosedException.class, e.getCause());
            }
        }
    }

    @Test
    void refusedConnectionIsAClearFailure() throws Exception {
        int port;
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = peer.getLocalPort();
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> SwitchboardClient.connect(
                ClientOptions.builder().port(port).build()).get(5, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("cannot connect to 127.0.0.1:" + port), e.getCause().getMessage());
    }

    @Test
    void anUnavailableTransportFailsTheConnect() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> SwitchboardClient.connect(
                ClientOptions.builder().transport(TransportChoice.KQUEUE).build()).get(5, TimeUnit.SECONDS));
        assertInstanceOf(TransportUnavailableException.class, e.getCause());
    }

    @Test
    void optionsNameTheBadValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().port(0));
        assertEquals("port: 0 (expected: 1..65535)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ClientOptions.builder().name("n".repeat(65)));
        assertEquals("name: 65 bytes (expected: at most 64)", e.getMessage());
    }
}
