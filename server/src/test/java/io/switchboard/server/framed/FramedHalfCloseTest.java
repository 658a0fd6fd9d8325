package io.switchboard.server.framed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.switchboard.server.Listener;
import io.switchboard.server.ServerFixture;
import io.switchboard.server.launch.Server;
import io.switchboard.testing.TransportUnderTest;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Half-close: a client that sends its requests and then shuts down its write side (FIN) gets an
 * answer to every request it sent, in order, and then the server closes the connection. With
 * more answers than the socket buffers hold and a client that reads slowly, so the server's
 * backpressure (stop reading above the high water mark) is in play when the FIN arrives.
 */
class FramedHalfCloseTest {
    private static final int ECHOES = 40;
    private static final int PAYLOAD = 60_000;

    @RegisterExtension
    final ServerFixture servers = new ServerFixture();

    @ParameterizedTest
    @EnumSource(value = TransportUnderTest.class, names = {"EPOLL_EDGE", "EPOLL_LEVEL", "NIO"})
    void everyRequestBeforeTheFinIsAnsweredThenTheServerCloses(TransportUnderTest transport) throws Exception {
        Server server = servers.start(transport);
        InetSocketAddress address = server.address(Listener.FRAMED);
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(address, 2000);
            socket.setSoTimeout(20_000);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(frame(0x01, 1, hello("halfclose")));
            for (int i = 0; i < ECHOES; i++) {
                byte[] payload = new byte[PAYLOAD];
                Arrays.fill(payload, (byte) i);
                out.write(frame(0x05, 2 + i, payload));
            }
            // The write side is shut down from another thread while this one reads slowly: the
            // requests do not fit the socket buffers, so writing them all first would deadlock.
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(out.toByteArray());
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "half-close-writer");
            writer.start();
            DataInputStream in = new DataInputStream(new SlowInput(socket.getInputStream()));
            assertEquals(0x02, readFrame(in, 1).opcode, "WELCOME first");
            for (int i = 0; i < ECHOES; i++) {
                Frame reply = readFrame(in, 2 + i);
                assertEquals(0x06, reply.opcode, "ECHO_REPLY " + i);
                byte[] expected = new byte[PAYLOAD];
                Arrays.fill(expected, (byte) i);
                assertArrayEquals(expected, reply.body, "ECHO_REPLY " + i);
            }
            assertEquals(-1, in.read(), "the server closes after the last answer");
            writer.join(5000);
        }
    }

    /** Reads at most 4 KiB per call with a short pause: a slow reader. */
    private static final class SlowInput extends InputStream {
        private final InputStream in;
        private int calls;

        SlowInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (++calls % 8 == 0) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return in.read(b, off, Math.min(len, 4096));
        }
    }

    private record Frame(int opcode, int requestId, byte[] body) {
    }

    private static Frame readFrame(DataInputStream in, int expectedRequestId) throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new AssertionError("connection closed before the answer to request " + expectedRequestId, e);
        }
        int opcode = in.readUnsignedByte();
        in.readUnsignedByte(); // flags
        int requestId = in.readInt();
        byte[] body = new byte[length - 6];
        in.readFully(body);
        assertEquals(expectedRequestId, requestId, "request id of opcode 0x" + Integer.toHexString(opcode));
        return new Frame(opcode, requestId, body);
    }

    private static byte[] hello(String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 2 + n.length + 2).put((byte) 1).putShort((short) n.length).put(n)
                .putShort((short) 0).array();
    }

    private static byte[] frame(int opcode, int requestId, byte[] body) {
        return ByteBuffer.allocate(10 + body.length).putInt(6 + body.length).put((byte) opcode).put((byte) 0)
                .putInt(requestId).put(body).array();
    }
}
